"""Take a script's definitions without its module-level code.

People's files train a network, load data, plot and print at the top level, and import
what only that code needs (``cv2`` for the data, ``matplotlib`` for the plots). To check
their classes, :func:`definitions` keeps what the classes and functions need and drops the
rest:

- kept: class and function definitions; the imports, module-level assignments and
  definition-only blocks (``try: import x except ImportError: ...``) whose names the kept
  code refers to, transitively; ``GRADCHECK_ARGS``; ``from __future__`` imports; and
  ``nnfs.init()`` calls (with their import), because they change how numpy computes for
  the classes defined after them (float32 ``np.dot``, seeded ``np.random``), which is the
  numeric environment the user's code was written for.
- dropped, and listed (:class:`NotRun`): everything else, e.g. training loops, data loading,
  prints, plots, and imports nothing kept refers to.

:func:`execute` runs the kept statements one by one in a module's namespace, compiled with
the real file name and line numbers (tracebacks, ``inspect.getsource`` and pickling keep
working). A kept import or assignment that fails does not stop the others: its names are
bound to :class:`Unavailable`, which raises the original error, with where it came from,
as soon as a class uses it; a class whose definition fails is returned as broken.
"""

from __future__ import annotations

import ast
import builtins
import re
import symtable
import sys
import types
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn

__all__ = [
    "CONFIG_NAME",
    "Executed",
    "Extraction",
    "NotRun",
    "Unavailable",
    "definitions",
    "execute",
    "missing_globals",
    "missing_names",
    "missing_reason",
]

CONFIG_NAME = "GRADCHECK_ARGS"
_DEFINITIONS = (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
_BLOCK_ALLOWED = (ast.Import, ast.ImportFrom, ast.Assign, ast.AnnAssign, ast.FunctionDef,
                  ast.AsyncFunctionDef, ast.ClassDef, ast.Pass, ast.Try, ast.If, ast.Expr)


@dataclass
class NotRun:
    """A run of consecutive module-level statements that was not executed."""

    first: int
    last: int
    what: list[str] = field(default_factory=list)
    place: str | None = None  # where, when line numbers are not the file's (notebooks)

    def describe(self) -> str:
        """``lines 12-40 (for epoch in range(10001): ..., print(...))``."""
        lines = f"line {self.first}" if self.first == self.last else \
            f"lines {self.first}-{self.last}"
        lines = self.place or lines
        shown = self.what[:3] + ([f"+{len(self.what) - 3} more"] if len(self.what) > 3 else [])
        return f"{lines} ({', '.join(shown)})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        out: dict[str, Any] = {"first_line": self.first, "last_line": self.last,
                               "statements": self.what}
        if self.place is not None:
            out["place"] = self.place
        return out


@dataclass
class Extraction:
    """The statements to run, and what was left out."""

    kept: list[ast.stmt]
    not_run: list[NotRun]
    unused_imports: list[str]


def _bound(statement: ast.stmt) -> set[str]:
    """Names a module-level statement binds (over the whole statement, nested blocks too)."""
    names: set[str] = set()
    if isinstance(statement, _DEFINITIONS):
        return {statement.name}
    if isinstance(statement, ast.Import):
        return {(a.asname or a.name.split(".")[0]) for a in statement.names}
    if isinstance(statement, ast.ImportFrom):
        return {(a.asname or a.name) for a in statement.names}
    for node in ast.walk(statement):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, _DEFINITIONS):
            names.add(node.name)
        elif isinstance(node, ast.Import | ast.ImportFrom) and node is not statement:
            names |= _bound(node)
    return names


def _used(statement: ast.stmt) -> set[str]:
    """Module-level names a statement reads, function bodies included.

    From the symbol table, so that a function's own parameters and locals (``y`` in
    ``def calculate(self, output, y)``) do not keep a module-level ``X, y = load()``.
    """
    try:
        table = symtable.symtable(ast.unparse(statement), "<definitions>", "exec")
    except (SyntaxError, ValueError):
        return {n.id for n in ast.walk(statement)
                if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    names: set[str] = set()
    tables = [table]
    while tables:
        current = tables.pop()
        names |= {s.get_name() for s in current.get_symbols()
                  if s.is_referenced() and s.is_global()}
        tables += current.get_children()
    return names


def _is_main_guard(statement: ast.stmt) -> bool:
    test = getattr(statement, "test", None)
    return (isinstance(statement, ast.If) and isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name) and test.left.id == "__name__")


