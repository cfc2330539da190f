"""Build chaingrad's teaching notebooks from their sources in ``notebooks/src/``.

A source is a plain Python file in the percent format, one per notebook
(``src/NN_name.py`` becomes ``NN_name.ipynb``): it runs top to bottom as a
script, ruff lints it, and this module turns it into a notebook::

    # %% [markdown]
    # # A title
    #
    # Markdown, every line behind "# " (a bare "#" for an empty line).

    # %%
    x = 1 + 1   # a code cell, up to the next marker

Nothing but blank lines may stand before the first marker; an empty line
inside a markdown cell is a bare "#", not a blank line. Blank lines around a
cell are dropped. A malformed source is refused with its file and line.

    python notebooks/build.py              # every notebook: build, run, save
    python notebooks/build.py 01 04        # only those whose names start so
    python notebooks/build.py --no-run     # write the cells without running them

Running executes every cell with nbclient in a fresh kernel on this very
interpreter (working directory ``notebooks/``), then saves the notebook with
its outputs, cleaned of execution counts, timings and object addresses, so
that a code host shows the drawings and plots. The tests import this module:
the notebook list, the parser, the kernel and the output checks live here only.

Every drawing (SVG) and page (HTML) output also gets a still: a PNG of what it
shows, taken in headless Chromium (Debian's ``chromium``, driven by Playwright
for Python; ``CHAINGRAD_CHROMIUM`` names another). JupyterLab shows SVG and
HTML outputs of a notebook only once it is trusted (run by its reader), and
code hosts drop scripts; a PNG is shown everywhere, untrusted. A step-through
page's still is taken at a reverse step: the one at which its highlighted
weight holds its whole gradient (else the middle of the reverse pass). An
untrusted JupyterLab still prefers the page's HTML to its PNG (it shows HTML
cleaned of iframes and scripts), so the page's HTML carries the still too, under
its iframe: where the iframe is dropped the still shows; where it runs, the
page covers it.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"

CODE, MARKDOWN = "# %%", "# %% [markdown]"
KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE = {"name": "python", "pygments_lexer": "ipython3"}
CELL_TIMEOUT = 120  # seconds, per cell

# Object addresses (``<... at 0x7f...>``) change on every run.
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]{6,}")
# What a still is taken of, and what it is: a PNG beside every drawing and page.
SHOWN = ("image/svg+xml", "text/html")
STILL = "image/png"
STILL_WIDTH = 1400  # pixels: a page's graph at its own size beside the panel (viewers scale it)
_SRCDOC = re.compile(r'^\s*<iframe srcdoc="([^"]*)"[^>]*height:(\d+)px')
# The reverse step a step-through's still shows (see the module docstring).
_STEP_JS = """() => {
  const d = cg.data, F = d.fsteps.length, B = d.bsteps.length;
  let j = d.bsteps.findIndex((s) => s.n === d.highlight);
  if (d.highlight === null || j < 0) j = Math.floor(B / 2);
  const slider = document.getElementById("cg-slider");
  slider.value = String(F + j + 1);
  slider.dispatchEvent(new Event("input"));
  const svg = document.getElementById("cg-svg"), panel = document.getElementById("cg-graph");
  if (svg.getBoundingClientRect().width > panel.clientWidth) {
    document.getElementById("cg-fit").click();  // the whole graph, scaled into its panel
  }
  return F + j + 1;
}"""
# Absolute paths of a machine, never to be committed in an output.
MACHINE_PATH = re.compile(r"(/work/|/tmp/|/home/|/root/|/Users/|/private/var/|[A-Za-z]:\\\\Users)")


def names() -> list[str]:
    """Every notebook, in order: the stems of ``src/*.py``, sorted."""
    return sorted(path.stem for path in SRC.glob("*.py"))


def parse(text: str, origin: str = "<source>") -> list[tuple[str, str]]:
    """The cells of a percent-format source as ``(cell_type, source)`` pairs.

    Blank lines around a cell are dropped; ``origin`` names the file in errors.

    >>> parse("# %% [markdown]\\n# # Hi\\n#\\n# there\\n\\n# %%\\nx = 1\\n")
    [('markdown', '# Hi\\n\\nthere'), ('code', 'x = 1')]
    """
    raw: list[tuple[str, int, list[str]]] = []  # (cell_type, marker's line number, lines)
    text = text.replace("\r\n", "\n")
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith(CODE):
            if line.rstrip() not in (CODE, MARKDOWN):
                raise ValueError(f"{origin}:{number}: unknown cell marker {line!r}; "
                                 f"write {CODE!r} or {MARKDOWN!r}")
            raw.append(("markdown" if line.rstrip() == MARKDOWN else "code", number, []))
        elif raw:
            raw[-1][2].append(line)
        elif line.strip():
            raise ValueError(f"{origin}:{number}: text before the first {CODE!r} marker")
    if not raw:
        raise ValueError(f"{origin}: no cells (start each cell with {CODE!r} or {MARKDOWN!r})")
    return [(cell_type, _cell_source(cell_type, marker, lines, origin))
            for cell_type, marker, lines in raw]


def _cell_source(cell_type: str, marker: int, lines: list[str], origin: str) -> str:
    """The text of one cell from the lines after its marker (on line ``marker``)."""
    numbered = [(marker + 1 + k, line) for k, line in enumerate(lines)]
    numbered = _strip_blank(numbered, lambda line: not line.strip())
    if cell_type == "markdown":
        numbered = [(n, _markdown_line(line, f"{origin}:{n}")) for n, line in numbered]
        numbered = _strip_blank(numbered, lambda line: not line)
    if not numbered:
        raise ValueError(f"{origin}:{marker}: empty {cell_type} cell")
    return "\n".join(line for _, line in numbered)


def _strip_blank(numbered: list[tuple[int, str]], blank) -> list[tuple[int, str]]:
    """``numbered`` without the blank lines at either end."""
    keep = [k for k, (_, line) in enumerate(numbered) if not blank(line)]
    return numbered[keep[0]:keep[-1] + 1] if keep else []


def _markdown_line(line: str, where: str) -> str:
    if line.rstrip() == "#":
        return ""
    if line.startswith("# "):
        return line[2:]
    if not line.strip():
        raise ValueError(f"{where}: blank line inside a markdown cell; write '#' for an "
                         f"empty line, or start the next cell with {CODE!r}")
    raise ValueError(f"{where}: a markdown line must start with '# ': {line!r} "
                     f"(code goes in a cell of its own, after {CODE!r})")


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` from ``src/name.py``, unexecuted, with stable cell ids."""
    path = SRC / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no notebook source {path}; known: {', '.join(names())}")
    nb = new_notebook(metadata={"kernelspec": dict(KERNEL), "language_info": dict(LANGUAGE)})
    for k, (cell_type, source) in enumerate(parse(path.read_text("utf-8"), str(path))):
        cell = new_code_cell(source) if cell_type == "code" else new_markdown_cell(source)
        cell.id = f"{name[:2]}-{k:02d}"
        nb.cells.append(cell)
    return nb


class ThisInterpreter(KernelManager):
    """A python3 kernel started with sys.executable, whatever kernel specs are installed."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file,
                *(extra_arguments or [])]


def execute(nb: nbformat.NotebookNode, timeout: int = CELL_TIMEOUT) -> float:
    """Run every cell in a fresh kernel on this interpreter, in notebooks/; returns seconds.

    Raises nbclient's CellExecutionError, naming the cell, when a cell fails.
    """
    start = time.perf_counter()
    NotebookClient(
        nb, timeout=timeout, kernel_name="python3", kernel_manager_class=ThisInterpreter,
        resources={"metadata": {"path": str(HERE)}},
    ).execute()
    return time.perf_counter() - start


def clean(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop execution counts, timings and object addresses; refuse errors and machine paths.

    Consecutive stream outputs are merged and carriage returns applied, so a
    progress bar is saved as its final line rather than as every refresh.
    """
    nb.metadata = {"kernelspec": dict(KERNEL), "language_info": dict(LANGUAGE)}
    for cell in nb.cells:
        cell.metadata = {k: v for k, v in cell.metadata.items() if k in ("tags",)}
        if cell.cell_type != "code":
            continue
        cell.execution_count = None
        cell.outputs = _merge_streams(cell.outputs)
        for out in cell.outputs:
            if "execution_count" in out:
                out.execution_count = None
            plain = out.get("data", {}).get("text/plain")
            if plain is not None:
                out.data["text/plain"] = ADDRESS.sub("", plain)
            problem = output_problem(out)
            if problem:
                raise RuntimeError(f"cell {cell.id}: {problem}")
    return nb


def output_problem(out: nbformat.NotebookNode) -> str | None:
    """What must not be committed in one output (an error, a count, a path, an address)."""
    if out.get("output_type") == "error":
        return f"error output {out.get('ename')}: {out.get('evalue')}"
    if out.get("execution_count") is not None:
        return "execution count in output"
    # as saved (a Windows path's backslashes come doubled); images are base64, not text
    text = json.dumps({**out, "data": {k: v for k, v in out.get("data", {}).items()
                                       if not k.startswith("image/png")}})
    found = MACHINE_PATH.search(text)
    if found:
        return f"machine path near {found.group()!r} in output"
    found = ADDRESS.search(text)
    if found:
        return f"object address {found.group().split()[-1]!r} in output"
    return None


def still_problem(out: nbformat.NotebookNode) -> str | None:
    """Why an output would look empty in an untrusted viewer (a drawing or page, no PNG)."""
    data = out.get("data", {})
    shown = [kind for kind in SHOWN if kind in data]
    if shown and STILL not in data:
        return (f"{' and '.join(shown)} output without a still ({STILL}): JupyterLab shows "
                "nothing for it until the notebook is trusted; rebuild with notebooks/build.py")
    return None


def chromium_path() -> str:
    """Debian's Chromium (or ``CHAINGRAD_CHROMIUM``): never a browser Playwright downloads."""
    return (os.environ.get("CHAINGRAD_CHROMIUM") or shutil.which("chromium")
            or "/usr/bin/chromium")


@contextmanager
def stills(browser: Any = None) -> Iterator[Any]:
    """A headless Chromium page for taking stills; refused at once, saying what is missing.

    ``browser``: a Playwright browser already running (the tests'), else one is started.
    """
    if browser is not None:
        page = _still_page(browser)
        try:
            yield page
        finally:
            page.close()
        return
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise SystemExit(f"build.py: the stills need Playwright for Python ({error}): "
                         f"{sys.executable} -m pip install -e '.[notebooks]'") from None
    path = chromium_path()
    if not Path(path).exists():
        raise SystemExit(f"build.py: the stills need Chromium, not found at {path}: "
                         "apt-get install chromium (make chromium), or set CHAINGRAD_CHROMIUM")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            yield _still_page(browser)
        finally:
            browser.close()


def _still_page(browser: Any) -> Any:
    page = browser.new_page(viewport={"width": STILL_WIDTH, "height": 600})
    page.route("**/*", lambda route: route.abort()
               if not route.request.url.startswith(("about:", "data:"))
               else route.continue_())  # a still fetches nothing
    return page


