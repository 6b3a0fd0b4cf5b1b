"""``check_engine``: what it leaves, what it blames, what it tolerates.

Each acceptance has its rejecting twin: a 1e-3 error is caught where the correct engine
passes (float64 and float32), an engine's exception is its operation's error while the
checker's own is never blamed on the engine, absent operations are not failures.
"""

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest
from zoo_engines import (
    scalar_micro,
    scalar_micro_add,
    scalar_micro_topo,
    scalar_ok,
    scalar_stale,
    tensor_f32_ok,
    tensor_ok,
)

from gradcheck import check_engine
from gradcheck.engine import autograd_run
from gradcheck.targets.classes import find_classes
from gradcheck.targets.loading import load_target

ZOO = Path(__file__).parent / "zoo_engines"


def test_the_class_is_left_as_it_was_even_its_mutable_defaults():
    cls = scalar_stale.Scalar
    before = dict(vars(cls))
    order, seen = cls.backward.__defaults__
    report = check_engine(cls, raise_on_failure=False)
    assert not report.ok  # (the stale twin: it filled its default list during the check)
    assert dict(vars(cls)) == before  # tracers removed, same function objects
    assert order == [] and seen == set()


def test_a_class_counter_is_restored():
    class Counted(scalar_ok.Scalar):
        made = 0

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            Counted.made += 1

    check_engine(Counted, raise_on_failure=False)
    assert Counted.made == 0


def _broken(method, factor):
    def wrong(self):
        out = method(self)
        inner = out._backward

        def backward():
            before = self.grad
            inner()
            self.grad = before + (self.grad - before) * factor

        out._backward = backward
        return out

    return wrong


def test_a_relative_error_of_1e3_in_exp_is_caught(monkeypatch):
    assert check_engine(scalar_ok.Scalar).ok
    monkeypatch.setattr(scalar_ok.Scalar, "exp", _broken(scalar_ok.Scalar.exp, 1 + 1e-3))
    report = check_engine(scalar_ok.Scalar, raise_on_failure=False)
    rows = {g.name: g for g in report.gradients if g.status == "failed"}
    # this engine computes p ** q and 2.0 ** a through exp: they are wrong too, and say why
    assert set(rows) == {"exp", "pow", "rpow"}
    assert "the local derivative in exp's _backward is wrong" in rows["exp"].diagnosis
    assert "computed through exp, which fails on its own" in rows["pow"].diagnosis


def test_float32_tolerances_follow_float32_and_still_see_1e2(monkeypatch):
    # float32 resolves about 1e-3 of a gradient (the rounding of x + step in float32
    # alone is 2e-5 of the step): a 1e-2 error is caught, the correct engine passes
    cls = tensor_f32_ok.Tensor
    report = check_engine(cls)
    assert report.ok and report.dtype == "float32"
    original = cls.exp

    def exp(self):
        out = original(self)
        out._backward_inner = out._backward

        def backward():
            out.grad = out.grad * np.float32(1 + 1e-2)
            out._backward_inner()

        out._backward = backward
        return out

    monkeypatch.setattr(cls, "exp", exp)
    report = check_engine(cls, raise_on_failure=False)
    rows = {g.name: g for g in report.gradients if g.status == "failed"}
    assert set(rows) == {"exp", "pow"}  # P ** Q is computed through exp here
    assert "computed through exp" in rows["pow"].diagnosis


def test_relu_at_exactly_zero_is_a_kink_and_any_subgradient_passes(monkeypatch):
    report = check_engine(scalar_ok.Scalar)
    relu = next(g for g in report.gradients if g.name == "relu")
    assert relu.status == "passed"

    def relu_half(self):  # 0.5 at 0: a subgradient, accepted
        return self._node(max(self.data, 0.0), (self,), "relu",
                          lambda: (1.0 if self.data > 0 else 0.5 if self.data == 0 else 0.0,))

    monkeypatch.setattr(scalar_ok.Scalar, "relu", relu_half)
    assert check_engine(scalar_ok.Scalar).ok

    def relu_two(self):  # 2 at 0: outside [0, 1], wrong
        return self._node(max(self.data, 0.0), (self,), "relu",
                          lambda: (1.0 if self.data > 0 else 2.0 if self.data == 0 else 0.0,))

    monkeypatch.setattr(scalar_ok.Scalar, "relu", relu_two)
    report = check_engine(scalar_ok.Scalar, raise_on_failure=False)
    assert [g.name for g in report.gradients if g.status == "failed"] == ["relu"]


