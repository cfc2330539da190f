"""The step-throughs committed in notebooks 00 and 01, run in a browser as Jupyter shows them.

The committed ``text/html`` output (an ``<iframe srcdoc>``) is put in a page of its
own, as a notebook frontend puts it in the notebook: it must load with no request
and no console error, step with the arrow keys once clicked, and at the step its
still (the SVG beside it) shows, show the same node and gradient as the still.
"""

from __future__ import annotations

import math

import pytest

from tests.notebooks.step_outputs import STEP_THROUGH, committed_step_through


@pytest.mark.parametrize("name", STEP_THROUGH)
def test_committed_step_through_runs_and_matches_its_still(name, tmp_path, open_page):
    c = committed_step_through(name)
    notebook = tmp_path / f"{name}.html"
    notebook.write_text("<!DOCTYPE html><html><body><div style=\"width:1000px\">"
                        + c.fragment + "</div></body></html>", encoding="utf-8")
    opened = open_page(notebook)
    pg = opened.page
    frames = [fr for fr in pg.frames if fr != pg.main_frame]
    assert len(frames) == 1
    page = frames[0]
    page.wait_for_selector("#cg-svg")
    assert page.locator("#cg-status").inner_text().startswith("start")
    page.click("#cg-graph", position={"x": 4, "y": 4})  # focus: the keys go to the page
    for _ in range(len(c.data["fsteps"]) + c.step):
        page.press("body", "ArrowRight")
    assert page.locator("#cg-status").inner_text() == f"reverse {c.step} of {c.steps}"
    box = page.locator("#cg-step")
    node = c.data["nodes"][int(box.get_attribute("data-node"))]
    assert node["n"] == c.node
    assert math.isclose(float(box.get_attribute("data-grad")), c.grad, rel_tol=5e-4)
    page.press("body", "ArrowLeft")
    forward = len(c.data["fsteps"])
    back = f"reverse {c.step - 1} of {c.steps}" if c.step > 1 else f"forward {forward} of {forward}"
    assert page.locator("#cg-status").inner_text() == back
    opened.check_clean()