def add_stills(nb: nbformat.NotebookNode, page: Any) -> int:
    """Give every SVG or HTML output without one a PNG still; returns how many were taken."""
    taken = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if STILL in data or not any(kind in data for kind in SHOWN):
                continue
            png = _still(page, data)
            data[STILL] = base64.b64encode(png).decode("ascii")
            taken += 1
    return taken


def _still(page: Any, data: dict) -> bytes:
    """A PNG of one output as a browser shows it (a step-through: at a reverse step)."""
    framed = _SRCDOC.match(data.get("text/html", ""))
    if framed:  # a Page: its own document, at the iframe's height
        height = int(framed.group(2))
        page.set_viewport_size({"width": STILL_WIDTH, "height": height})
        page.set_content(html.unescape(framed.group(1)), wait_until="load")
        if page.evaluate("() => typeof cg !== 'undefined' && !!cg.data && !!cg.data.bsteps"):
            page.evaluate(_STEP_JS)
        # transitions finished at once: the same page gives the same bytes on every build
        png = page.screenshot(full_page=False, animations="disabled", caret="hide")
        data["text/html"] = framed_over_still(data["text/html"], png, height)
        return png
    body = data.get("image/svg+xml") or data["text/html"]
    page.set_viewport_size({"width": STILL_WIDTH, "height": 600})
    page.set_content("<!DOCTYPE html><html><body style='margin:0;background:#fff'>"
                     f"<div id='still' style='display:inline-block;padding:4px'>{body}</div>"
                     "</body></html>", wait_until="load")
    return page.locator("#still").screenshot(animations="disabled", caret="hide")