def test_an_exception_in_the_engines_backward_is_that_operations_error(monkeypatch):
    def tanh(self):
        t = math.tanh(self.data)

        def local():
            raise ValueError("oops")

        return self._node(t, (self,), "tanh", local)

    monkeypatch.setattr(scalar_ok.Scalar, "tanh", tanh)
    report = check_engine(scalar_ok.Scalar, raise_on_failure=False)
    rows = {g.name: g for g in report.gradients}
    assert rows["tanh"].status == "error"
    assert "ValueError: oops" in rows["tanh"].diagnosis
    assert all(g.status == "passed" for n, g in rows.items() if n != "tanh")
    assert report.status == "failed"


def test_an_exception_in_the_checker_is_never_blamed_on_the_engine(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("checker bug")

    monkeypatch.setattr(autograd_run.numerics, "compare", broken)
    report = check_engine(scalar_ok.Scalar, raise_on_failure=False)
    assert report.status == "error"
    assert "a bug in gradcheck, not in Scalar" in report.problems[0]
    assert not report.gradients  # no operation blamed
    assert "__mul__" in vars(scalar_ok.Scalar) and not hasattr(
        scalar_ok.Scalar.__mul__, "__wrapped__")  # tracers removed all the same


def test_operations_an_engine_does_not_define_are_absent_not_failures():
    class Tiny:
        def __init__(self, data, parents=()):
            self.data, self.grad, self.parents = data, 0.0, parents
            self._backward = lambda: None

        def __add__(self, other):
            other = other if isinstance(other, Tiny) else Tiny(other)
            out = Tiny(self.data + other.data, (self, other))

            def backward():
                self.grad += out.grad
                other.grad += out.grad

            out._backward = backward
            return out

        def __mul__(self, other):
            other = other if isinstance(other, Tiny) else Tiny(other)
            out = Tiny(self.data * other.data, (self, other))

            def backward():
                self.grad += other.data * out.grad
                other.grad += self.data * out.grad

            out._backward = backward
            return out

        def backward(self):
            order, seen = [], set()

            def visit(v):
                if id(v) not in seen:
                    seen.add(id(v))
                    for p in v.parents:
                        visit(p)
                    order.append(v)

            visit(self)
            self.grad = 1.0
            for v in reversed(order):
                v._backward()

    report = check_engine(Tiny)
    assert report.ok
    assert {"add", "mul", "backward", "second backward"} == {g.name for g in report.gradients}
    assert {"exp", "pow", "rmul", "relu"} <= set(report.absent)
    assert report.to_dict()["absent"] == report.absent


def test_the_tensor_report_rows_carry_expression_values_and_json():
    report = check_engine(tensor_ok.Tensor)
    names = {g.name for g in report.gradients}
    assert {"matmul", "sum", "mean", "max", "reshape", "transpose", "T", "getitem"} <= names
    row = report.to_dict()["gradients"][0]
    assert {"expression", "values", "leaf", "expressions", "failing"} <= set(row)
    assert "operation" in str(report)


def test_not_a_class_or_no_backward_is_a_type_error():
    with pytest.raises(TypeError, match="pass the class itself"):
        check_engine(scalar_ok.Scalar(1.0))
    with pytest.raises(TypeError, match="no backward"):
        check_engine(int)


def test_discovery_takes_an_engine_for_an_engine_and_a_layer_for_a_layer(tmp_path):
    source = tmp_path / "both.py"
    source.write_text(textwrap.dedent('''
        import numpy as np

        class Layer_Scaled:
            def __init__(self):
                self.k = 2.0

            def __mul__(self, other):
                return self.k * other

            def forward(self, inputs):
                self.output = self.k * inputs

            def backward(self, dvalues):
                self.dinputs = self.k * dvalues

        class Value:
            def __init__(self, data):
                self.data, self.grad = data, 0.0

            def __add__(self, other):
                return Value(self.data + other.data)

            def backward(self):
                self.grad = 1.0
    '''))
    kinds = {f.name: (f.kind, f.verdict) for f in find_classes(load_target(str(source)))}
    assert kinds == {"Layer_Scaled": ("layer", "check"), "Value": ("engine", "check")}


def test_a_backward_that_requires_its_upstream_gradient_is_given_one(monkeypatch):
    cls = tensor_ok.Tensor
    original = cls.backward
    monkeypatch.setattr(cls, "backward", lambda self, grad: original(self, grad))
    assert check_engine(cls).ok
    monkeypatch.setattr(cls, "tanh", lambda self: self._node(
        np.tanh(self.data), (self,), lambda g: (g * (1 - np.tanh(self.data)),)))  # no square
    report = check_engine(cls, raise_on_failure=False)
    assert [g.name for g in report.gradients if g.status == "failed"] == ["tanh"]


NOT_AN_ENGINE = '''
class Interval:
    """Operator overloads and a backward(), but no data and grad: not an engine."""

    def __init__(self, low, high=None):
        self.low, self.high = low, low if high is None else high

    def __add__(self, other):
        return Interval(self.low + other.low, self.high + other.high)

    def backward(self):
        return Interval(self.high, self.low)
'''


def test_overloads_and_backward_without_data_and_grad_are_not_an_engine(tmp_path, capsys):
    from gradcheck.cli import main

    path = tmp_path / "interval.py"
    path.write_text(NOT_AN_ENGINE)
    assert main([str(path), "-q"]) == 0  # skipped, saying why: not a failure
    assert "not an autograd engine" in capsys.readouterr().out
    namespace = {}
    exec(NOT_AN_ENGINE, namespace)
    with pytest.raises(TypeError, match="not an autograd engine"):
        check_engine(namespace["Interval"])
    # its twin, with data and grad, is checked (and fails: its backward computes nothing)
    path.write_text(NOT_AN_ENGINE.replace(
        "self.low, self.high = low, low if high is None else high",
        "self.low, self.high = low, low if high is None else high\n"
        "        self.data, self.grad = float(low), 0.0"))
    assert main([str(path), "-q"]) == 1


def test_other_unary_methods_are_operations_when_they_return_a_node(monkeypatch):
    cls = scalar_ok.Scalar
    monkeypatch.setattr(cls, "sqrt", lambda self: self ** 0.5, raising=False)
    monkeypatch.setattr(cls, "describe", lambda self: {"data": self.data}, raising=False)
    report = check_engine(cls)
    rows = {g.name for g in report.gradients}
    assert "sqrt" in rows and "describe" not in rows
    assert any("describe() does not return a Scalar" in n for n in report.notes)
    monkeypatch.setattr(cls, "sqrt", lambda self: cls(self.data ** 0.5), raising=False)
    report = check_engine(cls, raise_on_failure=False)  # outside the graph: no gradient
    assert [g.name for g in report.gradients if g.status == "failed"] == ["sqrt"]


class Flat:
    """Flat storage beside a ``shape`` attribute (a strided-tensor style), add/mul/sum."""

    def __init__(self, data, parents=()):
        array = np.array(data, dtype=np.float64)
        self.data, self.shape = array.reshape(-1), array.shape
        self.grad = np.zeros(array.size)
        self.parents, self._backward = parents, lambda: None

    def array(self):
        return self.data.reshape(self.shape)

    def __add__(self, other):
        other = other if isinstance(other, Flat) else Flat(other)
        if self.shape != other.shape:
            raise ValueError("no broadcasting")
        out = Flat(self.array() + other.array(), (self, other))

        def backward():
            self.grad = self.grad + out.grad
            other.grad = other.grad + out.grad

        out._backward = backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Flat) else Flat(other)
        if self.shape != other.shape:
            raise ValueError("no broadcasting")
        out = Flat(self.array() * other.array(), (self, other))

        def backward():
            self.grad = self.grad + out.grad * other.data
            other.grad = other.grad + out.grad * self.data

        out._backward = backward
        return out

    def sum(self):
        out = Flat(self.data.sum(), (self,))

        def backward():
            self.grad = self.grad + out.grad

        out._backward = backward
        return out

    def backward(self):
        order, seen = [], set()

        def visit(v):
            if id(v) not in seen:
                seen.add(id(v))
                for p in v.parents:
                    visit(p)
                order.append(v)

        visit(self)
        self.grad = np.ones(self.data.size)
        for v in reversed(order):
            v._backward()


