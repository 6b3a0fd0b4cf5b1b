"""Every page of the docs runs as written, and every relative link in it leads somewhere.

The pages: ``README.md``, ``CONTRIBUTING.md``, ``benchmarks/README.md`` and ``docs/*.md``.
The conventions (how a block is marked as raising or as not run) are in CONTRIBUTING.md,
"Docs whose examples run"; each checker here has a twin on a broken page.
"""

from __future__ import annotations

import contextlib
import doctest
import functools
import io
import os
import re
import shlex
import shutil
import sys
import textwrap
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from gradcheck.cli import build_parser, main

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
PAGES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", ROOT / "benchmarks" / "README.md",
         *sorted((ROOT / "docs").glob("*.md"))]
SHELLS = {"bash", "sh", "shell", "console"}
MARKER = re.compile(r"<!--\s*(raises|not run|given|run in):\s*(.*?)\s*-->")
# a page's own import path: ``<!-- sys.path: DIR DIR ... -->`` (folders of the repository)
PAGE_PATH = re.compile(r"^<!--\s*sys\.path:\s*(.*?)\s*-->$", re.M)  # a line of its own
ALONE = "(the file alone)"
OPEN = re.compile(r"^(\s*)```\s*([\w+-]*)\s*$")
CLOSE = re.compile(r"^\s*```\s*$")


def name(page: Path) -> str:
    return page.relative_to(ROOT).as_posix()


# ----------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class Block:
    """One fenced block of a page: its language, text and the marker just above it."""

    line: int
    lang: str
    text: str
    marker: tuple[str, str] | None


def blocks(text: str) -> list[Block]:
    lines = text.splitlines()
    found, i = [], 0
    while i < len(lines):
        opened = OPEN.match(lines[i])
        if not opened:
            i += 1
            continue
        end = i + 1
        while end < len(lines) and not CLOSE.match(lines[end]):
            end += 1
        marker = MARKER.fullmatch(lines[i - 1].strip()) if i else None
        body = textwrap.dedent("\n".join(lines[i + 1:end])) + "\n"
        found.append(Block(i + 1, opened.group(2).lower(), body,
                           marker.groups() if marker else None))
        i = end + 1
    return found


def without_code(text: str, inline: bool = True) -> str:
    """The page with its fenced blocks (and inline code) blanked: links there are examples."""
    kept, inside = [], False
    for line in text.splitlines():
        if OPEN.match(line) if not inside else CLOSE.match(line):
            inside = not inside
            kept.append("")
        else:
            kept.append("" if inside else re.sub(r"`[^`]*`", "", line) if inline else line)
    return "\n".join(kept)


@functools.cache
def _other_test_modules() -> tuple[tuple[str, str], ...]:
    """(name, source) of every other test module, read once: each page looks in all."""
    return tuple((module.name, module.read_text("utf-8"))
                 for module in sorted(TESTS.glob("test_*.py"))
                 if module.name != Path(__file__).name)


def run_elsewhere(page: Path) -> str | None:
    """The test module that runs this docs page itself, if one does (it names the page)."""
    if page.parent != ROOT / "docs":
        return None
    for module_name, source in _other_test_modules():
        named = f'"docs" / "{page.name}"' in source or f"docs/{page.name}" in source
        if named and any(run in source for run in ("testfile(", "get_doctest(", "exec(")):
            return module_name
    return None


# ----------------------------------------------------------------------------- running
def page_path(text: str, root: Path = ROOT) -> list[Path]:
    """The folders a page's ``<!-- sys.path: ... -->`` line puts on ``sys.path``."""
    return [root / folder for line in PAGE_PATH.findall(text) for folder in line.split()]


def own_modules(folders: list[Path]) -> list[str]:
    """Loaded modules that a page's folders define (``cs231n``, ``network2``): another
    test's module of the same name must not stand in for the page's."""
    tops = {p.stem if p.suffix == ".py" else p.name for folder in folders
            for p in folder.iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()}
    return [name for name in sys.modules if name.split(".")[0] in tops]


def prints(text: str, found: list[Block], index: int) -> str | None:
    """What the page says block ``index`` prints: the next block, a ``text`` block, when
    the line just above it is ``prints``."""
    shown = found[index + 1] if index + 1 < len(found) else None
    if shown is None or shown.lang != "text":
        return None
    above = text.splitlines()[: shown.line - 1]
    above = [line for line in above if line.strip()]
    return shown.text if above and above[-1].strip() == "prints" else None


