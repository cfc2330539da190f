"""The step-through a committed notebook embeds, and the static still kept beside it.

A code host's notebook viewer (GitHub, nbviewer) drops the step-through's
iframe and script, so notebooks 00 and 01 follow it with a drawing of one of
its steps. ``committed_step_through(name)`` reads both out of the committed
``.ipynb``, for the notebook tests and for the browser tests.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

NB_DIR = Path(__file__).resolve().parents[2] / "notebooks"
# The notebooks that embed an interactive step-through.
STEP_THROUGH = ("00_start_here", "01_linear_chain")
# Cells after the step-through's in which its still must appear (the caption
# may stand between them as a markdown cell).
STILL_WITHIN = 2

_SRCDOC = re.compile(r'<iframe srcdoc="([^"]*)"')  # over its still (notebooks/build.py)
_DATA = re.compile(r'<script type="application/json" id="cg-data">(.*?)</script>', re.S)
_CAPTION = re.compile(r"reverse pass: after step (\d+) of (\d+): "
                      r"(\S+) holds its whole grad ([^<\s]+)<")


@dataclass
class Committed:
    """One notebook's step-through output and its still, as committed."""

    name: str
    fragment: str  # the text/html output: an <iframe srcdoc="...">
    page: str  # the page inside the iframe (the srcdoc, unescaped)
    data: dict[str, Any]  # what the page embeds (cg-data)
    still: str  # the image/svg+xml output that follows it
    intro: str  # the markdown cell before the step-through's cell
    between: list[nbformat.NotebookNode]  # the cells from the step-through's to the still's
    step: int  # the reverse step the still shows ...
    steps: int  # ... of this many
    node: str  # the node that holds its whole grad at that step
    grad: float  # that grad, as the caption prints it


def _html_outputs(cell: nbformat.NotebookNode) -> list[str]:
    return [out.data["text/html"] for out in cell.get("outputs", [])
            if "text/html" in out.get("data", {}) and _SRCDOC.search(out.data["text/html"])]


def _svg_outputs(cell: nbformat.NotebookNode) -> list[str]:
    return [out.data["image/svg+xml"] for out in cell.get("outputs", [])
            if "image/svg+xml" in out.get("data", {})]


def committed_step_through(name: str) -> Committed:
    """The first step-through in ``notebooks/name.ipynb`` and the still after it (asserted)."""
    nb = nbformat.read(NB_DIR / f"{name}.ipynb", as_version=4)
    found = [(k, fragment) for k, cell in enumerate(nb.cells) for fragment in _html_outputs(cell)]
    assert found, f"{name}: no step-through output (iframe srcdoc)"
    k, fragment = found[0]
    page = html.unescape(_SRCDOC.search(fragment).group(1))
    data = json.loads(_DATA.search(page).group(1))
    after = nb.cells[k + 1:k + 1 + STILL_WITHIN]
    stills = [(j, svg) for j, cell in enumerate(after) for svg in _svg_outputs(cell)]
    assert stills, (f"{name}: no static drawing (image/svg+xml) within {STILL_WITHIN} cells "
                    f"after the step-through, for viewers that drop scripts")
    j, still = stills[0]
    caption = _CAPTION.search(still)
    assert caption, f"{name}: the still after the step-through is not a draw(..., step=k)"
    step, steps, node, grad = caption.groups()
    intro = nb.cells[k - 1].source if k and nb.cells[k - 1].cell_type == "markdown" else ""
    return Committed(name, fragment, page, data, still, intro, nb.cells[k:k + 2 + j], int(step),
                     int(steps), node, float(html.unescape(grad)))
