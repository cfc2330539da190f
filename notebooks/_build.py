"""Write, run and clean chaingrad's teaching notebooks.

Every notebook is a list of cells in the ``nb*`` modules next to this file;
this script turns the lists into ``.ipynb`` files, runs them top to bottom
with nbclient (kernel ``python3``, working directory ``notebooks/``), and
saves them with their outputs, cleaned of execution counts, timings and
machine paths, so that a code host shows the drawings and plots.

    python notebooks/_build.py              # every notebook: write, run, save
    python notebooks/_build.py 01 04        # only those whose names start so
    python notebooks/_build.py --no-run     # write the cells without running them

Edit the cell lists, never the ``.ipynb`` files: they are regenerated.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import nbformat
from nbformat.v4 import new_notebook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _cells import NOTEBOOKS  # noqa: E402  (the cell lists live next to this file)

KERNEL = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE = {"name": "python", "pygments_lexer": "ipython3"}

# Object addresses (``<... at 0x7f...>``) change on every run.
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
# Absolute paths that must never be committed in an output.
MACHINE_PATH = re.compile(r"(/work/|/tmp/|/home/|/root/|/Users/|[A-Za-z]:\\\\Users)")


def build(name: str) -> nbformat.NotebookNode:
    """The notebook ``name`` as nbformat cells, with stable cell ids."""
    nb = new_notebook(metadata={"kernelspec": dict(KERNEL), "language_info": dict(LANGUAGE)})
    nb.cells = NOTEBOOKS[name]()
    for k, cell in enumerate(nb.cells):
        cell.id = f"{name[:2]}-{k:02d}"
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 120) -> float:
    """Run every cell in a fresh kernel on this interpreter, in notebooks/; returns seconds."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    class ThisInterpreter(KernelManager):
        def format_kernel_cmd(self, extra_arguments=None):
            return [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file,
                    *(extra_arguments or [])]

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
            if out.get("output_type") == "error":
                raise RuntimeError(f"cell {cell.id} raised {out.ename}: {out.evalue}")
            plain = out.get("data", {}).get("text/plain")
            if plain is not None:
                out.data["text/plain"] = ADDRESS.sub("", plain)
            text = nbformat.writes(nbformat.from_dict({"o": out}))
            found = MACHINE_PATH.search(text)
            if found:
                raise RuntimeError(f"cell {cell.id} prints a machine path near {found.group()!r}")
    return nb


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="name prefixes, e.g. 01 04 (default: all)")
    parser.add_argument("--no-run", action="store_true", help="write the cells only")
    args = parser.parse_args(argv)
    names = [n for n in NOTEBOOKS if not args.names or any(n.startswith(p) for p in args.names)]
    if not names:
        parser.error(f"no notebook matches {args.names}; known: {', '.join(NOTEBOOKS)}")
    for name in names:
        nb = build(name)
        took = 0.0
        if not args.no_run:
            took = execute(nb)
            clean(nb)
        nbformat.validate(nb)
        nbformat.write(nb, HERE / f"{name}.ipynb")
        ran = "" if args.no_run else f", ran in {took:.1f} s"
        print(f"{name}.ipynb: {len(nb.cells)} cells{ran}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
