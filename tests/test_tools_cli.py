"""The command in CI: output formats, the versioned JSON and its schema, [tool.gradcheck],
pre-commit.

Everything runs in-process on small targets without ``nnfs.init()``; the one run of the
embedded ``nnfs_core`` is a subprocess with one example per check.
"""

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

from gradcheck.cli import build_parser, main
from gradcheck.cli.formats import SCHEMA_VERSION, schema

ROOT = Path(__file__).parent.parent
TARGETS = Path(__file__).parent / "cli_targets"
MIXED = TARGETS / "mixed.py"
FAST = ["--examples", "3", "-q"]

GOOD = textwrap.dedent(
    """
    import numpy as np

    class Activation_Tanh:
        def forward(self, inputs):
            self.output = np.tanh(inputs)

        def backward(self, dvalues):
            self.dinputs = dvalues * (1 - self.output ** 2)
    """
)
BAD = textwrap.dedent(
    """
    class Activation_Doubled:
        def forward(self, inputs):
            self.output = 2 * inputs

        def backward(self, dvalues):
            self.dinputs = dvalues.copy()
    """
)


pytestmark = pytest.mark.usefixtures("isolated_imports")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project directory, the working directory of the test."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'mine'\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def class_line(path, name):
    lines = Path(path).read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.startswith(f"class {name}"))


def run_json(capsys, *args):
    code = main([*args, "--output-format", "json", *FAST])
    out = capsys.readouterr()
    return code, json.loads(out.out), out.err


# ----------------------------------------------------------------------------- json
def test_the_json_document_is_versioned_valid_and_locates_each_class(capsys):
    code, document, err = run_json(capsys, str(MIXED))
    assert code == 1 and document["version"] == SCHEMA_VERSION
    jsonschema.validate(document, schema())
    results = {r["name"]: r for r in document["results"]}
    doubled = results["Activation_Doubled"]
    assert doubled["file"].endswith("tests/cli_targets/mixed.py")
    assert doubled["line"] == class_line(MIXED, "Activation_Doubled")
    assert results["Layer_Linear"]["line"] == class_line(MIXED, "Layer_Linear")
    assert "Activation_Doubled" in err  # the table went to stderr


def test_a_usage_error_document_is_valid_too(capsys):
    code, document, _ = run_json(capsys, "nowhere.py")
    assert code == 2 and document["error"].startswith("no such file")
    jsonschema.validate(document, schema())


@pytest.mark.parametrize("broken", [
    lambda d: d.pop("version"),
    lambda d: d.update(version=99),
    lambda d: d["results"][0].update(status="fine"),
    lambda d: d["results"][0].pop("line"),
])
def test_the_schema_rejects_a_document_that_breaks_the_contract(capsys, broken):
    _, document, _ = run_json(capsys, str(MIXED))
    broken(document)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema())


def test_the_schema_ships_with_the_package():
    assert (ROOT / "gradcheck" / "report.schema.json").is_file()
    assert "report.schema.json" in (ROOT / "pyproject.toml").read_text()
    jsonschema.Draft202012Validator.check_schema(schema())


# ----------------------------------------------------------------------------- github, junit
def test_github_annotations_point_at_the_failing_class(capsys):
    assert main([str(MIXED), "--output-format", "github", *FAST]) == 1
    out = capsys.readouterr().out
    line = class_line(MIXED, "Activation_Doubled")
    errors = [x for x in out.splitlines() if x.startswith("::error ")]
    assert len(errors) == 1
    assert errors[0].startswith("::error file=")
    assert f"mixed.py,line={line},title=gradcheck%3A Activation_Doubled failed::" in errors[0]
    assert "dinputs" in errors[0] and "\n" not in errors[0]
    assert "::notice" in out and "Layer_Mystery" in out  # skipped: a notice
    assert "Activation_Tanh" not in "".join(x for x in out.splitlines() if x.startswith("::"))
    assert "class" in out.splitlines()[0]  # the table comes first, on stdout


def test_junit_has_one_case_per_class_with_failures_and_skips(capsys, tmp_path):
    path = tmp_path / "gradcheck.xml"
    assert main([str(MIXED), "--junit", str(path), *FAST]) == 1
    suite = ET.parse(path).getroot().find("testsuite")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert suite.get("tests") == str(len(cases)) and suite.get("failures") == "1"
    assert cases["Activation_Doubled"].find("failure") is not None
    assert cases["Activation_Doubled"].get("line") == str(class_line(MIXED, "Activation_Doubled"))
    assert cases["Layer_Mystery"].find("skipped") is not None
    assert cases["Activation_Tanh"].find("failure") is None
    capsys.readouterr()
    assert main([str(MIXED), "--output-format", "junit", *FAST]) == 1
    assert ET.fromstring(capsys.readouterr().out).find("testsuite").get("failures") == "1"


# ----------------------------------------------------------------------------- config
def test_a_bare_gradcheck_checks_the_configured_targets(project, capsys):
    (project / "layers.py").write_text(BAD)
    (project / "pyproject.toml").write_text("[tool.gradcheck]\ntargets = ['layers.py']\n")
    assert main(["--examples", "2", "-q"]) == 1
    out = capsys.readouterr()
    assert "Activation_Doubled" in out.out and "nnfs_core" not in out.err


