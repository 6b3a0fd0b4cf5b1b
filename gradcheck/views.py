"""How results look: in a terminal, in a REPL and in a notebook.

* a report's short ``repr`` and its HTML table (Jupyter), installed on
  :class:`gradcheck.report.Report` when this module is imported (:func:`present_reports`);
* the text of class results, shared by the ``gradcheck`` command, the pytest plugin and
  ``check_all``: the table (:func:`render_table`), the summary line
  (:func:`summary_line`), why a target had nothing to check (:func:`nothing_to_check`),
  the classes left unchecked and what loading a target did not run;
* the HTML table of class results (:func:`results_html`).

Rendered from the objects' data through ``getattr`` with defaults (reports, class results,
targets are duck-typed here), so that fields added to :class:`gradcheck.report.Report`
later need no change here. Below the table of a failing report, the heatmaps of its
failing gradients (:mod:`gradcheck.heatmaps`, the drawing of ``--plot``) as an embedded
PNG when matplotlib is installed, else one line saying how to get them. It imports
:mod:`gradcheck.report` (below it: a report never imports its presentation) and, only when
there is a picture to draw, :mod:`gradcheck.heatmaps`.
"""

from __future__ import annotations

import base64
import html
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from gradcheck.report import (
    ERROR,
    FAILED,
    INCONCLUSIVE,
    PASSED,
    SKIPPED,
    UNFINISHED,
    GradientError,
    Report,
    apart,
    present_reports,
)

_R = TypeVar("_R", bound=Report)  # the kind of report a check gives back

__all__ = [
    "FUNCTION_KINDS",
    "NOTHING_VERIFIED",
    "NO_PICTURE",
    "PROTOCOL_CELL",
    "everything_excluded",
    "nothing_in_targets",
    "nothing_to_check",
    "render_ignored",
    "render_loading",
    "render_output",
    "render_table",
    "render_totals",
    "units",
    "render_unchecked",
    "report_html",
    "report_repr",
    "results_html",
    "status_counts",
    "summary_line",
    "with_output",
]

# Results that are functions (CS231n pairs, functions returning gradients, derivative
# pairs), counted apart from classes in the totals line.
FUNCTION_KINDS = frozenset({"function", "derivative"})
# Worst first: failing gradients lead the table.
_ORDER = {"failed": 0, "missing": 0, "error": 0, "unfinished": 1, "inconclusive": 1,
          "passed": 2, "skipped": 3}
# Shown instead of the picture when matplotlib is missing.
NO_PICTURE = ("pip install matplotlib (or 'nnfs-gradcheck[plot]') to see the failing "
              "gradients here as heatmaps: analytic, numeric and their difference.")
_COLOR = {"passed": "#1a7f37", "failed": "#cf222e", "missing": "#cf222e", "error": "#cf222e",
          "inconclusive": "#8250df", "skipped": "#9a6700", "unfinished": "#0969da"}


def _number(value: Any) -> str:
    if not isinstance(value, int | float) or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.3g}"


def _apart(error: Any, tolerance: Any) -> tuple[str, str]:
    """Error and tolerance with enough significant digits (from 3) to tell them apart."""
    if isinstance(error, int | float) and isinstance(tolerance, int | float):
        return apart(float(error), float(tolerance), digits=3, style="g")
    return _number(error), _number(tolerance)


def _index(value: Any) -> str:
    return "-" if value is None else "(" + ", ".join(map(str, value)) + ")"


def _gradients(report: Any) -> list[Any]:
    found = list(getattr(report, "gradients", None) or [])
    return sorted(found, key=lambda g: _ORDER.get(getattr(g, "status", ""), 3))