def run_page(text: str, label: str, directory: Path, root: Path = ROOT) -> list[str]:
    """Run a page's Python examples; the list of what went wrong, empty when all ran."""
    problems = []
    namespace: dict = {"__name__": "__docs__"}
    found = blocks(text)
    folders = page_path(text, root)
    for name in own_modules(folders):
        del sys.modules[name]  # (put back after the test by isolated_imports)
    sys.path[:0] = [str(folder) for folder in folders]
    for index, block in enumerate(found):
        if block.lang not in {"python", "py", "pycon"} or ">>>" in block.text:
            continue
        where = f"{label}:{block.line}"
        kind, argument = block.marker or ("", "")
        if kind == "not run":
            if not argument:
                problems.append(f"{where}: `not run` without a reason")
            continue
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(out):
                if kind == "given":  # the reader's own names, stood in for by a file of tests/
                    given = directory / argument
                    namespace["__file__"] = str(given)
                    exec(compile(given.read_text("utf-8"), str(given), "exec"), namespace)  # noqa: S102
                exec(compile(block.text, where, "exec"), namespace)  # noqa: S102
                if kind == "given" and callable(after := namespace.pop("after_block", None)):
                    after()
        except BaseException as error:  # noqa: BLE001 - a page's example may raise anything
            names = {cls.__name__ for cls in type(error).__mro__}
            if kind != "raises" or argument not in names:
                problems.append(f"{where}: raised {type(error).__name__}: {error}")
                continue
            shown = found[index + 1] if index + 1 < len(found) else None
            if shown and shown.lang in {"", "text"} and shown.text.startswith(f"{argument}:"):
                expected = " ".join(shown.text.removeprefix(f"{argument}:").split())
                if expected != " ".join(str(error).split()):
                    problems.append(f"{where}: raised {argument} as expected, but the page "
                                    f"shows another message than\n{error}")
        else:
            if kind == "raises":
                problems.append(f"{where}: was marked to raise {argument} and did not")
            said = prints(text, found, index)
            if said is not None and out.getvalue() != said:
                problems.append(f"{where}: printed\n{out.getvalue()}which is not what the "
                                f"page shows:\n{said}")
    if ">>>" in text:
        parser = doctest.DocTestParser()
        test = parser.get_doctest(text, {"__name__": "__docs__"}, label, label, 0)
        flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
        runner = doctest.DocTestRunner(optionflags=flags)
        output: list[str] = []
        runner.run(test, out=output.append)
        if runner.failures:
            problems.append(f"{label}: {runner.failures} doctest example(s) failed\n"
                            + "".join(output))
    return problems



# ----------------------------------------------------------------------------- outputs
def shown_output(found: list[Block], index: int) -> list[str]:
    """The output a page shows for the command of shell block ``index``: the block's
    other lines, else the next block when it is a plain or ``text`` one."""
    rest = found[index].text.splitlines()[1:]
    if any(line.strip() for line in rest):
        return rest
    following = found[index + 1] if index + 1 < len(found) else None
    return following.text.splitlines() if following and following.lang in {"", "text"} \
        else []


def not_printed(shown: list[str], printed: list[str]) -> list[str]:
    """The shown lines missing from the printed ones, in order (from the first missing).

    Runs of spaces count as one; ``...`` in a line stands for any text, and a line of
    its own ``...`` for any lines.
    """
    lines = iter(" ".join(line.split()) for line in printed)
    for k, line in enumerate(shown):
        if not line.strip() or line.strip() == "...":
            continue
        pattern = re.compile(re.escape(" ".join(line.split())).replace(r"\.\.\.", ".*"))
        if not any(pattern.fullmatch(p) for p in lines):
            return [s for s in shown[k:] if s.strip() and s.strip() != "..."]
    return []


def command_blocks(text: str) -> list[int]:
    """The lines of a page's shell blocks marked ``<!-- run in: ... -->``."""
    return [b.line for b in blocks(text)
            if b.lang in SHELLS and b.marker and b.marker[0] == "run in"]


