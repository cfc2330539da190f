"""The teaching notebooks: they run top to bottom, and they are committed clean, with outputs.

Two kinds of test:

* every notebook is executed, top to bottom, in a fresh kernel running this
  very interpreter (working directory ``notebooks/``); any error fails;
* the committed ``.ipynb`` files are checked without running them: they hold
  outputs (at least one SVG drawing each, and output wherever a cell ends in
  an expression or prints), no error outputs, no execution counts, no machine
  paths or object addresses, and the same cells as ``notebooks/_cells``
  (regenerate with ``python notebooks/_build.py``).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"
EXPECTED = [
    "00_start_here",
    "01_linear_chain",
    "02_nonlinear_chain",
    "03_matrix_derivatives",
    "04_full_backprop",
    "05_minibatch_update",
    "06_softmax_cross_entropy",
    "07_weight_decay",
    "08_training",
]
CELL_TIMEOUT = 120  # seconds, per cell

MACHINE_PATH = re.compile(r"(/work/|/tmp/|/home/|/root/|/Users/|/private/var/|[A-Za-z]:\\\\Users)")
ADDRESS = re.compile(r" at 0x[0-9a-fA-F]{6,}")
# Calls that end a cell without displaying anything.
SILENT_CALLS = {"backward", "step", "zero_grad", "append", "update", "seed"}


class ThisInterpreter(KernelManager):
    """A python3 kernel started with sys.executable, whatever kernel specs are installed."""

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        return [sys.executable, "-m", "ipykernel_launcher", "-f", self.connection_file,
                *(extra_arguments or [])]


def _read(name: str) -> nbformat.NotebookNode:
    path = NB_DIR / f"{name}.ipynb"
    assert path.exists(), f"{path.name} is missing: run python notebooks/_build.py"
    return nbformat.read(path, as_version=4)


def _should_output(source: str) -> bool:
    """True when a cell prints, or ends in an expression that displays something."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id in ("print", "display"):
                return True
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        return False
    value = tree.body[-1].value
    if isinstance(value, ast.Call):
        func = value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return name not in SILENT_CALLS
    return True


def test_every_notebook_is_there():
    present = sorted(p.stem for p in NB_DIR.glob("*.ipynb"))
    assert present == EXPECTED


@pytest.mark.parametrize("name", EXPECTED)
def test_runs_top_to_bottom(name):
    nb = _read(name)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        kernel_manager_class=ThisInterpreter,
        resources={"metadata": {"path": str(NB_DIR)}},
    )
    client.execute()  # raises CellExecutionError, naming the cell, on any error
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_with_clean_outputs(name):
    nb = _read(name)
    nbformat.validate(nb)
    svgs = 0
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        where = f"{name}, cell {cell.get('id')}"
        assert cell.execution_count is None, f"{where}: execution count left in"
        assert "execution" not in cell.metadata, f"{where}: timing metadata left in"
        if _should_output(cell.source):
            assert cell.outputs, f"{where} should show output but has none:\n{cell.source}"
        for out in cell.outputs:
            assert out.output_type != "error", f"{where}: error output {out.get('ename')}"
            assert out.get("execution_count") is None, f"{where}: execution count in output"
            text = nbformat.writes(nbformat.from_dict({"o": out}))
            found = MACHINE_PATH.search(text)
            assert not found, f"{where}: machine path {found.group()!r} in output"
            assert not ADDRESS.search(text), f"{where}: object address in output"
            if "image/svg+xml" in out.get("data", {}):
                svgs += 1
    assert svgs >= 1, f"{name}: no drawing (image/svg+xml output) committed"


@pytest.mark.parametrize("name", EXPECTED)
def test_committed_cells_match_the_cell_lists(name):
    sys.path.insert(0, str(NB_DIR))
    try:
        from _build import build  # notebooks/_build.py
    finally:
        sys.path.remove(str(NB_DIR))
    fresh = build(name)
    committed = _read(name)
    assert [(c.cell_type, c.source) for c in committed.cells] == [
        (c.cell_type, c.source) for c in fresh.cells
    ], f"{name}.ipynb is stale: run python notebooks/_build.py {name[:2]}"