def _is_definition_block(statement: ast.stmt) -> bool:
    """A ``try``/``if`` that only imports, assigns and defines (no loops, no calls)."""
    if not isinstance(statement, ast.Try | ast.If) or _is_main_guard(statement):
        return False
    for node in ast.walk(statement):
        if isinstance(node, ast.stmt) and not isinstance(node, _BLOCK_ALLOWED):
            if isinstance(node, ast.Raise):
                continue
            return False
        if isinstance(node, ast.Expr) and not isinstance(node.value, ast.Constant):
            return False
    return True


def _is_nnfs_init(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return False
    func = statement.value.func
    return (isinstance(func, ast.Attribute) and func.attr == "init"
            and isinstance(func.value, ast.Name) and func.value.id == "nnfs")


def _is_simple_assignment(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.AnnAssign):
        return isinstance(statement.target, ast.Name)
    if not isinstance(statement, ast.Assign):
        return False
    return all(isinstance(n, ast.Name | ast.Tuple | ast.List | ast.Starred)
               for t in statement.targets for n in [t, *ast.walk(t)]
               if not isinstance(n, ast.expr_context))


def definitions(tree: ast.Module, source: str | None = None) -> Extraction:
    """Split a module into the statements its definitions need and the rest.

    Parameters
    ----------
    tree : ast.Module
        The parsed module.
    source : str, optional
        Its text, to show the dropped statements (their first line).

    Returns
    -------
    Extraction
    """
    body = tree.body
    keep = [False] * len(body)
    candidates = []
    for i, statement in enumerate(body):
        if isinstance(statement, _DEFINITIONS) or _is_nnfs_init(statement):
            keep[i] = True
        elif isinstance(statement, ast.ImportFrom) and statement.module == "__future__":
            keep[i] = True
        elif (isinstance(statement, ast.Assign | ast.AnnAssign)
              and CONFIG_NAME in _bound(statement)):
            keep[i] = True
        elif (isinstance(statement, ast.Import | ast.ImportFrom)
              or _is_simple_assignment(statement) or _is_definition_block(statement)):
            candidates.append(i)
    needed: set[str] = set()
    bound_anywhere = set().union(*(_bound(s) for s in body)) if body else set()
    changed = True
    while changed:
        changed = False
        needed = set().union(*(_used(body[i]) for i in range(len(body)) if keep[i]))
        needed |= {"nnfs"} if any(_is_nnfs_init(s) for s in body) else set()
        # names nothing in the file binds come from its star imports (``from ..layers
        # import *``, ``from utils import *``): those are kept when such a name is needed
        unbound = needed - bound_anywhere - set(dir(builtins))
        for i in candidates:
            if keep[i]:
                continue
            if _bound(body[i]) & needed or (unbound and _is_star_import(body[i])):
                keep[i] = changed = True
    kept = [s for s, k in zip(body, keep, strict=True) if k]
    lines = _lines(source) if source is not None else None
    unused = [_first_line(s, lines) for s, k in zip(body, keep, strict=True)
              if not k and isinstance(s, ast.Import | ast.ImportFrom)]
    not_run: list[NotRun] = []
    previous_kept = True
    for statement, k in zip(body, keep, strict=True):
        if k:
            previous_kept = True
            continue
        if (_is_main_guard(statement) or _is_docstring(statement)
                or isinstance(statement, ast.Import | ast.ImportFrom | ast.Pass)):
            # unneeded imports are listed apart; a main guard never runs on import anyway
            continue
        end = statement.end_lineno or statement.lineno
        if not_run and not previous_kept:
            not_run[-1].last = end
            not_run[-1].what.append(_first_line(statement, lines))
        else:
            not_run.append(NotRun(statement.lineno, end, [_first_line(statement, lines)]))
        previous_kept = False
    return Extraction(kept, not_run, unused)


def _is_star_import(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names)


def _is_docstring(statement: ast.stmt) -> bool:
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


#: a line and its end, as :func:`ast.get_source_segment` splits a source (``\r\n``,
#: ``\r`` or ``\n``; not a form feed)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+")


def _lines(source: str) -> list[str]:
    return _LINE.findall(source)


def _segment(statement: ast.stmt, lines: list[str]) -> str | None:
    """``ast.get_source_segment(source, statement)`` from the source split once.

    The standard call splits the whole source again for every statement (a long
    notebook or script has hundreds of dropped statements): only the statement's own
    lines are handed to it here, with its position moved to their first line.
    """
    end = statement.end_lineno
    if end is None or statement.end_col_offset is None:
        return None
    start = statement.lineno
    piece = "".join(lines[start - 1:end])
    where = types.SimpleNamespace(lineno=1, end_lineno=end - start + 1,
                                  col_offset=statement.col_offset,
                                  end_col_offset=statement.end_col_offset)
    return ast.get_source_segment(piece, where)  # type: ignore[arg-type]


def _first_line(statement: ast.stmt, lines: list[str] | None) -> str:
    text = _segment(statement, lines) if lines is not None else None
    if text is None:
        text = ast.unparse(statement)
    first = text.strip().splitlines()[0] if text.strip() else type(statement).__name__
    if len(first) > 48:
        first = first[:45] + "..."
    return first + (" ..." if "\n" in text.strip() and not first.endswith("...") else "")


# ----------------------------------------------------------------------------- running
def missing_globals(definition: Any, depth: int = 3) -> list[str]:
    """Global names ``definition`` (a function or class) reads that its module lacks.

    Read from the bytecode (``LOAD_GLOBAL`` / ``LOAD_NAME``, nested functions, methods
    and the functions it calls a few levels deep), so attribute names (``np.dot``'s
    ``dot``) are not taken for globals. A name bound to :class:`Unavailable` (a named
    import that failed) is not listed: using it raises its own error, naming the module.
    Empty when everything it uses exists.
    """
    import dis
    import inspect
    import types

    missing: list[str] = []
    seen: set[int] = set()
    queue: list[tuple[Any, int]] = [(definition, 0)]
    while queue:
        item, level = queue.pop(0)
        if id(item) in seen:
            continue
        seen.add(id(item))
        if inspect.isclass(item):
            module = sys.modules.get(item.__module__)
            if module is None:
                continue
            queue += [(v, level) for k, v in vars(item).items()
                      if inspect.isfunction(v) or isinstance(v, staticmethod | classmethod
                                                             | property)]
            continue
        if isinstance(item, staticmethod | classmethod):
            item = item.__func__
        if isinstance(item, property):
            queue += [(f, level) for f in (item.fget, item.fset) if f is not None]
            continue
        if not inspect.isfunction(item):
            continue
        space = item.__globals__
        codes = [item.__code__]
        while codes:
            code = codes.pop()
            codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
            for instruction in dis.get_instructions(code):
                if instruction.opname not in ("LOAD_GLOBAL", "LOAD_NAME"):
                    continue
                name = instruction.argval
                value = space.get(name, _ABSENT)
                if value is _ABSENT:
                    if not hasattr(builtins, name):
                        missing.append(name)
                elif (inspect.isfunction(value) or inspect.isclass(value)) and level < depth \
                        and _users_own(value):
                    queue.append((value, level + 1))
    return list(dict.fromkeys(missing))


_ABSENT = object()
# methods a check never calls: what only they use need not be importable
_TRAINING = ("train", "fit", "sgd", "update", "evaluate", "predict", "plot", "save",
             "load", "show", "visual", "accuracy", "test", "run", "main", "download")


def missing_names(cls: type) -> list[str]:
    """Globals a class's methods (not its training ones) use that its module lacks.

    Only for a module with star imports (``from ..layers import *``), where a missing
    name is what an import did not give; elsewhere a NameError is the code's own bug,
    reported as an error when the check runs.
    """
    import inspect

    module = sys.modules.get(cls.__module__)
    try:
        source = inspect.getsource(module) if module is not None else ""
    except (OSError, TypeError):
        source = ""
    if "import *" not in source:
        return []
    missing: list[str] = []
    for key, value in vars(cls).items():
        if key.lower().startswith(_TRAINING):
            continue
        if inspect.isfunction(value) or isinstance(value, staticmethod | classmethod):
            missing += [n for n in missing_globals(value) if n not in missing]
    return missing


def missing_reason(names: list[str]) -> str:
    """The skip reason for a definition that uses ``names``, which do not exist."""
    return (f"it uses {', '.join(names)}, which is not defined or could not be imported "
            "(run gradcheck from the directory your code is run from, or install what it "
            "imports)")


def _users_own(value: Any) -> bool:
    """Whether a function or class comes from the user's code (not a library's)."""
    top = (getattr(value, "__module__", None) or "builtins").split(".")[0]
    return top not in sys.stdlib_module_names and top not in (
        "numpy", "scipy", "gradcheck", "hypothesis", "nnfs", "torch", "matplotlib")


class Unavailable:
    """Stands for a name whose module-level definition failed; using it raises that error."""

    def __init__(self, name: str, error: BaseException, where: str) -> None:
        self._name = name
        self._error = error
        self._where = where

    @property
    def error(self) -> BaseException:
        """The exception the statement that should have defined the name raised."""
        return self._error

    def _raise(self) -> NoReturn:
        error = self._error
        text = f"{error} ({self._where} failed, so {self._name!r} is unavailable)"
        if isinstance(error, ModuleNotFoundError):
            raise ModuleNotFoundError(text, name=error.name)
        raise type(error)(text) if _simple(error) else RuntimeError(text)

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__") and attribute.endswith("__"):
            raise AttributeError(attribute)
        return self._raise()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:  # noqa: D102
        return self._raise()

    def __mro_entries__(self, bases: tuple[Any, ...]) -> tuple[type, ...]:
        return self._raise()

    def __repr__(self) -> str:
        return f"<unavailable {self._name}: {type(self._error).__name__}: {self._error}>"


def _simple(error: BaseException) -> bool:
    try:
        type(error)("x")
    except Exception:  # noqa: BLE001 - exception types with other signatures
        return False
    return True


@dataclass
class Executed:
    """What happened while running the kept statements."""

    notes: list[str] = field(default_factory=list)
    broken: list[tuple[str, BaseException]] = field(default_factory=list)


def execute(statements: Iterable[ast.stmt], namespace: dict[str, Any], filename: str,
            describe: Callable[[BaseException], str],
            where: Callable[[int], str]) -> Executed:
    """Run ``statements`` one at a time in ``namespace``; failures become notes.

    ``describe`` turns an exception into a one-line message (with the user's file and
    line); ``where(lineno)`` names a line of the target for the notes.
    SystemExit and KeyboardInterrupt propagate (the caller's guard reports them).
    """
    done = Executed()
    namespace.setdefault("__builtins__", builtins)
    for statement in statements:
        code = compile(ast.Module(body=[statement], type_ignores=[]), filename, "exec")
        try:
            exec(code, namespace)  # noqa: S102 - the user's own definitions
        except Exception as exc:  # noqa: BLE001 - reported, the other classes still run
            line = where(statement.lineno)
            if isinstance(statement, ast.ClassDef):
                done.broken.append((statement.name, exc))
                continue
            names = sorted(_bound(statement) - set(namespace) - {"*"})
            if _is_star_import(statement):
                done.notes.append(
                    f"the import at {line} failed ({describe(exc)}); the names it gives are "
                    "unavailable: what uses one is skipped, naming it"
                )
                continue
            for name in names:
                namespace[name] = Unavailable(name, exc, f"the statement at {line}")
            kind = "import" if isinstance(statement, ast.Import | ast.ImportFrom) else \
                "statement"
            done.notes.append(
                f"the {kind} at {line} failed ({describe(exc)}); "
                + (f"{', '.join(names)} unavailable: a class that uses it reports the error"
                   if names else "nothing it defines is used")
            )
    return done