def test_configured_examples_seed_strict_and_exclude_apply(project, capsys):
    (project / "layers.py").write_text(GOOD + BAD)
    (project / "pyproject.toml").write_text(
        "[tool.gradcheck]\ntargets = ['layers.py']\nexamples = 2\nseed = 4\nstrict = true\n"
        "exclude = ['*Doubled']\n"
    )
    code = main(["--output-format", "json", "-q"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0 and (document["examples"], document["seed"]) == (2, 4)
    assert [r["name"] for r in document["results"]] == ["Activation_Tanh"]
    assert main(["--output-format", "json", "-q", "--seed", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["seed"] == 1  # the option wins


FUNCTIONS = textwrap.dedent(
    """
    import numpy as np

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def sigmoid_prime(z):
        return 2 * sigmoid(z) * (1 - sigmoid(z))  # twice the derivative

    def relu_forward(x):
        return np.maximum(0, x), x

    def relu_backward(dout, cache):
        return dout * (cache > 0)
    """
)


def test_exclude_leaves_out_function_and_derivative_rows_too(project, capsys):
    (project / "funcs.py").write_text(FUNCTIONS)
    assert main(["funcs.py", *FAST]) == 1  # the twin: not excluded, the derivative fails
    assert "sigmoid_prime" in capsys.readouterr().out
    (project / "pyproject.toml").write_text("[tool.gradcheck]\nexclude = ['sigmoid*']\n")
    assert main(["funcs.py", "--output-format", "json", "-q"]) == 0
    assert [r["name"] for r in json.loads(capsys.readouterr().out)["results"]] == [
        "relu_forward"]


def test_a_target_whose_every_name_is_excluded_says_so(project, capsys):
    (project / "funcs.py").write_text(FUNCTIONS + GOOD)
    (project / "pyproject.toml").write_text(
        "[tool.gradcheck]\nexclude = ['sigmoid*', 'relu*', 'Activation_*']\n")
    assert main(["funcs.py", *FAST]) == 2
    err = capsys.readouterr().err
    assert "nothing left to check in funcs.py: `exclude` in [tool.gradcheck]" in err
    assert "Activation_Tanh" in err and "sigmoid_prime" in err and "defines no" not in err


def test_unknown_keys_are_warned_about_and_bad_values_are_usage_errors(project, capsys):
    (project / "layers.py").write_text(GOOD)
    (project / "pyproject.toml").write_text("[tool.gradcheck]\nexmaples = 5\n")
    assert main(["layers.py", *FAST]) == 0
    assert "unknown key(s) 'exmaples' ignored" in capsys.readouterr().err
    (project / "pyproject.toml").write_text("[tool.gradcheck]\nexamples = 0\n")
    assert main(["layers.py", "-q"]) == 2
    assert "examples = 0; expected an integer >= 1" in capsys.readouterr().err


def test_a_bare_gradcheck_without_configuration_says_it_checks_nnfs_core(tmp_path,
                                                                         gradcheck_cli):
    run = gradcheck_cli("--examples", "1", "-q", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "checking the embedded nnfs_core" in run.stderr and "not your code" in run.stderr


# ----------------------------------------------------------------------------- pre-commit
def hook():
    (entry,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    return entry


def test_the_pre_commit_hook_gets_the_changed_files():
    entry = hook()
    assert entry["pass_filenames"] is True and entry["types"] == ["python"]
    program, *options = entry["entry"].split()
    assert program == "gradcheck"
    args = build_parser().parse_args([*options, "a.py", "b.py"])
    assert args.targets == ["a.py", "b.py"] and args.allow_empty


def test_the_hook_fails_on_a_buggy_file_among_files_without_layers(project, capsys):
    (project / "layers.py").write_text(BAD)
    (project / "notes.py").write_text("VALUE = 1\n")
    _, *options = hook()["entry"].split()
    assert main([*options, "notes.py", "layers.py", "--examples", "2"]) == 1
    assert main([*options, "notes.py", "--examples", "2"]) == 0
    assert "nothing to check" in capsys.readouterr().err
    assert main(["notes.py", "--examples", "2", "-q"]) == 2  # without the hook's option


# ----------------------------------------------------------------------------- docs recipe
def readme_workflow():
    text = (ROOT / "docs" / "ci.md").read_text()  # the README's recipe until issue 28
    section = text[text.index("## GitHub Actions"):]
    start = section.index("```yaml\n") + len("```yaml\n")
    block = section[start:section.index("```", start)]
    return yaml.safe_load(block)


def test_the_readme_github_actions_recipe_installs_the_tool_runs_it_and_keeps_the_reports():
    workflow = readme_workflow()
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"push", "pull_request"}
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    uses = [s.get("uses", "").split("@")[0] for s in steps]
    assert uses[:2] == ["actions/checkout", "actions/setup-python"]
    runs = [s["run"] for s in steps if "run" in s]
    installs = [r for r in runs if r.startswith("pip install")]
    assert installs == ["pip install nnfs-gradcheck"]  # the tool, not `pip install -e .`
    (command,) = [r for r in runs if r.startswith("gradcheck ")]
    args = build_parser().parse_args(command.split()[1:])
    assert args.targets and args.output_format == "github"
    upload = steps[uses.index("actions/upload-artifact")]
    assert upload["if"] == "always()"  # the report is kept when the check fails
    assert set(upload["with"]["path"].split()) == {args.json_path, args.junit_path}


def test_a_recipe_without_checkout_would_be_caught():
    workflow = readme_workflow()
    (job,) = workflow["jobs"].values()
    job["steps"] = [s for s in job["steps"] if "checkout" not in s.get("uses", "")]
    uses = [s.get("uses", "").split("@")[0] for s in job["steps"]]
    assert uses[:2] != ["actions/checkout", "actions/setup-python"]


def test_the_schema_docstring_example_runs():
    import doctest

    from gradcheck.cli import formats

    assert doctest.testmod(formats).failed == 0


def test_two_documents_on_stdout_are_a_usage_error(capsys):
    assert main([str(MIXED), "--json", "-", "--output-format", "github", "-q"]) == 2
    assert "both write to stdout" in capsys.readouterr().err