def run_commands(text: str, label: str, directory: Path, root: Path = ROOT,
                 only: int | None = None) -> list[str]:
    """Run the ``$ gradcheck ...`` block marked ``<!-- run in: FOLDER[; exit N] -->``, in
    process from that folder of the repository (``FOLDER (the file alone)``: the file
    copied into an empty folder); the list of what it printed otherwise than shown.
    ``only``: the block at that line alone."""
    from gradcheck.cli import main as command  # (the one tests/conftest.py isolates)

    problems = []
    found = blocks(text)
    for index, block in enumerate(found):
        kind, argument = block.marker or ("", "")
        if block.lang not in SHELLS or kind != "run in" or only not in (None, block.line):
            continue
        where = f"{label}:{block.line}"
        line = block.text.splitlines()[0].strip().removeprefix("$ ")
        args = shlex.split(line, comments=True)[1:]
        place, _, code = argument.partition(";")
        folder = root / place.removesuffix(ALONE).strip()
        if place.endswith(ALONE):
            shutil.copy(folder / args[0], directory / Path(args[0]).name)
            folder = directory
        modules, path, cwd = dict(sys.modules), list(sys.path), Path.cwd()
        out, err = io.StringIO(), io.StringIO()
        try:
            os.chdir(folder)
            np.random.seed(0)
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                try:
                    exited = command(args)
                except SystemExit as stop:
                    exited = stop.code
        finally:
            os.chdir(cwd)
            sys.path[:] = path
            for name in set(sys.modules) - set(modules):  # the target's own modules
                origin = getattr(sys.modules[name], "__file__", None) or ""
                if origin and Path(origin).resolve().is_relative_to(folder.resolve()):
                    del sys.modules[name]
        printed = (out.getvalue() + err.getvalue()).splitlines()
        missing = not_printed(shown_output(found, index), printed)
        if missing:
            problems.append(f"{where}: `{line}` did not print\n" + "\n".join(missing)
                            + "\nIt printed:\n" + "\n".join(printed))
        if code.strip() and exited != int(code.split()[-1]):
            problems.append(f"{where}: `{line}` exited {exited}, the page says {code.strip()}")
        if not shown_output(found, index):
            problems.append(f"{where}: `run in` over a command whose output the page does "
                            "not show")
    return problems


@pytest.fixture
def sandbox(tmp_path, monkeypatch, isolated_imports):
    """A page runs in an empty directory as from the repository root (``tests/`` is there
    and importable), and leaves no trace: numpy's random state is restored, and
    ``sys.path`` and the modules it imported by ``isolated_imports`` (tests/conftest.py)."""
    (tmp_path / "tests").symlink_to(TESTS, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(TESTS))
    state = np.random.get_state()
    yield tmp_path
    np.random.set_state(state)


RUNNABLE = [page for page in PAGES if run_elsewhere(page) is None]


@pytest.mark.parametrize("page", RUNNABLE, ids=name)
def test_the_python_examples_of_the_page_run_as_written(page, sandbox):
    problems = run_page(page.read_text("utf-8"), name(page), sandbox)
    assert not problems, "\n\n".join(problems)


COMMANDS = [(page, line) for page in PAGES for line in command_blocks(page.read_text("utf-8"))]


@pytest.mark.parametrize(("page", "line"), COMMANDS,
                         ids=[f"{name(page)}:{line}" for page, line in COMMANDS])
def test_each_command_marked_run_prints_what_the_page_shows(page, line, sandbox):
    problems = run_commands(page.read_text("utf-8"), name(page), sandbox, only=line)
    assert not problems, "\n\n".join(problems)


def test_pages_with_a_test_module_of_their_own_are_run_there():
    # public-api.md is doctested by test_public_boundary.py since the public-boundary work
    assert run_elsewhere(ROOT / "docs" / "public-api.md") == "test_public_boundary.py"
    assert run_elsewhere(ROOT / "docs" / "layers.md") is None
    # the runners of these pages were folded into this one
    for page in ("conventions.md", "engines.md", "functions.md", "networks.md"):
        assert ROOT / "docs" / page in RUNNABLE, page
    assert {name(page) for page, _ in COMMANDS} == {
        "docs/conventions-losses.md", "docs/engines.md", "docs/functions.md",
        "docs/networks.md"}
    assert len(COMMANDS) == 20  # (2, 1, 7 and 10 commands: none lost)
    assert run_elsewhere(ROOT / "docs" / "README.md") is None  # not the top-level README
    assert run_elsewhere(ROOT / "docs" / "ci.md") is None  # its YAML is read elsewhere, no more
    assert ROOT / "README.md" in RUNNABLE