def report_repr(report: Any) -> str:
    """One line: class, kind, status, the worst finding, counts.

    Parameters
    ----------
    report : Report
        A check's report.

    Returns
    -------
    str
        E.g. ``<Report Layer_Dense (layer): failed; dweights at (0, 1): error 0.12 >
        tolerance 3.4e-09; 3 gradients>``.
    """
    name = getattr(report, "name", "?")
    head = f"<Report {name} ({getattr(report, 'kind', '?')}): {getattr(report, 'status', '?')}"
    problems = list(getattr(report, "problems", None) or [])
    gradients = _gradients(report)
    if problems:
        first = problems[0] if len(problems[0]) <= 90 else problems[0][:87] + "..."
        head += f"; {first}"
    elif gradients:
        worst = getattr(report, "worst", None) or gradients[0]
        where = f" at {_index(getattr(worst, 'index', None))}" \
            if getattr(worst, "index", None) is not None else ""
        status = getattr(worst, "status", "")
        if status == "missing":
            head += f"; {worst.name} missing"
        elif status != "skipped":
            relation = ">" if status == "failed" else "vs"
            error, tolerance = _apart(getattr(worst, "error", None),
                                      getattr(worst, "tolerance", None))
            head += (f"; {'worst ' if status == 'passed' else ''}{worst.name}{where}: error "
                     f"{error} {relation} tolerance {tolerance}")
    unit = "operation" if getattr(report, "kind", None) == "engine" else "gradient"
    counts = [f"{len(gradients)} {unit}{'s' if len(gradients) != 1 else ''}"]
    if len(problems) > 1:
        counts.append(f"{len(problems)} problems")
    constants = getattr(report, "constants", None)
    if constants:
        counts.append(f"{len(constants)} constant{'s' if len(constants) != 1 else ''}")
    lines = len(str(getattr(report, "output", "") or "").splitlines())
    if lines:
        counts.append(f"{lines} line{'s' if lines != 1 else ''} of output captured")
    return f"{head}; {', '.join(counts)}>"


def render_output(name: str, text: str, *, limit: int | None = None) -> str:
    """What a checked object printed or logged while checked, under a header line.

    Parameters
    ----------
    name : str
        Whose output it is (the class or function).
    text : str
        The captured text (``Report.output``).
    limit : int, optional
        Show the first ``limit`` lines and count the rest; default: all.

    Returns
    -------
    str
        Empty when nothing was printed.
    """
    lines = text.rstrip().splitlines()
    if not lines:
        return ""
    shown = lines if limit is None else lines[:limit]
    more = len(lines) - len(shown)
    return (f"--- printed or logged by {name} while probed and checked ({len(lines)} "
            f"lines) ---\n" + "\n".join(shown)
            + (f"\n... ({more} more lines)" if more else "") + "\n")


def with_output(check: Callable[[], _R], *, verbose: bool) -> _R:
    """Run a check; with ``verbose``, print what the checked code printed or logged.

    The output is kept in ``report.output`` either way (:func:`gradcheck.engine.frame.framed`
    captures it); ``verbose=True`` writes it to ``sys.stdout`` after the check, under a
    header line, also when the check raises :class:`~gradcheck.report.GradientError`.
    """
    __tracebackhide__ = True
    try:
        report = check()
    except GradientError as failure:
        if verbose:
            sys.stdout.write(render_output(failure.report.name, failure.report.output))
        raise
    if verbose:
        sys.stdout.write(render_output(report.name, report.output))
    return report


def _cell(text: str, *, color: str | None = None, bold: bool = False) -> str:
    style = []
    if color:
        style.append(f"color:{color}")
    if bold:
        style.append("font-weight:bold")
    attr = f' style="{";".join(style)}"' if style else ""
    return f"<td{attr}>{html.escape(text)}</td>"


def report_html(report: Any) -> str:
    """An HTML table of a report: failing gradients first, then problems and notes.

    Parameters
    ----------
    report : Report
        A check's report.

    Returns
    -------
    str
        A self-contained HTML fragment (Jupyter shows it for ``_repr_html_``). When a
        gradient failed element by element, its heatmaps follow the table as an
        ``<img src="data:image/png;base64,...">`` (or, without matplotlib, the line
        :data:`NO_PICTURE`); a report with no failing gradient gets no picture.
    """
    return "\n".join(["<div class=\"gradcheck-report\">", *_table(report),
                      *_picture(report), "</div>"])