def framed_over_still(fragment: str, png: bytes, height: int) -> str:
    """A page's ``<iframe>`` laid over its still, in one HTML output.

    The still is an ``<img>`` in the flow; the iframe covers it exactly, on top and opaque.
    A viewer that removes iframes from untrusted HTML (JupyterLab, code hosts) keeps the
    image, whose data URI its sanitizer allows; a trusted one runs the page over it.
    """
    iframe = re.sub(r"height:\d+px", "height:100%", fragment, count=1).replace(
        'style="', 'style="position:absolute;top:0;left:0;z-index:1;background:#fff;'
        "box-sizing:border-box;", 1)
    source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (f'<div style="position:relative;min-height:{height}px;overflow:hidden">{iframe}'
            f'<img src="{source}" alt="a still of the page at one reverse step; run or trust '
            'the notebook to step through it" style="display:block;width:100%"></div>')


def _merge_streams(outputs: list) -> list:
    merged: list = []
    for out in outputs:
        if (out.get("output_type") == "stream" and merged
                and merged[-1].get("output_type") == "stream" and merged[-1].name == out.name):
            merged[-1].text += out.text
        else:
            merged.append(out)
    for out in merged:
        if out.get("output_type") == "stream":
            out.text = "\n".join(line.rsplit("\r", 1)[-1] for line in out.text.split("\n"))
    return merged


