"""Read a Jupyter notebook (``.ipynb``) as one Python source: its code cells, in order.

IPython syntax is not Python: line magics (``%matplotlib inline``), shell lines
(``!pip install nnfs``, ``files = !ls``) become comments, and cells run by another
language (``%%bash``, ``%%html``) are left out; ``%%time``-style cell magics keep their
Python body. Line numbers map back to "cell N, line M" for messages. Only the standard
library's ``json`` is used (nbformat is not a dependency).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from gradcheck.errors import NotebookError  # re-exported (transitional)

__all__ = ["Notebook", "NotebookError", "read_notebook"]

_PYTHON_CELL_MAGICS = {"time", "timeit", "capture", "prun"}


@dataclass
class Notebook:
    """A notebook's code as one source, and where each line came from."""

    source: str
    lines: list[tuple[int, int]]  # per source line (1-based index - 1): (cell, line)

    def where(self, lineno: int) -> str:
        """``cell 3, line 2`` for a line of :attr:`source` (1-based)."""
        if 1 <= lineno <= len(self.lines):
            cell, line = self.lines[lineno - 1]
            return f"cell {cell}, line {line}"
        return f"line {lineno}"


def read_notebook(path: Path) -> Notebook:
    """The code cells of the notebook at ``path``, IPython syntax commented out.

    Parameters
    ----------
    path : Path
        An ``.ipynb`` file (nbformat 4; code cells' ``source`` as a string or a list).

    Returns
    -------
    Notebook

    Raises
    ------
    NotebookError
        The file is not JSON or has no ``cells`` list.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NotebookError(f"{path} is not a readable notebook: {exc}") from None
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise NotebookError(f"{path} is not a notebook (no 'cells' list)")
    out: list[str] = []
    where: list[tuple[int, int]] = []
    number = 0
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        text = cell.get("source", "")
        text = "".join(text) if isinstance(text, list) else str(text)
        lines = text.splitlines()
        if lines and lines[0].lstrip().startswith("%%"):
            magic = lines[0].lstrip()[2:].split(maxsplit=1)
            if not magic or magic[0] not in _PYTHON_CELL_MAGICS:
                continue
            lines[0] = "# " + lines[0]
        for i, line in enumerate(lines, 1):
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")) or _is_shell_assignment(stripped):
                line = line[: len(line) - len(stripped)] + "pass  # " + stripped
            out.append(line)
            where.append((number, i))
        out.append("")
        where.append((number, len(lines) + 1))
    return Notebook("\n".join(out) + "\n", where)


def _is_shell_assignment(line: str) -> bool:
    """``files = !ls`` and ``x = %timeit ...``."""
    head, sep, tail = line.partition("=")
    return bool(sep) and head.strip().isidentifier() and tail.lstrip().startswith(("!", "%"))
