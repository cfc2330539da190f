"""The cell lists of the teaching notebooks, one module per notebook.

Each module defines ``cells()``, a list of ``md(...)`` and ``code(...)``
cells; ``_build.py`` turns them into ``.ipynb`` files and runs them.
"""

from __future__ import annotations

import importlib
import textwrap
from collections.abc import Callable

from nbformat.v4 import new_code_cell, new_markdown_cell


def md(text: str):
    """A markdown cell (the text is dedented and stripped)."""
    return new_markdown_cell(textwrap.dedent(text).strip())


def code(text: str):
    """A code cell (the text is dedented and stripped)."""
    return new_code_cell(textwrap.dedent(text).strip())


NAMES = [
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

# name -> the function that returns that notebook's cells (module ``nb<name>``)
NOTEBOOKS: dict[str, Callable[[], list]] = {
    name: importlib.import_module(f"{__name__}.nb{name}").cells for name in NAMES
}