def test_a_tensor_kept_as_flat_storage_is_read_through_its_shape(monkeypatch):
    report = check_engine(Flat)
    assert report.ok and {"add", "mul", "sum"} <= {g.name for g in report.gradients}
    original = Flat.__mul__

    def mul(self, other):  # the derivative in self forgets other
        out = original(self, other)
        parent = out.parents[0]

        def backward():
            parent.grad = parent.grad + out.grad

        inner = out._backward
        out._backward = lambda: (inner(), backward())
        return out

    monkeypatch.setattr(Flat, "__mul__", mul)
    report = check_engine(Flat, raise_on_failure=False)
    assert "mul" in [g.name for g in report.gradients if g.status == "failed"]


def test_check_all_in_a_notebook_checks_an_engine_defined_there(no_shrinking):
    from gradcheck import check_all

    namespace = {"__name__": "notebook_engines"}
    source = (ZOO / "scalar_ok.py").read_text()
    exec(compile(source, "<notebook>", "exec"), namespace)
    checked = check_all(namespace)
    (result,) = checked.results
    assert (result.name, result.kind, result.status) == ("Scalar", "engine", "passed")
    # the same cell with scalar_assign's bug: __mul__ assigns its operands' gradients
    correct_mul = ('        return self._node(self.data * other.data, (self, other), "*",\n'
                   '                          lambda: (other.data, self.data))\n')
    buggy_mul = ('        out = Scalar(self.data * other.data, (self, other), "*")\n'
                 '        def backward():\n'
                 '            self.grad = other.data * out.grad\n'
                 '            other.grad = self.data * out.grad\n'
                 '        out._backward = backward\n'
                 '        return out\n')
    assert source.count(correct_mul) == 1
    broken = {"__name__": "notebook_engines_broken"}
    exec(compile(source.replace(correct_mul, buggy_mul), "<notebook>", "exec"), broken)
    assert [r.status for r in check_all(broken).results] == ["failed"]


