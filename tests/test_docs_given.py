"""The docs' examples written for the reader's own code run on stand-ins, and the stand-ins
would show a bug: the twins of ``<!-- given: ... -->`` blocks.

``tests/test_docs_pages.py`` runs each such block with its file of ``tests/docs_given/``
(README.md there). Here the same block runs with one thing broken: a bug in the reader's
stand-in code, or the block's own line left out. Each must make the page fail; so the
block's calls and its ``after_block`` really check something.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from test_docs_pages import ROOT, TESTS, blocks, run_page, sandbox  # noqa: F401 - a fixture

GIVEN = "tests/docs_given/"

# (page, given file, (where: "block" or the file of docs_given to break, old, new),
#  what the failure says)
BROKEN = {
    "dropout arguments left out": (
        "command.md", "command_dropout.py",
        ("block", 'GRADCHECK_ARGS = {"Layer_Dropout": {"rate": 0.1}}', "pass"), "guessed"),
    "scale arguments left out": (
        "cs231n.md", "cs231n_scale.py",
        ("block", 'GRADCHECK_ARGS = {"scale_forward"', "_ = {'scale_forward'"), "AssertionError"),
    "max pool backward doubled": (
        "cs231n.md", "cs231n_calls.py",
        ("given", "scores, y =",
         "_right = max_pool_backward_naive\n"
         "max_pool_backward_naive = lambda dout, cache: 2 * _right(dout, cache)\n"
         "scores, y ="), "max_pool_forward_naive"),
    "softmax loss dx halved": (
        "cs231n.md", "cs231n_calls.py",
        ("given", "scores, y =",
         "_loss = softmax_loss\n"
         "softmax_loss = lambda x, y: (_loss(x, y)[0], _loss(x, y)[1] / 2)\n"
         "scores, y ="), "<lambda>"),
    "dense dbiases a mean": (
        "layers.md", "layers_tests.py",
        ("my_layers.py", "np.sum(dvalues, axis=0, keepdims=True)",
         "np.mean(dvalues, axis=0, keepdims=True)"), "dbiases"),
    "leaky relu with its slope negated": (
        "layers.md", "layers_tests.py",
        ("my_layers.py", "1.0, self.alpha)", "1.0, -self.alpha)"), "dinputs"),
    "cross-entropy not divided by samples": (
        "layers.md", "layers_tests.py",
        ("my_layers.py", "self.dinputs = self.dinputs / samples", "pass"), "Loss_MyCrossentropy"),
    "CS231n model without its L2 term": (
        "models.md", "models_yours.py",
        ("given", "classifiers.fc_net import", "classifiers.buggy_fc_net import"),
        "regularization"),
    "book model skipping a ReLU": (
        "models.md", "models_yours.py",
        ("given", "book_model = classifier()", 'book_model = classifier(bug="skip_relu")'),
        "between these layers"),
    "dict network with the classic bugs": (
        "models.md", "models_yours.py",
        ("given", "params, cache)", "params, cache, classic_bugs=True)"), "dW2"),
}


def given_block(page: str, given: str) -> str:
    """The block of a docs page marked as given by that file, as a one-block page of its
    own whose given file is the copy in ``broken/``."""
    (block,) = [b for b in blocks((ROOT / "docs" / page).read_text("utf-8"))
                if b.marker == ("given", GIVEN + given)]
    return f"<!-- given: broken/docs_given/{given} -->\n```python\n{block.text}```\n"


def broken_copy(directory: Path, given: str, old: str, new: str) -> None:
    """``directory/broken``: ``tests/`` with a copy of ``docs_given`` whose ``given`` has
    ``old`` replaced by ``new`` (the other entries are links to the real ones, but for the
    test modules: no given file imports one, and each link is a file to delete later)."""
    broken = directory / "broken"
    broken.mkdir()
    for entry in TESTS.iterdir():
        if entry.name != "docs_given" and not entry.name.startswith("test_"):
            (broken / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    shutil.copytree(TESTS / "docs_given", broken / "docs_given")
    if old:
        path = broken / "docs_given" / given
        text = path.read_text("utf-8")
        assert text.count(old) == 1, (given, old)
        path.write_text(text.replace(old, new), "utf-8")


def test_every_given_file_is_used_by_a_page_and_has_a_broken_twin():
    pages = " ".join(page.read_text("utf-8") for page in (ROOT / "docs").glob("*.md"))
    for path in (TESTS / "docs_given").glob("*.py"):
        used = f"<!-- given: {GIVEN}{path.name} -->" in pages
        assert used or path.name == "my_layers.py", path.name  # my_layers: layers_tests'
        broken = {where if where.endswith(".py") else given
                  for _, given, (where, _, _), _ in BROKEN.values()}
        assert path.name in broken or path.name == "layers_tests.py", path.name


@pytest.mark.parametrize("case", BROKEN, ids=str)
def test_a_given_block_fails_when_the_code_it_stands_for_is_broken(case, sandbox):  # noqa: F811
    page, given, (where, old, new), said = BROKEN[case]
    text = given_block(page, given)
    if where == "block":
        assert text.count(old) == 1, (page, old)
        text = text.replace(old, new)
        broken_copy(sandbox, given, "", "")
    else:
        broken_copy(sandbox, given if where == "given" else where, old, new)
    problems = run_page(text, f"{page} ({case})", sandbox)
    assert len(problems) == 1 and said in problems[0], problems


def test_the_same_block_with_nothing_broken_passes(sandbox):  # noqa: F811
    # the twin of the cases above, on the copy they break (the pages' own run is the other)
    broken_copy(sandbox, "command_dropout.py", "", "")
    assert run_page(given_block("command.md", "command_dropout.py"), "command.md", sandbox) \
        == []