def _table(report: Any) -> list[str]:
    status = str(getattr(report, "status", "?"))
    details = ", ".join(str(x) for x in (
        getattr(report, "mode", None), getattr(report, "dtype", None),
        f"{getattr(report, 'evaluations', 0)} forward calls",
    ) if x)
    out = [
        f"<p><b>{html.escape(str(getattr(report, 'name', '?')))}</b> "
        f"({html.escape(str(getattr(report, 'kind', '?')))}): "
        f'<b style="color:{_COLOR.get(status, "inherit")}">{html.escape(status)}</b> '
        f"<small>[{html.escape(details)}]</small></p>",
    ]
    gradients = _gradients(report)
    if getattr(report, "failed_on_protocol", False):
        # the finding first: the gradients below agreed, their errors say nothing of it
        out += _list("failed on a protocol finding (every gradient below agreed with "
                     "finite differences)", getattr(report, "problems", None))
    if gradients:
        head = ("gradient", "status", "worst error", "tolerance", "index", "analytic",
                "numeric", "diagnosis")
        out.append("<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head)
                   + "</tr></thead><tbody>")
        for g in gradients:
            g_status = str(getattr(g, "status", ""))
            error, tolerance = _apart(getattr(g, "error", None), getattr(g, "tolerance", None))
            out.append("<tr>" + "".join([
                _cell(str(getattr(g, "name", "?")), bold=True),
                _cell(g_status, color=_COLOR.get(g_status)),
                _cell(error),
                _cell(tolerance),
                _cell(_index(getattr(g, "index", None))),
                _cell(_number(getattr(g, "analytic", None))),
                _cell(_number(getattr(g, "numeric", None))),
                _cell(str(getattr(g, "diagnosis", None) or "")),
            ]) + "</tr>")
        out.append("</tbody></table>")
    if not getattr(report, "failed_on_protocol", False):
        out += _list("problems", getattr(report, "problems", None))
    out += _list("treated as constant", getattr(report, "constants", None))
    out += _list("notes", getattr(report, "notes", None))
    lines = len(str(getattr(report, "output", "") or "").splitlines())
    if lines:
        out.append(f"<p><small>{lines} line{'s' if lines != 1 else ''} printed or logged by "
                   "the checked code: in <code>report.output</code> (or check again with "
                   "<code>verbose=True</code>)</small></p>")
    return out


def _picture(report: Any, caption: str = "") -> list[str]:
    gradients = list(getattr(report, "gradients", None) or [])
    wrong = [g for g in gradients if getattr(g, "status", "") in ("failed", "missing")
             and getattr(g, "elements", None) is not None]
    if not wrong:
        return []
    from gradcheck import heatmaps

    drawn = heatmaps.drawable(wrong, failing_only=True)
    title = f"{getattr(report, 'name', '?')}: {', '.join(g.name for g in drawn)} failed"
    try:
        data = heatmaps.png(drawn, title, dpi=80)
    except ImportError:
        return [f"<p><small>{html.escape(NO_PICTURE)}</small></p>"]
    except Exception as error:  # the table shows, whatever the drawing does
        return [f"<p><small>heatmaps not drawn: {html.escape(repr(error))}</small></p>"]
    alt = f"heatmaps of {', '.join(g.name for g in drawn)}: analytic, numeric, difference"
    text = f"<p><small>{html.escape(caption)}</small></p>" if caption else ""
    return [f'{text}<img src="data:image/png;base64,{base64.b64encode(data).decode()}" '
            f'alt="{html.escape(alt)}" style="max-width:100%">']


