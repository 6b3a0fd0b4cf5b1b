"""Result objects: one ``GradientResult`` per gradient, one ``Report`` per checked object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

import numpy as np

from gradcheck.errors import GradientError

__all__ = [
    "ERROR",
    "Elements",
    "EngineReport",
    "FAILED",
    "GradientError",
    "GradientResult",
    "INCONCLUSIVE",
    "Kind",
    "MISSING",
    "OpResult",
    "PASSED",
    "Report",
    "SKIPPED",
    "Status",
    "Verdict",
    "apart",
]


class Status(StrEnum):
    """A verdict: of one gradient, one check, or one class."""

    PASSED = "passed"
    FAILED = "failed"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"
    MISSING = "missing"
    SKIPPED = "skipped"
    #: an unfinished template (returns None, ``pass``, only zeros): never passed, and
    #: failing the gate as ``failed`` does, but not called a wrong gradient
    UNFINISHED = "unfinished"


class Verdict(IntEnum):
    """One element's verdict (stored as integers in arrays: ``Elements.verdict``)."""

    NOT_COMPARED = -1
    PASS = 0
    KINK = 1  # at a kink, the analytic value is a subgradient: accepted
    UNSURE = 2  # finite differences cannot decide
    WRONG = 3


class Kind(StrEnum):
    """What kind of thing was checked."""

    LAYER = "layer"
    LOSS = "loss"
    FUSED = "fused"
    FUNCTION = "function"
    DERIVATIVE = "derivative"
    MODEL = "model"
    ENGINE = "engine"


PASSED, FAILED, INCONCLUSIVE = Status.PASSED, Status.FAILED, Status.INCONCLUSIVE
ERROR, MISSING, SKIPPED = Status.ERROR, Status.MISSING, Status.SKIPPED
UNFINISHED = Status.UNFINISHED


@dataclass
class Elements:
    """Per-element data of one gradient's verdict, as the check computed it.

    Attributes
    ----------
    analytic : ndarray
        The gradient backward produced.
    numeric : ndarray
        The finite-difference value of each element (NaN where not compared).
    verdict : ndarray of int
        Per element, a :class:`Verdict`: 0 passed, 1 kink (subgradient accepted),
        2 undecidable, 3 wrong, -1 not compared.
    """

    analytic: np.ndarray
    numeric: np.ndarray
    verdict: np.ndarray


