"""A tensor engine with no `*` and a backward() that seeds ones: checked with ones.

Such an engine cannot be given another upstream gradient, so comparing its gradients
with finite differences weighted by a random one was a false alarm on every operation
("ignores the upstream gradient"). It is checked with ones, saying what that leaves
unseen; a wrong local derivative still fails.
"""

from zoo_engines import tensor_no_mul, tensor_no_mul_matmul

from gradcheck import check_engine


def test_a_correct_engine_without_mul_passes_saying_it_was_given_ones():
    report = check_engine(tensor_no_mul.Tensor, raise_on_failure=False)
    assert report.ok, report.message
    assert {"add", "matmul", "relu", "sum"} <= {g.name for g in report.gradients}
    assert {g.upstream for g in report.gradients if g.name == "matmul"} == {"1"}
    assert any("upstream gradient of ones" in n for n in report.notes)


def test_its_twin_with_a_wrong_matmul_gradient_fails_on_matmul_only():
    report = check_engine(tensor_no_mul_matmul.Tensor, raise_on_failure=False)
    assert {g.name for g in report.gradients if g.status == "failed"} == {"matmul"}
