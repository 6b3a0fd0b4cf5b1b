"""The ``gradcheck`` command on whole networks: found, built or skipped, checked.

CS231n models (a ``params`` dict and ``loss``) and the book's ``Model`` are found in a
target; a model with all-default arguments is checked (and, with a ``reg`` argument, also
with ``reg=0.1``); sizes named as the courses name them (``hidden_dims``) are chosen;
one whose constructor needs a size of no known name is skipped naming the config key,
and checked once the key gives it. A bare book ``Model()`` has no
layers until the user's code adds them: skipped, saying so.
"""

import json
import textwrap

import pytest

from gradcheck.cli import main

NETS = textwrap.dedent('''
    import numpy as np

    class TwoLayerNet:
        def __init__(self, input_dim=5, hidden_dim=7, num_classes=3, reg=0.0):
            rng = np.random.default_rng(0)
            self.params = {
                "W1": 0.5 * rng.standard_normal((input_dim, hidden_dim)),
                "b1": np.zeros(hidden_dim),
                "W2": 0.5 * rng.standard_normal((hidden_dim, num_classes)),
                "b2": np.zeros(num_classes),
            }
            self.reg = reg

        def loss(self, X, y=None):
            W1, b1, W2, b2 = self.params.values()
            h = np.maximum(X @ W1 + b1, 0)
            scores = h @ W2 + b2
            if y is None:
                return scores
            N = len(X)
            p = np.exp(scores - scores.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            loss = -np.log(p[np.arange(N), y]).mean()
            loss += 0.5 * self.reg * (np.sum(W1 ** 2) + np.sum(W2 ** 2))
            d = p.copy()
            d[np.arange(N), y] -= 1
            d /= N
            dh = d @ W2.T * (h > 0)
            return loss, {"W1": X.T @ dh + REG_W1 * self.reg * W1, "b1": dh.sum(0),
                          "W2": h.T @ d + self.reg * W2, "b2": d.sum(0)}

    class FullyConnectedNet(TwoLayerNet):
        def __init__(self, hidden_dims, input_dim=4, num_classes=3):
            super().__init__(input_dim, hidden_dims[0], num_classes)
''')


pytestmark = pytest.mark.usefixtures("isolated_imports")


def run(tmp_path, source, name="nets.py"):
    (tmp_path / name).write_text(source)
    out = tmp_path / "report.json"
    code = main([str(tmp_path / name), "--json", str(out), "--quiet"])
    return code, {r["name"]: r for r in json.loads(out.read_text())["results"]}


def test_a_correct_cs231n_model_is_found_and_passes(tmp_path):
    code, results = run(tmp_path, "REG_W1 = 1\n" + NETS)
    assert results["TwoLayerNet"]["kind"] == "model"
    assert results["TwoLayerNet"]["status"] == "passed"
    variants = [c["variant"] for c in results["TwoLayerNet"]["checks"]]
    assert variants == ["default", "reg=0.1"]
    assert code == 0


def test_a_model_missing_a_regularization_term_fails_naming_it(tmp_path):
    code, results = run(tmp_path, "REG_W1 = 0\n" + NETS)
    assert code == 1
    assert results["TwoLayerNet"]["status"] == "failed"
    assert "W1" in results["TwoLayerNet"]["message"]
    assert "regularization" in results["TwoLayerNet"]["message"]


def test_a_model_needing_sizes_gets_them_from_their_names(tmp_path):
    # issue 25: hidden_dims is a size of the course's, no longer a reason to skip
    _, results = run(tmp_path, "REG_W1 = 1\n" + NETS)
    checked = results["FullyConnectedNet"]
    assert checked["status"] == "passed"
    assert [c["variant"] for c in checked["checks"]] == ["hidden_dims=[6, 4]"]


def test_a_model_needing_a_size_of_no_known_name_is_skipped_naming_the_config_key(tmp_path):
    source = NETS.replace("hidden_dims", "n_blocks").replace("n_blocks[0]", "n_blocks")
    _, results = run(tmp_path, "REG_W1 = 1\n" + source)
    skipped = results["FullyConnectedNet"]
    assert skipped["status"] == "skipped"
    assert "n_blocks" in skipped["message"]
    assert "[tool.gradcheck.args.FullyConnectedNet]" in skipped["message"]


def test_the_config_key_gets_the_model_checked(tmp_path):
    config = 'GRADCHECK_ARGS = {"FullyConnectedNet": {"hidden_dims": [6]}}\n'
    _, results = run(tmp_path, "REG_W1 = 1\n" + config + NETS)
    assert results["FullyConnectedNet"]["status"] == "passed"


BOOK = textwrap.dedent('''
    from zoo_models.book_model import (
        Activation_ReLU, Activation_Softmax, Layer_Dense, Loss_CategoricalCrossentropy,
        Model,
    )

    class Assembled(Model):
        def __init__(self, bug=None):
            super().__init__(bug=bug)
            self.add(Layer_Dense(3, 8))
            self.add(Activation_ReLU())
            self.add(Layer_Dense(8, 3, seed=1))
            self.add(Activation_Softmax())
            self.set(loss=Loss_CategoricalCrossentropy())
            self.finalize()

    class Broken(Assembled):
        def __init__(self):
            super().__init__(bug="skip_relu")

    class Bare(Model):
        pass
''')


def test_book_models_assembled_in_the_constructor_are_checked(tmp_path):
    code, results = run(tmp_path, BOOK, name="book_nets.py")
    assert results["Assembled"]["status"] == "passed"
    assert results["Broken"]["status"] == "failed"
    assert "layers[0].dweights" in results["Broken"]["message"]
    assert results["Bare"]["status"] == "skipped"
    assert "add()" in results["Bare"]["message"]
    assert code == 1