@dataclass
class GradientResult:
    """The verdict for one gradient (``dinputs``, ``dweights``, ...).

    Attributes
    ----------
    name : str
        Gradient attribute, e.g. ``"dweights"``.
    status : str
        ``"passed"``, ``"failed"``, ``"inconclusive"``, ``"missing"`` or ``"skipped"``.
    error : float
        Worst ``|analytic - numeric|`` among the checked elements (NaN when not compared).
    tolerance : float
        The tolerance at that element, derived from the finite-difference error estimate.
    index : tuple of int or None
        Index of the worst element, e.g. ``(sample, feature)``.
    analytic, numeric : float
        The two values at the worst element.
    kinks : int
        Elements accepted as subgradients at a non-differentiable point.
    inconclusive : int
        Elements where finite differences could not decide.
    checked : int
        Elements (or, in fast mode, random directions) compared.
    diagnosis : str or None
        A likely cause, when the error pattern suggests one.
    method : str
        ``"elementwise"``, ``"projection"`` or ``"sampled"``.
    resolution : float
        Typical tolerance relative to the gradient's largest entry: element errors above
        about this fraction of ``max|gradient|`` are detected.
    elements : Elements or None
        Analytic and numeric values and the verdict of every element compared one by one
        (what ``--plot`` draws); None for projections.
    tolerance_parts : dict of str to float or None
        The tolerance at the worst element by its parts (``rounding``, ``argument``,
        ``noise``, ``analytic``, ``truncation``, ``kink``, ``joint``), whose sum it is;
        see :meth:`explain_tolerance`. Not in :meth:`to_dict`.
    """

    name: str
    status: str
    error: float = float("nan")
    tolerance: float = float("nan")
    index: tuple[int, ...] | None = None
    analytic: float = float("nan")
    numeric: float = float("nan")
    kinks: int = 0
    inconclusive: int = 0
    failed: int = 0
    checked: int = 0
    diagnosis: str | None = None
    method: str = "elementwise"
    resolution: float = float("nan")
    elements: Elements | None = field(default=None, repr=False, compare=False)
    tolerance_parts: dict[str, float] | None = field(default=None, repr=False, compare=False)

    def explain_tolerance(self) -> str | None:
        """Why the tolerance at the worst element has its size, as a sum of its parts.

        E.g. ``"tolerance 3.1e-08 = rounding 2.0e-08 + truncation 1.1e-08"``: the parts
        that are not zero, largest first; None when the parts are not known (the
        gradient was not compared element by element).
        """
        parts = self.tolerance_parts
        if not parts or self.tolerance != self.tolerance:
            return None
        shown = sorted(((v, k) for k, v in parts.items() if v), reverse=True)
        names = {"analytic": "analytic side", "joint": "joint kink test",
                 "noise": "measured noise", "argument": "argument rounding"}
        terms = " + ".join(f"{names.get(k, k)} {v:.1e}" for v, k in shown) or "0"
        return f"tolerance {self.tolerance:.1e} = {terms}"

    def describe(self) -> str:
        """One sentence a person can act on.

        The tolerance printed is the one the verdict at that element used; a gradient
        that was never compared (wrong shape, not finite, randomness that cannot be
        pinned) is described by its diagnosis alone.
        """
        if self.status == MISSING:
            return f"{self.name}: {self.diagnosis}"
        if self.status == SKIPPED:
            return f"{self.name}: skipped ({self.diagnosis})"
        compared = self.checked > 0 and self.error == self.error
        if not compared and self.status in (FAILED, INCONCLUSIVE):
            word = "inconclusive: " if self.status == INCONCLUSIVE else ""
            return f"{self.name}: {word}{self.diagnosis or 'not compared'}"
        where = f" at index {self.index}" if self.index is not None else ""
        error, tolerance = apart(self.error, self.tolerance, digits=3, style="g")
        if self.status == FAILED:
            text = (
                f"{self.name}{where}: analytic {self.analytic:.6g} vs numeric "
                f"{self.numeric:.6g}, error {error} > tolerance {tolerance}"
            )
        elif self.status == INCONCLUSIVE and self.error == float("inf"):
            text = f"{self.name}{where}: analytic {self.analytic:.6g}, no finite numeric value"
        else:
            text = f"{self.name}{where}: error {error}, tolerance {tolerance}"
        if self.status == FAILED and self.failed:
            text += f" ({self.failed} of {self.checked} elements wrong"
            if self.inconclusive:
                text += f"; {self.inconclusive} undecidable by finite differences"
            text += ")"
        if self.status == INCONCLUSIVE:
            text += (
                f" ({self.inconclusive} of {self.checked} elements undecidable by finite "
                "differences)"
            )
        if self.diagnosis:
            text += f"; {self.diagnosis}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """JSON-able representation (non-finite floats become ``None``)."""
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if key in ("elements", "tolerance_parts"):
                continue
            if isinstance(value, float) and value != value:
                value = None
            elif isinstance(value, tuple):
                value = list(value)
            out[key] = value
        return out


@dataclass
class Report:
    """Everything one check found out about one object.

    Attributes
    ----------
    name : str
        The object's class name.
    kind : str
        ``"layer"``, ``"loss"`` or ``"fused"``.
    status : str
        ``"passed"``, ``"failed"``, ``"inconclusive"`` or ``"error"``.
    mode : str
        ``"exhaustive"`` or ``"fast"``: which check ran.
    dtype : str
        Precision the finite differences were computed in (``"float64"`` unless the object
        forces ``"float32"``).
    gradients : list of GradientResult
        One entry per gradient checked.
    problems : list of str
        Protocol failures: mutation of arguments, missing or misshapen gradients,
        non-finite values, stale state, exceptions.
    notes : list of str
        What the check adapted to: kinks met, float32, ``nnfs.init()``, pinned randomness,
        regularization, training flag.
    constants : list of str
        Float arrays the object holds that backward gives no gradient for and that were
        treated as constants (masks, offsets, running statistics, aliases, views), by
        where they live (``mask``, ``bn.running_mean``).
    unreachable : list of str
        Arrays the check could not perturb (read-only arrays and the like), with why.
    output : str
        What the checked code printed (stdout, stderr) or logged to the terminal while
        it was checked: kept here, out of the way (a layer printing on every call would
        flood a notebook); ``verbose=True`` shows it after the check.
    seconds : float
        Wall time of the check.
    evaluations : int
        Number of forward calls made.
    step : float
        Relative finite-difference step of the central differences (steps are
        ``step * max(1, |x|)``), NaN when no difference was taken.
    """

    name: str
    kind: str
    status: str = PASSED
    mode: str = "exhaustive"
    dtype: str = "float64"
    gradients: list[GradientResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    evaluations: int = 0
    step: float = float("nan")
    shapes: dict[str, list[int]] = field(default_factory=dict)
    constants: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    output: str = field(default="", repr=False)

    @property
    def output_lines(self) -> int:
        """Lines the checked code printed or logged while checked (in :attr:`output`)."""
        return len(self.output.splitlines())

    @property
    def ok(self) -> bool:
        """``True`` only when every gradient was verified."""
        return self.status == PASSED

    @property
    def failed_on_protocol(self) -> bool:
        """Failed by a protocol finding alone: every gradient compared agreed.

        E.g. an input gradient computed from the weights backward already updated, stale
        state, an argument written into. The gradients' errors then say nothing about
        the failure (they are small), so views show the finding, not "worst error / tol".
        """
        return self.status == FAILED and bool(self.problems) and not any(
            g.status in (FAILED, MISSING) for g in self.gradients)

    @property
    def worst(self) -> GradientResult | None:
        """The gradient that failed worst (or the closest call when all passed)."""
        order: dict[str, int] = {FAILED: 0, MISSING: 0, INCONCLUSIVE: 1, PASSED: 2, SKIPPED: 3}
        compared = [g for g in self.gradients if g.status != SKIPPED]
        if not compared:
            return None

        def key(g: GradientResult) -> tuple[int, float]:
            ratio = g.error / g.tolerance if g.tolerance and g.tolerance == g.tolerance else 0.0
            return order.get(g.status, 3), -(ratio if ratio == ratio else 0.0)

        return min(compared, key=key)

    def finish(self) -> None:
        """Derive the overall status from problems and gradients."""
        if self.status in (ERROR, UNFINISHED):
            return
        statuses = {g.status for g in self.gradients}
        if self.problems or statuses & {FAILED, MISSING}:
            self.status = FAILED
        elif INCONCLUSIVE in statuses:
            self.status = INCONCLUSIVE
        else:
            self.status = PASSED

    def summary(self) -> str:
        """One line: name, status and the worst finding."""
        head = f"{self.name} ({self.kind}): {self.status}"
        if self.status == ERROR and self.problems:
            return f"{head}: {self.problems[0]}"
        worst = self.worst
        bad = [g for g in self.gradients if g.status in (FAILED, MISSING)]
        if self.problems:
            return f"{head}: {self.problems[0]}"
        if bad:
            return f"{head}: {bad[0].describe()}"
        if worst is not None:
            error, tolerance = apart(worst.error, worst.tolerance, digits=2, style="g")
            return f"{head}; worst {worst.name} error {error} (tol {tolerance})"
        return head

    @property
    def message(self) -> str:
        """The text a :class:`GradientError` carries: what failed, where, and why."""
        verbs: dict[str, str] = {INCONCLUSIVE: "was inconclusive in",
                                 ERROR: "raised an error in",
                                 UNFINISHED: "is unfinished (a template?) in"}
        verb = verbs.get(self.status, self.status)
        lines = [f"{self.name} ({self.kind}) {verb} the gradient check ({self.mode} mode)"]
        lines += [f"  - {p}" for p in self.problems]
        lines += [f"  - {g.describe()}" for g in self.gradients if g.status in (FAILED, MISSING)]
        lines += [f"  - {g.describe()}" for g in self.gradients if g.status == INCONCLUSIVE]
        if self.notes:
            lines.append("  notes: " + "; ".join(self.notes))
        return "\n".join(lines)

    def __str__(self) -> str:
        rows = [("gradient", "status", "worst error", "tolerance", "index", "analytic", "numeric")]
        for g in self.gradients:
            error, tolerance = apart(g.error, g.tolerance, digits=3, style="g")
            rows.append(
                (
                    g.name,
                    g.status,
                    error,
                    tolerance,
                    "-" if g.index is None else ",".join(map(str, g.index)),
                    _num(g.analytic),
                    _num(g.numeric),
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        table = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        head = (
            f"{self.name} ({self.kind}): {self.status.upper()}  "
            f"[{self.mode}, {self.dtype}, {self.evaluations} forward calls, "
            f"{self.seconds * 1e3:.1f} ms]"
        )
        out = [head, *("  " + t for t in table)]
        for g in self.gradients:
            if g.diagnosis and g.status != PASSED:
                out.append(f"  {g.name}: {g.diagnosis}")
        out += [f"  problem: {p}" for p in self.problems]
        out += [f"  note: {n}" for n in self.notes]
        return "\n".join(out + self._output_line())

    def _output_line(self) -> list[str]:
        """The line saying what the checked code printed, if it printed anything."""
        if not self.output:
            return []
        return [f"  output: {_lines(self.output_lines)} printed or logged by the checked "
                "code, kept in report.output (verbose=True shows it)"]

    def __repr__(self) -> str:
        show = _PRESENTERS.get("text")
        if show is None:
            return f"<Report {self.name} ({self.kind}): {self.status}>"
        return show(self)

    def _repr_html_(self) -> str | None:
        show = _PRESENTERS.get("html")
        return None if show is None else show(self)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able representation of the whole report."""
        return {
            "name": self.name,
            "kind": self.kind,
            "status": self.status,
            "ok": self.ok,
            "mode": self.mode,
            "dtype": self.dtype,
            "message": self.summary(),
            "problems": list(self.problems),
            "notes": list(self.notes),
            "gradients": [g.to_dict() for g in self.gradients],
            "seconds": self.seconds,
            "evaluations": self.evaluations,
            "step": None if self.step != self.step else self.step,
            "shapes": dict(self.shapes),
            "constants": list(self.constants),
            "unreachable": list(self.unreachable),
            "output": self.output,
        }


