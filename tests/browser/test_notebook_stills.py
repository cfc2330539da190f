"""notebooks/build.py gives every drawing and page output a PNG still, taken in Chromium.

JupyterLab shows an untrusted notebook's SVG and HTML outputs as nothing; a PNG beside
them is shown. These tests take stills of fresh outputs as the build does, in the suite's
Chromium (the build starts its own: ``build.stills()``).
"""

from __future__ import annotations

import base64
import re
import struct

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from autograd import Value, draw, step_through
from tests.notebooks.nbbuild import build

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _size(png: bytes) -> tuple[int, int]:
    assert png.startswith(PNG_SIGNATURE)
    return struct.unpack(">II", png[16:24])  # IHDR: width, height


def _chain() -> tuple[Value, Value]:
    w = Value(-1.5, label="w")
    x = Value(0.5, label="x")
    b = Value(0.25, label="b")
    p = w * x + b
    p.label = "p"
    q = p.tanh()
    q.label = "q"
    return q, w


def _notebook(*datas: dict) -> nbformat.NotebookNode:
    outputs = [new_output("display_data", data=data) for data in datas]
    cell = new_code_cell("x")
    cell.outputs = outputs
    return new_notebook(cells=[cell])


def test_every_drawing_and_page_gets_a_still_at_a_reverse_step(browser):
    q, w = _chain()
    svg = draw(q).pipe(format="svg").decode("utf-8")
    page = step_through(q, highlight=w)
    plot = base64.b64encode(PNG_SIGNATURE + b"\0\0\0\rIHDR" + struct.pack(">II", 3, 2)).decode()
    nb = _notebook(
        {"image/svg+xml": svg, "text/plain": "<Digraph>"},
        {"text/html": page._repr_html_(), "text/plain": repr(page)},
        {"image/png": plot, "text/plain": "<Figure>"},  # a plot: kept as it is
        {"text/plain": "3.0"},
    )
    with build.stills(browser) as browser_page:
        assert build.add_stills(nb, browser_page) == 2
        # the browser page is left at the step-through's still: the reverse step at
        # which the highlighted weight w holds its whole gradient
        data = page.data
        j = [s["n"] for s in data["bsteps"]].index(data["highlight"])
        at = browser_page.evaluate("() => Number(document.getElementById('cg-slider').value)")
        assert at == len(data["fsteps"]) + j + 1
        shown = " ".join(browser_page.inner_text("body").split())
        steps = len(data["bsteps"])
        assert f"reverse {j + 1} of {steps}" in shown
        assert "w now holds its whole gradient" in shown
    drawing, framed, kept, text = nb.cells[0].outputs
    assert kept.data["image/png"] == plot and "image/png" not in text.data
    width, height = _size(base64.b64decode(drawing.data["image/png"]))
    points = float(svg.split('width="', 1)[1].split("pt", 1)[0])
    assert abs(width - (points * 4 / 3 + 8)) <= 3 and height > 50  # 8: the still's padding
    width, height = _size(base64.b64decode(framed.data["image/png"]))
    assert (width, height) == (build.STILL_WIDTH, page.height)
    nbformat.validate(nb)
    assert all(build.still_problem(out) is None for out in nb.cells[0].outputs)
    assert framed.data["image/png"] in framed.data["text/html"]  # the page's HTML has it too


def _shown(browser, body: str) -> tuple[dict, dict, str]:
    """Where the still and the iframe land in a 900 px wide output, and what is on top."""
    tab = browser.new_page(viewport={"width": 900, "height": 900})
    try:
        tab.set_content(f"<div style='width:900px'>{body}</div>", wait_until="load")
        return tab.evaluate("""() => {
            const box = (s) => { const e = document.querySelector(s);
                return e ? e.getBoundingClientRect().toJSON() : null; };
            const img = box("img");
            const top = document.elementFromPoint(img.x + img.width / 2, img.y + img.height / 2);
            return [img, box("iframe"), top.tagName];
        }""")
    finally:
        tab.close()


def test_the_page_covers_its_still_and_a_viewer_without_iframes_shows_it(browser):
    q, w = _chain()
    page = step_through(q, highlight=w)
    nb = _notebook({"text/html": page._repr_html_(), "text/plain": repr(page)})
    with build.stills(browser) as browser_page:
        build.add_stills(nb, browser_page)
        fragment = nb.cells[0].outputs[0].data["text/html"]
        # trusted: the live page on top, as tall as it asks to be, the still under it
        img, frame, top = _shown(browser, fragment)
        assert top == "IFRAME" and frame["height"] == page.height
        assert frame["width"] >= img["width"] and frame["height"] >= img["height"]
        # untrusted JupyterLab and code hosts drop the iframe (and its scripts): the still
        cleaned = re.sub(r"<iframe .*?</iframe>", "", fragment, flags=re.S)
        img, frame, top = _shown(browser, cleaned)
    assert frame is None and top == "IMG"
    assert img["width"] == 900
    assert abs(img["height"] - page.height * 900 / build.STILL_WIDTH) < 1


def test_an_output_without_its_still_is_named():
    out = new_output("display_data", data={"image/svg+xml": "<svg/>", "text/plain": "x"})
    assert "image/svg+xml output without a still (image/png)" in build.still_problem(out)
    out = new_output("display_data", data={"text/html": "<b>x</b>", "text/plain": "x"})
    assert "text/html output without a still" in build.still_problem(out)
