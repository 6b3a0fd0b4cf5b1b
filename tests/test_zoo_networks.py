"""Networks as people write them (``tests/zoo_networks``), judged from where they are run.

Each zoo directory is checked with the ``gradcheck`` command run from the directory its
author runs from (in process, ``monkeypatch.chdir``), and through the API with no
adapter. Every correct file passes; every ``buggy_*`` twin fails naming its bug.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from gradcheck import check_model, check_params
from gradcheck.cli import main

ZOO = Path(__file__).parent / "zoo_networks"
CS231N = ZOO / "cs231n_assignment"


@pytest.fixture(autouse=True)
def isolated_imports():
    path, modules = list(sys.path), dict(sys.modules)
    yield
    sys.path[:] = path
    for name in set(sys.modules) - set(modules):
        del sys.modules[name]
    sys.modules.update(modules)


def gradcheck(monkeypatch, tmp_path, cwd, target, *args):
    monkeypatch.chdir(cwd)
    out = tmp_path / "report.json"
    code = main([target, "--examples", "5", "--quiet", "--json", str(out), *args])
    return code, {r["name"]: r for r in json.loads(out.read_text())["results"]}


def messages(result):
    return " ".join([result["message"]] + [c["message"] for c in result.get("checks", [])])


# ----------------------------------------------------------------------------- CS231n
def test_fc_net_with_package_relative_star_imports_passes(monkeypatch, tmp_path):
    code, results = gradcheck(monkeypatch, tmp_path, CS231N, "cs231n/classifiers/fc_net.py")
    net = results["FullyConnectedNet"]
    assert code == 0 and net["status"] == "passed", messages(net)
    assert [c["variant"] for c in net["checks"]] == [
        "hidden_dims=[6, 4], input_dim=5, dtype=np.float64",
        "hidden_dims=[6, 4], input_dim=5, dtype=np.float64, reg=0.1",
    ]


def test_fc_net_without_the_hidden_layers_reg_gradient_fails_naming_it(monkeypatch, tmp_path):
    code, results = gradcheck(monkeypatch, tmp_path, CS231N,
                              "cs231n/classifiers/buggy_fc_net.py")
    net = results["FullyConnectedNet"]
    assert code == 1 and net["status"] == "failed"
    assert "[hidden_dims=[6, 4], input_dim=5, dtype=np.float64, reg=0.1]" in net["message"]
    assert "regularization term (0.1 * W1) is missing from W1" in net["message"]
    assert "W3" not in net["message"]


def test_two_layer_net_gets_its_sizes_and_reg_from_their_names(monkeypatch, tmp_path):
    code, results = gradcheck(monkeypatch, tmp_path, CS231N,
                              "cs231n/classifiers/neural_net.py")
    net = results["TwoLayerNet"]
    assert code == 0 and net["status"] == "passed", messages(net)
    assert [c["variant"] for c in net["checks"]] == [
        "input_size=5, hidden_size=7, output_size=3, std=0.05",
        "input_size=5, hidden_size=7, output_size=3, std=0.05; loss reg=0.1",
    ]


def test_two_layer_net_with_db2_before_the_division_by_n_fails_on_b2(monkeypatch, tmp_path):
    code, results = gradcheck(monkeypatch, tmp_path, CS231N,
                              "cs231n/classifiers/buggy_neural_net.py")
    net = results["TwoLayerNet"]
    assert code == 1 and net["status"] == "failed"
    assert "b2 at index" in net["message"]
    assert "W1 at" not in net["message"] and "W2 at" not in net["message"]


def test_linear_svm_with_self_w_is_checked_and_its_base_is_not(monkeypatch, tmp_path):
    code, results = gradcheck(monkeypatch, tmp_path, CS231N,
                              "cs231n/classifiers/linear_classifier.py")
    assert code == 0 and set(results) == {"LinearSVM"}
    svm = results["LinearSVM"]
    assert svm["status"] == "passed" and svm["checks"][0]["variant"] == "reg=0.1"


def test_linear_svm_forgetting_the_reg_gradient_fails(monkeypatch, tmp_path):
    code, results = gradcheck(monkeypatch, tmp_path, CS231N,
                              "cs231n/classifiers/buggy_linear_classifier.py")
    svm = results["LinearSVM"]
    assert code == 1 and svm["status"] == "failed"
    assert "L2 regularization term (0.2 * W) is missing from dW" in svm["message"]


def own_cs231n(monkeypatch):
    """This tree's ``cs231n`` on the path, not another test's ``cs231n`` already imported."""
    for name in [n for n in sys.modules if n == "cs231n" or n.startswith("cs231n.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.syspath_prepend(str(CS231N))


def cs231n_data():
    rng = np.random.default_rng(0)
    return rng.standard_normal((6, 5)), rng.integers(0, 3, 6)


@pytest.mark.parametrize("module, passes", [("linear_classifier", True),
                                            ("buggy_linear_classifier", False)])
def test_linear_svm_through_the_api_with_loss_kwargs(monkeypatch, module, passes):
    own_cs231n(monkeypatch)
    classes = __import__(f"cs231n.classifiers.{module}", fromlist=["LinearSVM"])
    X, y = cs231n_data()
    svm = classes.LinearSVM()
    svm.W = 0.01 * np.random.default_rng(1).standard_normal((5, 3))
    report = check_model(svm, X, y, loss_kwargs={"reg": 0.1}, raise_on_failure=False)
    assert report.ok is passes
    assert [g.name for g in report.gradients] == ["dW"]
    assert "loss called with reg=0.1" in report.notes


def test_two_layer_net_through_the_api_with_loss_kwargs(monkeypatch):
    own_cs231n(monkeypatch)
    from cs231n.classifiers import buggy_neural_net, neural_net

    X, y = cs231n_data()
    np.random.seed(0)
    good = neural_net.TwoLayerNet(5, 7, 3, std=0.05)
    assert check_model(good, X, y, loss_kwargs={"reg": 0.1}).ok
    bad = buggy_neural_net.TwoLayerNet(5, 7, 3, std=0.05)
    report = check_model(bad, X, y, loss_kwargs={"reg": 0.1}, raise_on_failure=False)
    assert [g.name for g in report.gradients if g.status == "failed"] == ["b2"]


def test_a_linear_classifier_before_training_is_refused_saying_how(monkeypatch):
    own_cs231n(monkeypatch)
    from cs231n.classifiers.linear_classifier import LinearSVM

    X, y = cs231n_data()
    with pytest.raises(TypeError, match="W is None: train"):
        check_model(LinearSVM(), X, y, loss_kwargs={"reg": 0.1})


# ----------------------------------------------------------------------------- Nielsen
NIELSEN = ZOO / "nielsen"


@pytest.mark.parametrize("file, bad", [
    ("network.py", None), ("buggy_network.py", "nabla_w[0] has shape (5, 4), expected (4, 5)"),
    ("network2.py", None), ("buggy_network2.py", "nabla_b[0] at index"),
])
def test_nielsen_networks_through_the_command(monkeypatch, tmp_path, file, bad):
    code, results = gradcheck(monkeypatch, tmp_path, NIELSEN, file)
    net = results["Network"]
    variants = [c["variant"] for c in net["checks"]]
    if file.endswith("network2.py"):  # one check per cost class of the module
        assert variants == ["sizes=[5, 4, 3], cost=QuadraticCost",
                            "sizes=[5, 4, 3], cost=CrossEntropyCost"]
    else:
        assert variants == ["sizes=[5, 4, 3]"]
    if bad is None:
        assert code == 0 and net["status"] == "passed", messages(net)
    else:
        assert code == 1 and net["status"] == "failed" and bad in messages(net)


def nielsen_data():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 1))
    y = np.zeros((3, 1))
    y[1] = 1.0
    return x, y


def test_nielsen_networks_through_the_api(monkeypatch):
    monkeypatch.syspath_prepend(str(NIELSEN))
    import buggy_network2
    import network2

    x, y = nielsen_data()
    np.random.seed(0)
    for cost in (network2.CrossEntropyCost, network2.QuadraticCost):
        report = check_model(network2.Network([5, 4, 3], cost=cost), x, y)
        assert report.ok and f"{cost.__name__}.fn(feedforward(x), y)" in report.notes[0]
    buggy = buggy_network2.Network([5, 4, 3], cost=buggy_network2.CrossEntropyCost)
    report = check_model(buggy, x, y, raise_on_failure=False)
    assert {g.name for g in report.gradients if g.status == "failed"} == {
        "nabla_b[0]", "nabla_b[1]", "nabla_w[0]", "nabla_w[1]"}
    # the quadratic cost of the same buggy file is right: only the cross-entropy's delta is
    assert check_model(buggy_network2.Network([5, 4, 3], cost=buggy_network2.QuadraticCost),
                       x, y).ok


# ----------------------------------------------------------------------------- deeplearning.ai
DLAI = ZOO / "dlai"


@pytest.mark.parametrize("module, failing", [("dropout_network", set()),
                                             ("buggy_dropout_network", {"dW1", "db1"})])
def test_unseeded_dropout_network_through_check_params(monkeypatch, module, failing):
    monkeypatch.syspath_prepend(str(DLAI))
    net = __import__(module)
    np.random.seed(3)
    X = np.random.randn(4, 6)
    Y = (np.random.rand(1, 6) > 0.5).astype(float)
    params = net.initialize_parameters([4, 5, 3, 1])

    def loss(p):
        return net.compute_cost(net.forward_propagation_with_dropout(X, p, 0.7)[0], Y)

    def grads(p):
        cache = net.forward_propagation_with_dropout(X, p, 0.7)[1]
        return net.backward_propagation_with_dropout(X, Y, cache, 0.7)

    report = check_params(loss, grads, params, raise_on_failure=False)
    assert {g.name for g in report.gradients if g.status == "failed"} == failing
    assert len(report.gradients) == 6
    assert any("pinned" in n for n in report.notes)


@pytest.mark.parametrize("file, failing", [("dropout_network.py", []),
                                           ("buggy_dropout_network.py", ["dW1", "db1"])])
def test_unseeded_dropout_network_through_the_command(monkeypatch, tmp_path, file, failing):
    code, results = gradcheck(monkeypatch, tmp_path, DLAI, file)
    net = results["forward_propagation_with_dropout"]
    check = net["checks"][0]
    assert check["variant"] == "layer_dims=[4, 5, 3, 1], keep_prob=0.7"
    assert [g["name"] for g in check["gradients"] if g["status"] == "failed"] == failing
    assert code == (1 if failing else 0)
    if failing:
        assert "scaled by 0.7" in net["message"]  # the missing / keep_prob, named


# ----------------------------------------------------------------------------- programs
RNN = ZOO / "min_char_rnn"


@pytest.mark.parametrize("file, failing", [("min_char_rnn.py", None),
                                           ("buggy_min_char_rnn.py", "dWhh at index")])
def test_min_char_rnn_program_is_checked_without_training(monkeypatch, tmp_path, file,
                                                          failing):
    np.random.seed(0)  # the program draws its parameters at module level
    code, results = gradcheck(monkeypatch, tmp_path, RNN, file)
    loss = results["lossFun"]
    check = loss["checks"][0]
    assert check["variant"] == ("inputs=8 ids below 24, targets=8 ids below 24, "
                                "hprev=0.1*randn(10, 1)")  # seq_length, vocab, hidden_size
    notes = " ".join(check["notes"])
    assert "module-level Wxh, Whh, Why, bh, by" in notes
    assert "set aside: returned[6] (10, 1)" in notes
    if failing is None:
        assert code == 0 and loss["status"] == "passed", messages(loss)
    else:
        assert code == 1 and loss["status"] == "failed"
        assert failing in loss["message"]
        bad = [g["name"] for g in check["gradients"] if g["status"] == "failed"]
        assert bad == ["dWhh"]




def test_the_missing_data_file_is_named(monkeypatch, tmp_path, capsys):
    (tmp_path / "rnn.py").write_text((RNN / "min_char_rnn.py").read_text())
    monkeypatch.chdir(tmp_path)
    assert main(["rnn.py"]) == 2
    err = capsys.readouterr().err
    assert "skipped lossFun" in err and "put input.txt where the program reads it" in err


# ----------------------------------------------------------------------------- imports
SCRIPTS = ZOO / "scripts"


@pytest.mark.parametrize("file, failing", [
    ("layers.py", set()), ("buggy_layers.py", {"Dense", "ReLU"}),
    ("bom_layers.py", set()), ("buggy_bom_layers.py", {"Layer_Dense"}),
])
def test_sibling_star_imports_and_byte_order_marks(monkeypatch, tmp_path, file, failing,
                                                   no_shrinking):
    code, results = gradcheck(monkeypatch, tmp_path, SCRIPTS, file)
    assert {n for n, r in results.items() if r["status"] == "failed"} == failing
    assert all(r["status"] == "passed" for n, r in results.items() if n not in failing)
    assert code == (1 if failing else 0)


def test_what_a_failed_star_import_leaves_undefined_is_skipped_naming_it(tmp_path, capsys):
    (tmp_path / "net.py").write_text(
        "from helpers_not_here import *\n"
        "import numpy as np\n\n\n"
        "class Net:\n"
        "    def __init__(self):\n"
        "        self.params = {'W': np.ones((3, 2))}\n\n"
        "    def loss(self, X, y=None):\n"
        "        return affine_forward(X, self.params['W'])\n"
    )
    assert main([str(tmp_path / "net.py")]) == 2
    err = capsys.readouterr().err
    assert "skipped Net: it uses affine_forward, which is not defined or could not be " \
           "imported" in err


# ----------------------------------------------------------------------------- templates
TEMPLATE = '''
import numpy as np


class TwoLayerNet(object):
    def __init__(self, input_size, hidden_size, output_size, std=1e-4):
        self.params = {}
        self.params["W1"] = std * np.random.randn(input_size, hidden_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = std * np.random.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)

    def loss(self, X, y=None, reg=0.0):
        scores = None
        #############################################################################
        # TODO: Perform the forward pass, computing the class scores for the input. #
        #############################################################################
        pass
        if y is None:
            return scores
        loss = None
        grads = {}
        return loss, grads
'''


def test_an_unfinished_template_is_the_students_to_finish_never_a_checker_error(tmp_path):
    (tmp_path / "neural_net.py").write_text(TEMPLATE)
    out = tmp_path / "report.json"
    assert main([str(tmp_path / "neural_net.py"), "--quiet", "--json", str(out)]) == 1
    (net,) = json.loads(out.read_text())["results"]
    assert net["status"] == "unfinished"  # never passed, never an error of gradcheck's
    assert "unfinished template" in net["message"]
    assert "models.py" not in messages(net) and "IndexError" not in messages(net)


def test_the_finished_template_passes(tmp_path):
    finished = TEMPLATE.replace(
        "        pass\n        if y is None:",
        "        scores = np.maximum(X @ self.params['W1'] + self.params['b1'], 0) "
        "@ self.params['W2'] + self.params['b2']\n        if y is None:",
    ).replace("        loss = None\n        grads = {}\n", (
        "        h = np.maximum(X @ self.params['W1'] + self.params['b1'], 0)\n"
        "        N = len(X)\n"
        "        p = np.exp(scores - scores.max(1, keepdims=True))\n"
        "        p /= p.sum(1, keepdims=True)\n"
        "        loss = -np.log(p[np.arange(N), y]).mean() + reg * np.sum(self.params['W1'] ** 2)\n"
        "        d = p.copy()\n"
        "        d[np.arange(N), y] -= 1\n"
        "        d /= N\n"
        "        dh = d @ self.params['W2'].T * (h > 0)\n"
        "        grads = {'W1': X.T @ dh + 2 * reg * self.params['W1'], 'b1': dh.sum(0),\n"
        "                 'W2': h.T @ d, 'b2': d.sum(0)}\n"))
    (tmp_path / "neural_net.py").write_text(finished)
    out = tmp_path / "report.json"
    assert main([str(tmp_path / "neural_net.py"), "--quiet", "--json", str(out)]) == 0
    (net,) = json.loads(out.read_text())["results"]
    assert net["status"] == "passed" and len(net["checks"]) == 2  # reg=0 and loss reg=0.1


# ----------------------------------------------------------------------------- cells
def cell_arguments():
    rng = np.random.default_rng(0)
    n_x, n_a, n_y, m = 3, 5, 2, 10
    parameters = {"Wax": rng.standard_normal((n_a, n_x)), "Waa": rng.standard_normal((n_a, n_a)),
                  "Wya": rng.standard_normal((n_y, n_a)), "ba": rng.standard_normal((n_a, 1)),
                  "by": rng.standard_normal((n_y, 1))}
    return rng.standard_normal((n_x, m)), rng.standard_normal((n_a, m)), parameters


@pytest.mark.parametrize("module, failing", [("rnn_cells", []), ("buggy_rnn_cells", ["dba"])])
def test_rnn_cell_pairs_with_a_dict_of_gradients_through_the_api(monkeypatch, module,
                                                                  failing):
    from gradcheck import check_function

    monkeypatch.syspath_prepend(str(DLAI))
    cells = __import__(module)
    xt, a_prev, parameters = cell_arguments()
    report = check_function(cells.rnn_cell_forward, cells.rnn_cell_backward, xt, a_prev,
                            parameters, raise_on_failure=False)
    # the dict's arrays with a gradient in the returned dict; Wya and by only feed yt
    assert [g.name for g in report.gradients] == ["dxt", "da_prev", "dWax", "dWaa", "dba"]
    assert [g.name for g in report.gradients if g.status != "passed"] == failing
    assert any("takes 1 upstream gradient" in n for n in report.notes)


@pytest.mark.parametrize("file, status", [("rnn_cells.py", "passed"),
                                          ("buggy_rnn_cells.py", "failed")])
def test_rnn_cell_pairs_through_the_command(monkeypatch, tmp_path, file, status):
    code, results = gradcheck(monkeypatch, tmp_path, DLAI, file)
    cell, lstm = results["rnn_cell_forward"], results["lstm_cell_forward"]
    assert cell["status"] == lstm["status"] == status
    assert code == (0 if status == "passed" else 1)
    if status == "failed":
        assert "dba has shape (1, 2), expected (1, 1)" in cell["message"]
        assert "dc_prev at index" in lstm["message"]  # the forget gate left out
