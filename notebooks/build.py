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
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

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
    text = json.dumps(out)  # as saved: a Windows path's backslashes come doubled
    found = MACHINE_PATH.search(text)
    if found:
        return f"machine path near {found.group()!r} in output"
    found = ADDRESS.search(text)
    if found:
        return f"object address {found.group().split()[-1]!r} in output"
    return None


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
    for name, nb in notebooks.items():
        took = 0.0
        if not args.no_run:
            took = execute(nb)
            clean(nb)
        nbformat.validate(nb)
        _write(nb, HERE / f"{name}.ipynb")
        ran = "" if args.no_run else f", ran in {took:.1f} s"
        print(f"{name}.ipynb: {len(nb.cells)} cells{ran}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