BROKEN_PAGE = '''# A page

<!-- raises: GradientError -->
```python
import numpy as np
from gradcheck import check_layer

class Double:
    def forward(self, inputs):
        self.output = 2 * inputs
    def backward(self, dvalues):
        self.dinputs = 2 * dvalues
check_layer(Double(), np.ones((2, 2)))
```

<!-- raises: ValueError -->
```python
int("seven")
```

```
ValueError: invalid literal for int() with base 10: 'eight'
```

```python
x = undefined_name + 1
```

<!-- not run: -->
```python
raise SystemExit
```

```python
>>> 1 + 1
3

```
'''


def test_a_page_whose_examples_are_broken_fails_on_each_of_them(sandbox):
    problems = run_page(BROKEN_PAGE, "broken.md", sandbox)
    assert len(problems) == 5, problems
    assert "marked to raise GradientError and did not" in problems[0]
    assert "shows another message" in problems[1]
    assert "NameError" in problems[2]
    assert "without a reason" in problems[3]
    assert "doctest example(s) failed" in problems[4]


def test_a_page_whose_examples_are_right_passes(sandbox):
    fixed = (BROKEN_PAGE.replace("2 * dvalues", "dvalues")
             .replace("undefined_name + 1", "1")
             .replace("'eight'", "'seven'")
             .replace("<!-- not run: -->", "<!-- not run: it would stop the run -->")
             .replace("\n3\n", "\n2\n"))
    assert run_page(fixed, "fixed.md", sandbox) == []



def test_an_example_whose_own_assert_fails_is_a_problem_and_passes_once_right(sandbox):
    # (the check test_docs_conventions.py made before it was folded in here: the
    # conventions page's examples carry their own asserts)
    problems = run_page("```python\nassert 1 + 1 == 3, 'arithmetic'\n```\n", "p.md", sandbox)
    assert len(problems) == 1 and "raised AssertionError: arithmetic" in problems[0]
    assert run_page("```python\nassert 1 + 1 == 2\n```\n", "p.md", sandbox) == []


@pytest.mark.parametrize(("page", "least"), [("engines.md", 4), ("conventions.md", 3),
                                             ("functions.md", 6), ("networks.md", 36)])
def test_the_folded_pages_have_the_examples_they_had(page, least):
    # what the runners folded into this one asserted: engines.md's doctest attempted at
    # least 4 examples, conventions.md ran 3 python blocks and functions.md 6; networks.md's
    # doctest has 36 examples
    text = (ROOT / "docs" / page).read_text("utf-8")
    examples = doctest.DocTestParser().get_examples(text)
    code = [b for b in blocks(text) if b.lang == "python" and ">>>" not in b.text
            and b.marker is None]
    assert len(examples) + len(code) >= least



DOUBLE = """
class Double:
    def forward(self, inputs):
        self.output = 2 * inputs
    def backward(self, dvalues):
        self.dinputs = dvalues  # the factor 2 is missing
"""
COMMAND_PAGE = """# Commands

<!-- run in: work; exit 1 -->
```console
$ gradcheck double.py --examples 2
Double  layer  failed  ...
...
0 passed, 1 failed, 0 error, 0 skipped
```

<!-- run in: work (the file alone) -->
```console
$ gradcheck double.py --examples 2
```

```text
0 passed, 1 failed, 0 error, 0 skipped
```
"""


def test_a_command_whose_output_or_exit_the_page_misstates_fails(sandbox, tmp_path):
    root = tmp_path / "repository"
    (root / "work").mkdir(parents=True)
    (root / "work" / "double.py").write_text(DOUBLE)
    assert run_commands(COMMAND_PAGE, "p.md", sandbox, root) == []
    wrong = COMMAND_PAGE.replace("Double  layer  failed", "Double  layer  passed")
    (problem,) = run_commands(wrong, "p.md", sandbox, root)
    assert "did not print\nDouble  layer  passed  ..." in problem
    wrong = COMMAND_PAGE.replace("exit 1", "exit 0")
    (problem,) = run_commands(wrong, "p.md", sandbox, root)
    assert "exited 1, the page says exit 0" in problem
    wrong = COMMAND_PAGE.replace("```text\n0 passed", "```text\n1 passed")
    (problem,) = run_commands(wrong, "p.md", sandbox, root)
    assert "p.md:12: `gradcheck double.py --examples 2` did not print" in problem
    unshown = COMMAND_PAGE[:COMMAND_PAGE.index("```text")]
    assert "output the page does not show" in run_commands(unshown, "p.md", sandbox, root)[0]