def test_getitem_assigning_its_gradient_is_not_called_a_repeated_index_bug(monkeypatch):
    cls = tensor_ok.Tensor

    def getitem(self, index):  # = instead of +=: A[0] * A[0] loses one of its two users
        out = cls(self.data[index], (self,))

        def backward():
            full = np.zeros_like(self.data)
            np.add.at(full, index, out.grad)
            self.grad = full

        out._backward = backward
        return out

    monkeypatch.setattr(cls, "__getitem__", getitem)
    report = check_engine(cls, raise_on_failure=False)
    row = next(g for g in report.gradients if g.name == "getitem")
    assert row.status == "failed"
    assert "grad assigned, not accumulated" in row.diagnosis


def test_add_broken_is_blamed_on_add_alone_through_delegation():
    # `__radd__` returns `self + other`: its failure is `__add__`'s; the graphs of the
    # `backward` rows go through `+`, so their order is not judged until add is fixed
    rows = {g.name: g for g in check_engine(scalar_micro_add.Value,
                                             raise_on_failure=False).gradients}
    assert "`=` instead of `+=` in __add__'s _backward" in rows["add"].diagnosis
    assert "computed through add" in rows["radd"].diagnosis
    assert "`__add__`" in rows["radd"].diagnosis and "__radd__" not in rows["radd"].diagnosis
    for name in ("backward", "second backward"):
        assert rows[name].status == "inconclusive", rows[name].describe()
        assert "uses add, which failed on its own" in rows[name].diagnosis
        assert "topological" not in rows[name].diagnosis


def test_a_broken_order_with_a_correct_add_is_still_the_order():
    assert check_engine(scalar_micro.Value).ok
    rows = {g.name: g for g in check_engine(scalar_micro_topo.Value,
                                             raise_on_failure=False).gradients}
    assert {n for n, g in rows.items() if g.status != "passed"} == {"backward"}
    assert "topological order visits a node before its users" in rows["backward"].diagnosis
