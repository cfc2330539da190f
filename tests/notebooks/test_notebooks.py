"""The teaching notebooks: their sources run, and the notebooks are committed clean, with outputs.

Each notebook is built from ``notebooks/src/NN_name.py`` by ``notebooks/build.py``;
these tests import that module, so the notebook list, the parser, the kernel and
the output checks are the ones the build uses.

* every source runs top to bottom as a plain script, and as a notebook in a
  fresh kernel running this very interpreter (working directory ``notebooks/``),
  showing the same kinds of output in every cell as the committed notebook
  (so a drawing's ``_repr_svg_`` or an explanation's ``_repr_latex_`` still
  renders);
* the committed ``.ipynb`` files are checked without running them: they have
  the cells of their source, outputs (at least one SVG drawing each, and output
  wherever a cell ends in an expression or prints), no error outputs, no
  execution counts, no machine paths or object addresses
  (regenerate with ``python notebooks/build.py NN``).
"""

from __future__ import annotations

import ast
import math
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from .nbbuild import build
from .step_outputs import STEP_THROUGH, committed_step_through

ROOT = Path(__file__).resolve().parents[2]
NB_DIR = ROOT / "notebooks"

NAMES = build.names()
# Calls that end a cell without displaying anything.
SILENT_CALLS = {"backward", "step", "zero_grad", "append", "update", "seed"}
# A step-through output (a whole page in an iframe) is at most this long: a
# notebook embeds a small graph's page, not an MLP's.
STEP_THROUGH_MAX_CHARS = 150_000


def _read(name: str) -> nbformat.NotebookNode:
    path = NB_DIR / f"{name}.ipynb"
    assert path.exists(), f"{path.name} is missing: run python notebooks/build.py {name[:2]}"
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


def _output_kinds(cell: nbformat.NotebookNode) -> list[tuple[str, ...]]:
    """What a code cell shows: each output's type and mimetypes (or stream name).

    A drawing's or page's still (a PNG the build adds beside SVG or HTML) is not counted:
    a run without the build's browser has none.
    """
    kinds = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        still = any(kind in data for kind in build.SHOWN)
        detail = (out.name,) if out.output_type == "stream" else tuple(
            sorted(k for k in data if not (still and k == build.STILL)))
        kinds.append((out.output_type, *detail))
    return kinds


def test_every_source_has_its_notebook_and_no_other():
    assert NAMES, f"no notebook sources in {build.SRC}"
    for name in NAMES:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+", name), f"{name}.py: name it NN_words.py"
    assert sorted(p.stem for p in NB_DIR.glob("*.ipynb")) == NAMES


def test_readme_lists_every_notebook():
    readme = (ROOT / "README.md").read_text("utf-8")
    listed = re.findall(r"\]\(notebooks/(\w+)\.ipynb\)", readme)
    assert listed == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_runs_as_a_plain_script(name, tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    script = build.SRC / f"{name}.py"
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, f"{script.name} failed as a script:\n{done.stderr[-3000:]}"
    assert list(tmp_path.iterdir()) == [], f"{script.name} left files behind"


@pytest.mark.parametrize("name", NAMES)
def test_runs_top_to_bottom_and_shows_what_is_committed(name):
    nb = build.build(name)
    build.execute(nb)  # raises CellExecutionError, naming the cell, on any error
    build.clean(nb)  # raises on an error output or a machine path
    committed = _read(name)
    for fresh, old in zip(nb.cells, committed.cells):
        assert _output_kinds(fresh) == _output_kinds(old), (
            f"{name}, cell {fresh.id} now shows {_output_kinds(fresh)}, "
            f"the committed notebook {_output_kinds(old)}:\n{fresh.source}")


@pytest.mark.parametrize("name", NAMES)
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
            problem = build.output_problem(out)
            assert problem is None, f"{where}: {problem}"
            if "image/svg+xml" in out.get("data", {}):
                svgs += 1
    assert svgs >= 1, f"{name}: no drawing (image/svg+xml output) committed"


@pytest.mark.parametrize("name", NAMES)
def test_every_drawing_and_page_committed_with_a_still(name):
    """JupyterLab, VS Code and code hosts show an untrusted notebook's PNGs, not its SVG or
    HTML: every such output carries a PNG of itself (notebooks/build.py takes them)."""
    for cell in _read(name).cells:
        for out in cell.get("outputs", []):
            problem = build.still_problem(out)
            assert problem is None, f"{name}, cell {cell.get('id')}: {problem}"


@pytest.mark.parametrize("name", NAMES)
def test_committed_cells_match_the_source(name):
    fresh = build.build(name)
    committed = _read(name)
    assert [(c.cell_type, c.id, c.source) for c in committed.cells] == [
        (c.cell_type, c.id, c.source) for c in fresh.cells
    ], f"{name}.ipynb is stale: run python notebooks/build.py {name[:2]}"
    assert committed.metadata == fresh.metadata


@pytest.mark.parametrize("name", STEP_THROUGH)
def test_step_through_committed_with_a_still(name):
    """00 and 01 embed a step-through, told how to use, and a still of it for code hosts."""
    c = committed_step_through(name)
    intro = " ".join(c.intro.split()).lower()
    for what in ("→", "←", "click a node", "hover an edge", "symbols"):
        assert what in intro, (
            f"{name}: the text before the step-through should say what to press: {what}")
    assert 'sandbox="allow-scripts"' in c.fragment
    page = re.sub(r'<img src="data:image/png;base64,[^"]*"', "<img", c.fragment)  # its still
    assert len(page) < STEP_THROUGH_MAX_CHARS, (
        f"{name}: the step-through output is {len(page):,} characters")
    caption = " ".join(cell.source for cell in c.between if cell.cell_type == "markdown")
    assert "live Jupyter" in caption and ".save(" in caption, (
        f"{name}: say under the step-through that it needs a live Jupyter or .save()")
    nodes, reverse = c.data["nodes"], c.data["bsteps"]
    assert c.data["highlight"] is not None, f"{name}: highlight a weight in the step-through"
    # The still is a moment of the same page: the reverse step that completes the
    # highlighted weight's gradient.
    assert c.steps == len(reverse) and 1 <= c.step <= c.steps
    at = reverse[c.step - 1]
    assert nodes[at["n"]]["n"] == c.node == nodes[c.data["highlight"]]["n"]
    assert math.isclose(at["g"], c.grad, rel_tol=5e-4)