def test_shown_lines_must_be_printed_in_order_with_dots_for_any_text():
    printed = ["class  kind   status", "Double  layer  failed  1.0e+00 / 1e-08  x", "",
               "0 passed, 1 failed, 0 error, 0 skipped"]
    assert not_printed(["Double layer failed ...", "...", "0 passed, 1 failed, ..."],
                       printed) == []
    # out of order, or a line that is not a full printed line without its dots: missing
    assert not_printed(["0 passed, 1 failed, ...", "Double layer failed ..."], printed) == [
        "Double layer failed ..."]
    assert not_printed(["Double layer failed"], printed) == ["Double layer failed"]


def test_the_output_shown_is_the_blocks_own_else_the_next_text_block():
    found = blocks("```console\n$ gradcheck a.py\nA  layer  failed\n```\n\n"
                   "```console\n$ gradcheck b.py\n```\n\nThe table:\n\n```text\nB\n```\n\n"
                   "```console\n$ gradcheck c.py\n```\n\n```python\nx = 1\n```\n")
    assert [shown_output(found, k) for k in (0, 1, 3)] == [["A  layer  failed"], ["B"], []]


def test_what_a_block_prints_and_the_page_path_are_checked(sandbox, tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "json.py").write_text("NAME = 'the page folder json'\n")
    page = ("<!-- sys.path: lib -->\n\n```python\nimport json\nprint(json.NAME)\n```\n\n"
            "prints\n\n```text\nthe page folder json\n```\n")
    assert run_page(page, "p.md", sandbox, tmp_path) == []  # not the standard library's
    (problem,) = run_page(page.replace("folder json\n```", "folder JSON\n```"), "p.md",
                          sandbox, tmp_path)
    assert "printed\nthe page folder json\nwhich is not what the page shows" in problem


# ----------------------------------------------------------------------------- commands
def command_lines(text: str) -> list[tuple[int, list[str]]]:
    """Every ``gradcheck ...`` line of the page's shell blocks, as its arguments."""
    found = []
    for block in blocks(text):
        if block.lang not in SHELLS:
            continue
        for offset, line in enumerate(block.text.splitlines(), start=1):
            line = line.strip().removeprefix("$ ")
            if line == "gradcheck" or line.startswith("gradcheck "):
                found.append((block.line + offset, shlex.split(line, comments=True)[1:]))
    return found


def unparsable(text: str, label: str) -> list[str]:
    problems = []
    for line, arguments in command_lines(text):
        try:
            build_parser().parse_args(arguments)
        except SystemExit:
            problems.append(f"{label}:{line}: gradcheck {shlex.join(arguments)}")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_gradcheck_command_of_the_page_has_options_the_command_takes(page, capsys):
    assert unparsable(page.read_text("utf-8"), name(page)) == []


def test_a_command_with_an_option_the_command_does_not_have_is_found(capsys):
    page = "```bash\ngradcheck my_layers.py --examples 5   # fine\n```\n\n" \
           "```console\n$ gradcheck my_layers.py --plot-steps plots/\n```\n"
    assert [line for line, _ in command_lines(page)] == [2, 6]
    assert unparsable(page, "p.md") == ["p.md:6: gradcheck my_layers.py --plot-steps plots/"]


def test_the_quickstart_command_checks_the_embedded_nnfs_core_as_the_readme_says(
        monkeypatch, capsys, isolated_imports):
    readme = (ROOT / "README.md").read_text("utf-8")
    quickstart = readme[readme.index("## Quickstart"):readme.index("## Check your own layers")]
    (claim,) = re.findall(r"ends with `([^`]+)`", quickstart)
    monkeypatch.chdir(ROOT)
    assert main([]) == 0
    assert claim in capsys.readouterr().out