@dataclass
class OpResult(GradientResult):
    """The verdict for one operation of an autograd engine (``mul``, ``sum``, ...).

    The fields of :class:`GradientResult` describe the deciding expression's worst element
    (``index`` is the element's index in the leaf ``leaf``); besides them:

    Attributes
    ----------
    expression : str
        The deciding expression: the worst failing one, else the closest call, e.g.
        ``"a * b + a"``.
    values : dict of str to list
        The values of its leaves.
    leaf : str or None
        The leaf whose gradient was worst.
    expressions : int
        Expressions evaluated for this operation.
    failing : list of str
        Every failing expression.
    upstream : str
        The upstream gradient of the deciding expression: ``"random"`` (non-uniform,
        ``sum(w * expr)``) or ``"1"`` (what the engine's ``backward()`` seeds).
    depends : list of str
        ``inconclusive`` rows: the failing operations its failing expressions also use
        (it is judged again once they are fixed).
    """

    expression: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    leaf: str | None = None
    expressions: int = 0
    failing: list[str] = field(default_factory=list)
    depends: list[str] = field(default_factory=list)
    upstream: str = "random"

    def describe(self) -> str:
        """One sentence: the operation, the expression, its values and what went wrong."""
        if self.depends:
            return f"{self.name}: {self.diagnosis}"
        if self.status in (PASSED, SKIPPED, MISSING) or not self.expression:
            return super().describe()
        values = ", ".join(f"{k}={_short(v)}" for k, v in self.values.items())
        head = f"{self.name}: `{self.expression}`" + (f" at {values}" if values else "") + (
            " (upstream gradient 1)" if self.upstream == "1" else "")
        compared = self.checked > 0 and self.error == self.error
        if not compared or (self.status == INCONCLUSIVE and not self.inconclusive):
            return f"{head}: {self.diagnosis or self.status}"
        where = "" if not self.index else f"[{', '.join(map(str, self.index))}]"
        text = (f"{head}: d/d{self.leaf}{where} analytic {self.analytic:.6g} vs numeric "
                f"{self.numeric:.6g}, error {self.error:.3g} > tolerance {self.tolerance:.3g}"
                if self.status == FAILED else
                f"{head}: d/d{self.leaf}{where} undecidable by finite differences")
        if self.diagnosis:
            text += f"; {self.diagnosis}"
        return text


