"""Machine-readable outputs of the ``gradcheck`` command, all rendered from one JSON document.

- ``json``: the document itself, versioned (``"version"``) and described by the JSON
  Schema shipped as ``gradcheck/report.schema.json`` (:func:`schema`).
- ``github``: GitHub Actions workflow commands, one annotation per class that did not
  pass, at the class's file and line (shown on the pull request's diff).
- ``junit``: JUnit XML, one test case per class (GitLab, Jenkins, Azure and most CI
  systems render it; GitHub through a test-report action).
"""

from __future__ import annotations

import inspect
import json
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["FORMATS", "SCHEMA_VERSION", "github", "junit", "location", "render", "schema"]

# Version of the JSON document's layout: bumped when a field changes meaning or goes away
# (new fields do not bump it).
SCHEMA_VERSION = 1
FORMATS = ("text", "json", "github", "junit")


def schema() -> dict[str, Any]:
    """Return the JSON Schema of the ``--json`` / ``--output-format json`` document.

    Returns
    -------
    dict
        A JSON Schema (draft 2020-12), shipped with the package.

    Examples
    --------
    >>> schema()["properties"]["version"]["const"]
    1
    """
    text = resources.files("gradcheck").joinpath("report.schema.json").read_text("utf-8")
    return json.loads(text)


def location(cls: type) -> tuple[str | None, int | None]:
    """The file (relative to the working directory when inside it) and line of a class."""
    try:
        file = inspect.getsourcefile(cls)
        line = inspect.getsourcelines(cls)[1]
    except (OSError, TypeError):
        return None, None
    if file is None:
        return None, None
    path = Path(file).resolve()
    try:
        shown = path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        shown = path.as_posix()
    return shown, line


# ----------------------------------------------------------------------------- github
_LEVEL = {"failed": "error", "error": "error", "unfinished": "error", "skipped": "notice"}


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(document: dict[str, Any]) -> str:
    """GitHub Actions annotations: one per class that did not pass.

    Parameters
    ----------
    document : dict
        The JSON document.

    Returns
    -------
    str
        ``::error file=F,line=L,title=T::message`` lines (``warning`` for an inconclusive
        class, ``notice`` for a skipped one), then the summary as a ``notice``.
    """
    lines = []
    for result in document.get("results", []):
        level = "warning" if result.get("inconclusive") else _LEVEL.get(result["status"])
        if level is None:
            continue
        where = []
        if result.get("file"):
            where.append(f"file={_escape_property(result['file'])}")
            if result.get("line"):
                where.append(f"line={result['line']}")
        title = f"gradcheck: {result['name']} {result['status']}"
        if result.get("inconclusive"):
            title = f"gradcheck: {result['name']} inconclusive"
        where.append(f"title={_escape_property(title)}")
        lines.append(f"::{level} {','.join(where)}::{_escape_data(result['message'])}")
    if "error" in document:
        lines.append(f"::error title=gradcheck usage error::{_escape_data(document['error'])}")
    summary = document.get("summary")
    if summary:
        text = ", ".join(f"{n} {status}" for status, n in summary.items() if n)
        lines.append(f"::notice title=gradcheck::{_escape_data(text or 'nothing checked')}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- junit
def junit(document: dict[str, Any]) -> str:
    """JUnit XML: one ``testcase`` per class, failures and errors with the checker's message.

    Parameters
    ----------
    document : dict
        The JSON document.

    Returns
    -------
    str
        An XML document with one ``testsuite`` named ``gradcheck``.
    """
    results = document.get("results", [])
    count = {s: sum(1 for r in results if r["status"] == s) for s in
             ("failed", "error", "skipped", "unfinished")}
    suites = ET.Element("testsuites")
    suite = ET.SubElement(suites, "testsuite", {
        "name": "gradcheck",
        "tests": str(len(results)),
        "failures": str(count["failed"] + count["unfinished"]),
        "errors": str(count["error"] + (1 if "error" in document else 0)),
        "skipped": str(count["skipped"]),
        "time": f"{document.get('seconds') or 0:.3f}",
    })
    if "error" in document:  # a usage error: nothing was checked, and CI must see why
        case = ET.SubElement(suite, "testcase", {"classname": "gradcheck", "name": "usage"})
        ET.SubElement(case, "error", {"message": document["error"]}).text = document["error"]
    for result in results:
        attributes = {"classname": result.get("module") or "gradcheck", "name": result["name"],
                      "time": f"{result.get('seconds') or 0:.3f}"}
        if result.get("file"):
            attributes["file"] = result["file"]
            if result.get("line"):
                attributes["line"] = str(result["line"])
        case = ET.SubElement(suite, "testcase", attributes)
        details = "\n".join(
            f"[{c['variant']}] {c['status']}: {c['message']}" for c in result.get("checks", [])
        ) or result["message"]
        if result["status"] in ("failed", "unfinished"):
            ET.SubElement(case, "failure", {"message": result["message"]}).text = details
        elif result["status"] == "error":
            ET.SubElement(case, "error", {"message": result["message"]}).text = details
        elif result["status"] == "skipped":
            ET.SubElement(case, "skipped", {"message": result["message"]})
    ET.indent(suites)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def render(document: dict[str, Any], output_format: str) -> str:
    """The document in ``output_format`` (``json``, ``github`` or ``junit``)."""
    if output_format == "json":
        return json.dumps(document, indent=2, allow_nan=False) + "\n"
    if output_format == "github":
        return github(document)
    if output_format == "junit":
        return junit(document)
    raise ValueError(f"output_format={output_format!r}; expected one of {FORMATS[1:]}")