# ----------------------------------------------------------------------------- links
def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to '-'."""
    text = re.sub(r"<[^>]+>", "", heading.strip().lower())
    text = "".join(c for c in text
                   if c in " -_" or unicodedata.category(c)[0] in "LNM")
    return text.replace(" ", "-")


def anchors(text: str) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6}\s+(.*?)\s*#*$", without_code(text, inline=False), re.M):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


LINK = re.compile(r'!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')


# Pages written on branches not merged yet when a page links them: a link to one of these
# may point nowhere until it lands; once the file exists it is checked like any other.
# Empty: every page the README links has landed.
PENDING: set[str] = set()


def broken_links(page: Path, root: Path = ROOT, pending: frozenset[str] = frozenset()) -> list[str]:
    text = page.read_text("utf-8")
    label = page.relative_to(root).as_posix()
    problems = []
    for target in LINK.findall(without_code(text)):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            if resolved.is_relative_to(root) and \
                    resolved.relative_to(root).as_posix() in pending:
                continue
            problems.append(f"{label}: {target}: no such file")
        elif anchor and resolved.suffix == ".md" and resolved.is_file() \
                and anchor not in anchors(resolved.read_text("utf-8")):
            problems.append(f"{label}: {target}: no heading #{anchor} there")
    return problems


@pytest.mark.parametrize("page", PAGES, ids=name)
def test_every_relative_link_of_the_page_leads_to_a_file_and_heading(page):
    problems = broken_links(page, pending=frozenset(PENDING))
    assert not problems, "\n".join(problems)


def test_a_broken_link_or_anchor_is_found(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "there.md").write_text("# There\n\n## The `--plot` option\n")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "# Page\n\n"
        "[ok](there.md#the---plot-option), [here](#page), ![img](there.md), "
        "[web](https://example.com/x.md), `[code](nowhere.md)`\n\n"
        "[gone](missing.md), [bad anchor](there.md#no-such-heading)\n"
        "```\n[in a block](nowhere.md)\n```\n")
    problems = [p.split(": ", 1)[1] for p in broken_links(page, tmp_path)]
    assert problems == ["missing.md: no such file",
                        "there.md#no-such-heading: no heading #no-such-heading there"]
    # a page still on its branch may be missing; a wrong anchor into a landed one may not
    assert broken_links(page, tmp_path, frozenset({"docs/missing.md"})) == [
        "docs/page.md: there.md#no-such-heading: no heading #no-such-heading there"]


def test_headings_get_githubs_anchors():
    assert slug("`--plot`: where a gradient is wrong") == "--plot-where-a-gradient-is-wrong"
    assert slug("What it flags, and what it does not") == "what-it-flags-and-what-it-does-not"
    assert slug("Configuration: `[tool.gradcheck]`") == "configuration-toolgradcheck"
    assert slug("Check `check_layer`'s options") == "check-check_layers-options"
    assert anchors("# A\n## A\n```\n# not a heading\n```\n") == {"a", "a-1"}


# ----------------------------------------------------------------------------- command.md
def undocumented_options(text: str) -> list[str]:
    """The command's options a page never names."""
    options = [option for action in build_parser()._actions for option in action.option_strings
               if option not in {"-h", "--help"}]
    return [option for option in options if f"`{option}" not in text]


def test_every_option_of_the_command_is_documented_in_command_md():
    assert undocumented_options((ROOT / "docs" / "command.md").read_text("utf-8")) == []


def test_an_option_the_page_never_names_is_found():
    assert "--run-module" in undocumented_options("`--examples N`, `--seed N`")


def test_command_md_shows_what_the_command_prints_on_the_readme_example(
        tmp_path, monkeypatch, capsys, isolated_imports):
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme[readme.index("## Check your own layers"):]
    (tmp_path / "my_layers.py").write_text(re.search(r"```python\n(.*?)```", section, re.S)[1])
    page = (ROOT / "docs" / "command.md").read_text("utf-8")
    (shown,) = [b for b in blocks(page) if b.text.startswith("$ gradcheck my_layers.py\n")]
    monkeypatch.chdir(tmp_path)
    assert main(["my_layers.py", "-q"]) == 1
    printed = [line.rstrip() for line in capsys.readouterr().out.splitlines()]
    assert [line for line in shown.text.splitlines()[1:] if line not in printed] == []
    assert "0 passed, 1 failed, 0 error, 0 skipped" in printed
    assert "`0 passed, 1 failed, 0 error, 0 skipped`" in page