def _list(title: str, items: Iterable[Any] | None) -> list[str]:
    items = [str(i) for i in (items or [])]
    if not items:
        return []
    return [f"<p>{html.escape(title)}:</p><ul>"
            + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"]


def results_html(results: Iterable[Any]) -> str:
    """An HTML table of class results (``gradcheck.check_all``): one row per class.

    Parameters
    ----------
    results : iterable of ClassResult
        In display order; failing classes are listed first.

    Returns
    -------
    str
        The table, then the failing checks' reports, each with the heatmaps of the
        largest failing example the run met (the reports are shrunk, often to 1 x 1).
    """
    rows = sorted(results, key=lambda r: _ORDER.get(getattr(r, "status", ""), 3))
    out = ['<div class="gradcheck-results"><table><thead><tr><th>class</th><th>kind</th>'
           "<th>status</th><th>message</th></tr></thead><tbody>"]
    for r in rows:
        status = str(getattr(r, "status", ""))
        out.append("<tr>" + "".join([
            _cell(str(getattr(r, "name", "?")), bold=True),
            _cell(str(getattr(r, "kind", ""))),
            _cell(status, color=_COLOR.get(status)),
            _cell(str(getattr(r, "message", ""))),
        ]) + "</tr>")
    out.append("</tbody></table>")
    for r in rows:
        for check in getattr(r, "checks", None) or []:
            report = getattr(check, "report", None)
            if report is not None and getattr(check, "status", "") in ("failed", "error"):
                variant = getattr(getattr(check, "spec", None), "variant", "")
                evidence = getattr(check, "evidence", None)
                pictured = [] if evidence is None else _picture(
                    evidence, "the largest failing example the run met:")
                out += [f"<p><i>{html.escape(str(variant))}</i></p>",
                        '<div class="gradcheck-report">', *_table(report),
                        *(pictured or _picture(report)), "</div>"]
    out.append("</div>")
    return "\n".join(out)


# ----------------------------------------------------------------------------- text
def status_counts(results: Iterable[Any]) -> dict[str, int]:
    """Number of class results per status (every status present, zeros included).

    Parameters
    ----------
    results : iterable of ClassResult
        The results to count.

    Returns
    -------
    dict
        ``{"passed": n, "failed": n, "error": n, "skipped": n, "inconclusive": n,
        "unfinished": n}``.
    """
    counts: dict[str, int] = dict.fromkeys(
        map(str, (PASSED, FAILED, ERROR, SKIPPED, INCONCLUSIVE, UNFINISHED)), 0)
    for result in results:
        counts[result.status] += 1
    return counts


def render_unchecked(unchecked: list[tuple[str, str]], *, strict: bool) -> str:
    """The list of classes with a backward that were not checked (empty if none)."""
    if not unchecked:
        return ""
    head = "not checked (they have a backward)" + (": failing the run (--strict)"
                                                     if strict else "")
    return "\n" + head + ":\n" + "".join(f"  {n}: {r}\n" for n, r in unchecked)


def render_loading(targets: Iterable[Any], *, ran: bool = False) -> str:
    """What was not run or failed while loading each target (empty if nothing)."""
    lines = []
    for target in targets:
        if ran and target.path is not None and target.path.is_file():
            lines.append(f"{target.spec}: its module-level code was run (--run-module)")
        if target.not_run:
            lines.append(f"{target.spec}: {target.not_run_text()} (--run-module runs it)")
        lines += [f"{target.spec}: {note}" for note in target.notes]
    return ("\n" + "\n".join(lines) + "\n") if lines else ""


def _listed(names: Sequence[str], limit: int = 8) -> str:
    """``a, b, c``, or the first ``limit`` names then ``...``."""
    return ", ".join(names[:limit]) + (", ..." if len(names) > limit else "")


def nothing_to_check(spec: str, found: Sequence[Any], plans: Sequence[Any],
                     target: Any = None) -> str:
    """Why a target gave nothing to check, as one line for the user."""
    skipped = "; ".join(f"{p.found.name}: {p.reason}" for p in plans)
    if not found and skipped:  # functions and programs only, all skipped
        return f"nothing checkable in {spec} (skipped {skipped})"
    if not found:
        notes = f" ({'; '.join(target.notes)})" if target is not None and target.notes else ""
        return (f"nothing to check in {spec}: it defines no class, no function that returns "
                f"a gradient and no derivative pair{notes}")
    if skipped:
        return f"no checkable class in {spec} (skipped {skipped})"
    both = [f for f in found if getattr(f, "has_backward", False) and getattr(f, "reason", "")]
    if both:  # they have forward and backward: say why each was not checked
        reasons: dict[str, list[str]] = {}
        for f in both:
            reasons.setdefault(f.reason, []).append(f.name)
        return f"no checkable class in {spec}: " + "; ".join(
            f"{_listed(names)}: {reason}" for reason, names in reasons.items())
    return (f"no checkable class in {spec}: none of its {len(found)} classes "
            f"({_listed([f.name for f in found])}) has forward and backward methods")


def everything_excluded(spec: str, names: Sequence[str], config: Any = None) -> str:
    """Why a target gave nothing to check when ``exclude`` left out all it defines."""
    where = f" of {config}" if config else ""
    return (f"nothing left to check in {spec}: `exclude` in [tool.gradcheck]{where} leaves "
            f"out all it defines ({_listed(names)})")


def summary_line(counts: dict[str, int]) -> str:
    """``N passed, N failed, N error, N skipped``, then ``N inconclusive``/``unfinished``.

    Those two are listed only when there are some.

    Parameters
    ----------
    counts : dict
        Number of classes per status.

    Returns
    -------
    str
    """
    line = (f"{counts[PASSED]} passed, {counts[FAILED]} failed, {counts[ERROR]} error, "
            f"{counts[SKIPPED]} skipped")
    if counts.get(INCONCLUSIVE):
        line += f", {counts[INCONCLUSIVE]} inconclusive"
    if counts.get(UNFINISHED):
        line += f", {counts[UNFINISHED]} unfinished"
    return line


_ANSI: dict[str, str] = {PASSED: "32", FAILED: "31", ERROR: "31;1", SKIPPED: "33",
                         INCONCLUSIVE: "35", UNFINISHED: "36"}


#: the "worst error / tol" cell of a check failed by a protocol finding alone (its
#: gradients agreed: their small errors would read like a pass)
PROTOCOL_CELL = "protocol finding"


def _error_text(check: Any) -> str:
    if getattr(check, "status", None) == UNFINISHED:
        return "-"
    report = getattr(check, "report", None)
    if getattr(check, "status", None) == FAILED and getattr(report, "failed_on_protocol", False):
        return PROTOCOL_CELL
    worst = getattr(report, "worst", None)
    if worst is not None and worst.status == "missing":
        return f"no {worst.name}"
    if worst is None or worst.error != worst.error:
        return "-"
    error, tolerance = apart(worst.error, worst.tolerance, digits=1)
    if worst.status == PASSED and worst.kinks and worst.error > worst.tolerance:
        # the largest difference is where the analytic value was accepted as a subgradient
        return f"{error} / {tolerance} at a kink"
    return f"{error} / {tolerance}"


def _tolerance_text(report: Any) -> list[str]:
    """``-v``: why the worst element's tolerance has its size (its parts), if known."""
    worst = getattr(report, "worst", None)
    why = None if worst is None else worst.explain_tolerance()
    return [] if worst is None or why is None else [f"{worst.name}: {why}"]


def render_table(results: Sequence[Any], *, verbose: bool = False,
                 color: bool = False) -> str:
    """The human-readable table: one row per check, details under failures.

    Parameters
    ----------
    results : list of ClassResult
        In display order.
    verbose : bool
        Also print every check's notes, and why the tolerance at its worst element has
        its size.
    color : bool
        ANSI colours in the status column.

    Returns
    -------
    str
    """
    header = ("class", "kind", "status", "worst error / tol", "checked with")
    rows: list[tuple[tuple[str, ...], str, list[str]]] = []
    for result in results:
        if not result.checks:
            rows.append(((result.name, result.kind, result.status, "-", "-"), result.status,
                         [result.message]))
            continue
        for check in result.checks:
            details = []
            if check.status in (FAILED, ERROR, INCONCLUSIVE, UNFINISHED):
                details.append(check.message)
                report = check.report
                if report is not None:
                    details += [g.describe() for g in report.gradients
                                if g.status in (FAILED, "missing")
                                and g.describe() not in check.message][:3]
                    details += [p for p in report.problems[1:3]]
            finding = getattr(check.spec, "range_finding", None)
            if finding:  # shown whatever the verdict: it is apart from it
                details.append(f"range: {finding}")
            if verbose:
                details += [f"note: {n}" for n in (check.notes + list(
                    getattr(check.report, "notes", []) or []))]
                details += _tolerance_text(check.report)
            rows.append(((result.name, result.kind, check.status, _error_text(check),
                          check.spec.variant), check.status, details))
    widths = [max(len(h), *(len(r[0][i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(header)]
    widths[0] = min(widths[0], 64)

    def line(cells: Sequence[str], status: str | None = None) -> str:
        parts = []
        for i, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            text = cell.ljust(width) if i < len(cells) - 1 else cell
            if i == 2 and status is not None and color:
                text = f"\033[{_ANSI.get(status, '0')}m{text}\033[0m"
            parts.append(text)
        return "  ".join(parts).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    for cells, status, details in rows:
        out.append(line(cells, status))
        out += [f"    {d}" for d in details if d]
    return "\n".join(out) + "\n"


NOTHING_VERIFIED = "nothing was verified: finite differences could not decide any check"


def nothing_in_targets(count: int) -> str:
    """The line of a run whose targets had nothing to check (``--allow-empty``)."""
    return f"no NNFS-style class to check in {count} target(s): nothing to check"


def render_ignored(ignored: Iterable[Any]) -> str:
    """The classes discovery set aside, with why (``-v``)."""
    return "\nignored (not NNFS layers or losses):\n" + "".join(
        f"  {f.name}: {f.reason}\n" for f in ignored)


def render_totals(targets: Sequence[str], results: Sequence[Any], *, seed: int,
                  seconds: float) -> str:
    """``TARGET: N classes, N checks, N examples (seed S) in T s``, after the table."""
    checks = sum(len(r.checks) for r in results)
    examples = sum(c.examples for r in results for c in r.checks)
    return (f"\n{', '.join(targets)}: {units(results)}, {counted(checks, 'check')}, "
            f"{counted(examples, 'example')} (seed {seed}) in {seconds:.1f} s\n")


def counted(count: int, noun: str) -> str:
    """``1 class``, ``2 classes``, ``0 checks``: a count and its noun, plural unless 1."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun}{'es' if noun.endswith(('s', 'sh', 'ch', 'x')) else 's'}"


def units(results: Sequence[Any]) -> str:
    """``5 classes``, ``3 functions`` or ``2 classes and 3 functions``."""
    functions = sum(r.kind in FUNCTION_KINDS for r in results)
    classes = len(results) - functions
    parts = [counted(classes, "class")] if classes or not functions else []
    if functions:
        parts.append(counted(functions, "function"))
    return " and ".join(parts)


present_reports(text=report_repr, html=report_html)