def _write(nb: nbformat.NotebookNode, path: Path) -> None:
    """Write ``path`` atomically: a failed write leaves the old notebook as it was."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        nbformat.write(nb, partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="name prefixes, e.g. 01 04 (default: all)")
    parser.add_argument("--no-run", action="store_true", help="write the cells only")
    args = parser.parse_args(argv)
    known = names()
    chosen = [n for n in known if not args.names or any(n.startswith(p) for p in args.names)]
    if not chosen:
        parser.error(f"no notebook matches {args.names}; known: {', '.join(known)}")
    notebooks = {name: build(name) for name in chosen}  # every source parses before any runs
    if args.no_run:
        for name, nb in notebooks.items():
            nbformat.validate(nb)
            _write(nb, HERE / f"{name}.ipynb")
            print(f"{name}.ipynb: {len(nb.cells)} cells")
        return 0
    with stills() as page:  # Chromium and Playwright checked before any notebook runs
        for name, nb in notebooks.items():
            took = execute(nb)
            taken = add_stills(nb, page)
            clean(nb)
            missing = [still_problem(o) for c in nb.cells for o in c.get("outputs", [])]
            if any(missing):  # pragma: no cover - add_stills gives every one its still
                raise RuntimeError(f"{name}: {next(m for m in missing if m)}")
            nbformat.validate(nb)
            _write(nb, HERE / f"{name}.ipynb")
            print(f"{name}.ipynb: {len(nb.cells)} cells, ran in {took:.1f} s, {taken} stills")
    return 0


if __name__ == "__main__":
    sys.exit(main())
