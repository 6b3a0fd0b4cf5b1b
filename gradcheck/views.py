"""How results look in a REPL and in a notebook: a short ``repr`` and an HTML table.

Rendered from the objects' data through ``getattr`` with defaults, so that fields added to
:class:`gradcheck.report.Report` later need no change here. Below the table of a failing
report, the heatmaps of its failing gradients (:mod:`gradcheck.heatmaps`, the drawing of
``--plot``) as an embedded PNG when matplotlib is installed, else one line saying how to
get them. Imports nothing else of gradcheck, and that module only when there is a picture
to draw.
"""

from __future__ import annotations

import base64
import html
import math
from collections.abc import Iterable
from typing import Any

__all__ = ["NO_PICTURE", "report_html", "report_repr", "results_html"]

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
            head += (f"; {'worst ' if status == 'passed' else ''}{worst.name}{where}: error "
                     f"{_number(getattr(worst, 'error', None))} {relation} tolerance "
                     f"{_number(getattr(worst, 'tolerance', None))}")
    counts = [f"{len(gradients)} gradient{'s' if len(gradients) != 1 else ''}"]
    if len(problems) > 1:
        counts.append(f"{len(problems)} problems")
    constants = getattr(report, "constants", None)
    if constants:
        counts.append(f"{len(constants)} constant{'s' if len(constants) != 1 else ''}")
    return f"{head}; {', '.join(counts)}>"


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
    if gradients:
        head = ("gradient", "status", "worst error", "tolerance", "index", "analytic",
                "numeric", "diagnosis")
        out.append("<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head)
                   + "</tr></thead><tbody>")
        for g in gradients:
            g_status = str(getattr(g, "status", ""))
            out.append("<tr>" + "".join([
                _cell(str(getattr(g, "name", "?")), bold=True),
                _cell(g_status, color=_COLOR.get(g_status)),
                _cell(_number(getattr(g, "error", None))),
                _cell(_number(getattr(g, "tolerance", None))),
                _cell(_index(getattr(g, "index", None))),
                _cell(_number(getattr(g, "analytic", None))),
                _cell(_number(getattr(g, "numeric", None))),
                _cell(str(getattr(g, "diagnosis", None) or "")),
            ]) + "</tr>")
        out.append("</tbody></table>")
    out += _list("problems", getattr(report, "problems", None))
    out += _list("treated as constant", getattr(report, "constants", None))
    out += _list("notes", getattr(report, "notes", None))
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
