"""Draw docs/figures/notebook_view.png: what a notebook shows for a check of a real bug.

A notebook is built (a dense layer whose ``dbiases`` divides by the batch size, and
whose ``dweights`` forgets a ``.T`` that square weights hide, then a cell ending in
``check_layer(...)``), executed in a fresh kernel (nbclient, ipykernel), converted to
HTML by nbconvert with JupyterLab's template, and rendered to PNG by headless Chromium:
the cell's output is the report's own ``_repr_html_`` (the table, then the heatmaps of
the failing gradients). Run from the repository root::

    pip install -e '.[docs]'          # matplotlib, nbclient, ipykernel, nbconvert
    apt-get install chromium          # Debian's; any chromium or chrome on PATH works
    python docs/figures/make_notebook_view.py

It exits with status 1 and says what is missing when a tool is not installed. Kept out
of the test suite: it needs a browser.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "notebook_view.png"
WIDTH = 1000  # CSS pixels of the page; the picture is twice that (device scale 2)

CELLS = [
    "import numpy as np\n"
    "from gradcheck import check_layer",
    "class Layer_Dense:\n"
    "    def __init__(self, n_inputs, n_neurons):\n"
    "        rng = np.random.default_rng(1)\n"
    "        self.weights = 0.5 * rng.standard_normal((n_inputs, n_neurons))\n"
    "        self.biases = 0.5 * rng.standard_normal((1, n_neurons))\n"
    "\n"
    "    def forward(self, inputs):\n"
    "        self.inputs = inputs\n"
    "        self.output = np.dot(inputs, self.weights) + self.biases\n"
    "\n"
    "    def backward(self, dvalues):\n"
    "        self.dweights = np.dot(dvalues.T, self.inputs)  # should be inputs.T @ dvalues\n"
    "        self.dbiases = np.mean(dvalues, axis=0, keepdims=True)  # should be np.sum\n"
    "        self.dinputs = np.dot(dvalues, self.weights.T)",
    "x = np.random.default_rng(0).standard_normal((6, 4))\n"
    "check_layer(Layer_Dense(4, 4), x, raise_on_failure=False)",
]


def _missing() -> str | None:
    for module in ("nbformat", "nbclient", "ipykernel", "nbconvert", "matplotlib", "PIL"):
        try:
            __import__(module)
        except ImportError:
            return f"{module} is not installed: pip install -e '.[docs]'"
    if _browser() is None:
        return "no chromium on PATH: apt-get install chromium"
    return None


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def notebook_html(directory: Path) -> Path:
    """Execute the notebook and write it as HTML (JupyterLab's look) into ``directory``."""
    import nbclient
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3").execute(
        cwd=str(directory))
    shown = notebook.cells[-1].outputs[0]["data"]
    assert "<table>" in shown["text/html"] and "data:image/png;base64," in shown["text/html"]
    page, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    # a narrower page than a desktop browser's, so that the picture is readable in the README
    page = page.replace("</head>", f"<style>body {{ max-width: {WIDTH}px; }}</style></head>")
    path = directory / "view.html"
    path.write_text(page, encoding="utf-8")
    return path


def screenshot(page: Path, out: Path, directory: Path) -> None:
    """Render ``page`` with headless Chromium, then crop the empty space below it."""
    from PIL import Image, ImageChops

    raw = directory / "raw.png"
    subprocess.run(
        [_browser(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={directory / 'profile'}", "--hide-scrollbars",
         "--force-device-scale-factor=2", f"--window-size={WIDTH},3000",
         f"--screenshot={raw}", page.as_uri()],
        check=True, capture_output=True, timeout=120)
    image = Image.open(raw).convert("RGB")
    background = Image.new("RGB", image.size, image.getpixel((image.width - 1,
                                                                 image.height - 1)))
    box = ImageChops.difference(image, background).getbbox()
    assert box is not None, "the page rendered empty"
    margin = 24
    cropped = image.crop((0, 0, image.width, min(image.height, box[3] + margin)))
    cropped.quantize(colors=256).save(out, optimize=True)  # a third of the size, same look


def main() -> int:
    problem = _missing()
    if problem:
        print(f"make_notebook_view.py: {problem}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        screenshot(notebook_html(directory), OUT, directory)
    print(OUT)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