@dataclass(repr=False)  # keep Report.__repr__, the short line a notebook or a REPL shows
class EngineReport(Report):
    """A :class:`Report` on an autograd engine: one :class:`OpResult` per operation."""

    absent: list[str] = field(default_factory=list)

    def finish(self) -> None:
        """Derive the status: an operation that failed or raised fails the engine."""
        if self.status == ERROR:
            return
        statuses = {g.status for g in self.gradients}
        if self.problems or statuses & {FAILED, MISSING, ERROR}:
            self.status = FAILED
        elif INCONCLUSIVE in statuses or not statuses - {SKIPPED}:
            self.status = INCONCLUSIVE
        else:
            self.status = PASSED

    def __str__(self) -> str:
        rows = [("operation", "status", "expression", "error", "tolerance", "analytic",
                 "numeric")]
        for g in self.gradients:
            expression = getattr(g, "expression", "") + (
                " (upstream 1)" if getattr(g, "upstream", "") == "1" else "")
            rows.append((g.name, g.status, expression, _num(g.error),
                         _num(g.tolerance), _num(g.analytic), _num(g.numeric)))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        table = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                 for r in rows]
        counts = f", {self.evaluations} evaluations" if self.evaluations else ""
        head = (f"{self.name} ({self.kind}): {self.status.upper()}  "
                f"[{self.dtype}{counts}, {self.seconds * 1e3:.0f} ms]")
        out = [head, *("  " + t for t in table)]
        out += [line.replace("  - ", "  ", 1) for line in self.message.splitlines()[1:]
                if line.startswith("  - ")]
        out += [f"  note: {n}" for n in self.notes]
        return "\n".join(out + self._output_line())

    @property
    def message(self) -> str:
        """What failed: every failing or raising operation, its expression and values."""
        verbs: dict[str, str] = {INCONCLUSIVE: "was inconclusive in",
                                 ERROR: "raised an error in"}
        verb = verbs.get(self.status, self.status)
        lines = [f"{self.name} ({self.kind}) {verb} the gradient check"]
        lines += [f"  - {p}" for p in self.problems]
        lines += [f"  - {g.describe()}" for g in self.gradients
                  if g.status in (FAILED, MISSING, ERROR)]
        waiting: dict[str, list[str]] = {}
        for g in self.gradients:
            if g.status == INCONCLUSIVE and getattr(g, "depends", None):
                waiting.setdefault(", ".join(getattr(g, "depends", [])), []).append(g.name)
            elif g.status == INCONCLUSIVE:
                lines.append(f"  - {g.describe()}")
        lines += [f"  - not decided until {ops} {'are' if ',' in ops else 'is'} fixed (their "
                  f"failing expressions use {'them' if ',' in ops else 'it'}): "
                  f"{', '.join(names)}" for ops, names in waiting.items()]
        if self.notes:
            lines.append("  notes: " + "; ".join(self.notes))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-able representation, with the operations the engine does not define."""
        return {**super().to_dict(), "absent": list(self.absent)}


def _short(value: Any) -> str:
    if isinstance(value, str):
        return value
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0:
        return f"{float(array):.4g}"
    if array.size > 6:
        return f"array{tuple(array.shape)}"
    return np.array2string(array, precision=3, separator=", ").replace("\n", "")

# How a report shows itself in a REPL and in Jupyter: gradcheck.views (which sits above
# this module and imports it) installs its functions here when it is imported; the
# package imports it with the entry points (gradcheck.api). Until then, a plain repr.
_PRESENTERS: dict[str, Callable[[Report], str]] = {}


def present_reports(*, text: Callable[[Report], str], html: Callable[[Report], str]) -> None:
    """Set how every :class:`Report` shows itself: ``repr(report)`` and Jupyter's HTML.

    Parameters
    ----------
    text : callable
        ``report -> str``, the short ``repr``.
    html : callable
        ``report -> str``, an HTML fragment (``Report._repr_html_``).
    """
    _PRESENTERS.update(text=text, html=html)


def _lines(count: int) -> str:
    return f"{count} line{'s' if count != 1 else ''} of output"


def _num(value: float) -> str:
    return "-" if value != value else f"{value:.3g}"


def apart(error: float, tolerance: float, *, digits: int = 2, style: str = "e") -> tuple[str, str]:
    """``error`` and ``tolerance`` as text, with enough digits to tell them apart.

    ``3.5e-10 / 3.5e-10`` reads as a tie (or a failure) for a pass whose error is just
    below its tolerance: digits are added (up to 6 more) until the two differ, so that
    which one is larger is visible. NaN is ``-``.

    Parameters
    ----------
    error, tolerance : float
        The numbers.
    digits : int
        Digits to start from: after the point for ``"e"``, significant for ``"g"``.
    style : {"e", "g"}
        The format letter.

    Returns
    -------
    tuple of str
    """
    def text(value: float, places: int) -> str:
        return "-" if value != value else f"{value:.{places}{style}}"

    for places in range(digits, digits + 7):
        shown = text(error, places), text(tolerance, places)
        if shown[0] != shown[1] or error == tolerance or error != error:
            break
    return shown
