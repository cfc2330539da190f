"""A page you can read, in a real browser: no text drawn under 10 px at Fit, the current node
kept in view at every step, pan and zoom by wheel, keys, buttons and drag, as wide as its pane
(a Jupyter output 508 px wide), and hostile labels stay text in the editor and the quiz."""

from __future__ import annotations

import pytest

from autograd import Value, forward_order, step_through
from nn import MLP, mse

SMALLEST_TEXT = """() => {
  var svg = document.getElementById('cg-svg'), k = svg.getScreenCTM().a, small = [];
  svg.querySelectorAll('text').forEach(function (t) {
    if (t.getClientRects().length === 0 || getComputedStyle(t).display === 'none') return;
    var px = parseFloat(getComputedStyle(t).fontSize) * k;
    if (px < 9.99) small.push([t.textContent, px]);
  });
  return small;
}"""

IN_VIEW = """() => {
  var c = window.chaingrad.current(), k = window.chaingrad.labels().indexOf(c.label);
  var box = document.getElementById('v' + k) || document.querySelector('g.cg-neuron.cg-active');
  if (!box) return true;
  var r = box.getBoundingClientRect();
  var p = document.getElementById('cg-graph').getBoundingClientRect();
  return r.left >= p.left - 1 && r.right <= p.right + 1 && r.top >= p.top - 1
    && r.bottom <= p.bottom + 1;
}"""


@pytest.fixture(scope="module")
def mlp_tour_page(tmp_path_factory):
    model = MLP(2, [3, 1], seed=1)
    C = mse(model.trace([0.5, -1.0]).output, 1.0)
    path = tmp_path_factory.mktemp("view") / "mlp.html"
    step_through(C, collapse=False).save(path)
    return C, path


@pytest.mark.parametrize("size", [(1400, 900), (800, 600)])
def test_fit_keeps_text_readable_and_the_step_in_view(mlp_tour_page, size, open_page):
    C, path = mlp_tour_page
    opened = open_page(path, *size)
    pg = opened.page
    assert pg.evaluate("document.documentElement.scrollWidth") <= size[0]
    assert pg.evaluate(SMALLEST_TEXT) == []
    for k in range(pg.evaluate("window.chaingrad.steps()") + 1):
        pg.evaluate(f"() => window.chaingrad.step({k})")
        assert pg.evaluate(IN_VIEW), k
        assert pg.evaluate(SMALLEST_TEXT) == [], k
    opened.check_clean()


def test_pan_and_zoom(mlp_tour_page, open_page):
    _, path = mlp_tour_page
    opened = open_page(path, 800, 600)
    pg = opened.page
    scale = pg.evaluate("() => window.chaingrad.view().scale")
    pg.click("#cg-zoom-in")
    assert pg.evaluate("() => window.chaingrad.view().scale") == pytest.approx(scale * 1.25)
    pg.locator("body").focus()
    pg.keyboard.press("-")
    assert pg.evaluate("() => window.chaingrad.view().scale") == pytest.approx(scale)
    pg.keyboard.press("+")
    pg.mouse.move(300, 400)
    pg.mouse.wheel(0, 400)  # wheel down: zoom out around the pointer
    assert pg.evaluate("() => window.chaingrad.view().scale") < scale
    pg.click("#cg-actual")
    assert pg.evaluate("() => window.chaingrad.view().scale") == 1
    before = pg.evaluate("() => window.chaingrad.view()")
    box = pg.locator("#cg-graph").bounding_box()
    pg.mouse.move(box["x"] + box["width"] - 5, box["y"] + 40)  # an empty spot: drag pans
    pg.mouse.down()
    pg.mouse.move(box["x"] + box["width"] - 205, box["y"] + 40, steps=4)
    pg.mouse.up()
    view = pg.evaluate("() => window.chaingrad.view()")
    assert view["x"] == pytest.approx(before["x"] + 200, abs=2)
    pg.keyboard.press("Shift+ArrowLeft")  # pans, does not step
    assert pg.evaluate("() => window.chaingrad.current()")["phase"] == "start"
    view = pg.evaluate("() => window.chaingrad.view()")
    assert view["x"] == pytest.approx(before["x"] + 120, abs=2)
    pg.keyboard.press("0")
    assert pg.evaluate("() => window.chaingrad.view().scale") == pytest.approx(scale)
    opened.check_clean()


def test_inline_in_a_narrow_notebook_pane(mlp_tour_page, tmp_path, open_page):
    C, _ = mlp_tour_page
    notebook = tmp_path / "nb.html"
    notebook.write_text("<!DOCTYPE html><html><body style='margin:0'><div style='width:508px'>"
                        + step_through(C)._repr_html_() + "</div></body></html>")
    opened = open_page(notebook, 1000, 800)
    frame = opened.page.frames[1]
    frame.wait_for_load_state("load")
    assert frame.evaluate("window.innerWidth") <= 508
    width = frame.evaluate("window.innerWidth")
    assert frame.evaluate("document.documentElement.scrollWidth") <= width
    opened.requests.clear()  # the srcdoc frame is not a request; the notebook file is
    assert opened.errors == []


def test_hostile_labels_in_the_editor_and_the_quiz(tmp_path, open_page):
    x = Value(0.5, label="<script>alert(1)</script>")
    w = Value(2.0, label='"><img src=x onerror=alert(2)>')
    C = (x * w).tanh() + x
    path = step_through(C, quiz=True).save(tmp_path / "hostile.html")
    opened = open_page(path)
    pg = opened.page
    index = {n: k for k, n in enumerate(forward_order(C))}
    pg.click(f"#v{index[w]}")
    assert "Change \"><img src=x onerror=alert(2)>" in pg.locator("#cg-edit").inner_text()
    assert pg.evaluate("([k]) => window.chaingrad.set(k, -1.5).ok", [w.label])
    assert pg.evaluate("([k]) => window.chaingrad.grad(k)", [x.label]) == pytest.approx(
        -1.5 * (1 - __import__("math").tanh(-0.75) ** 2) + 1, rel=1e-12)
    F = pg.evaluate("cg.data.fsteps.length")
    for k in range(1, pg.evaluate("cg.data.bsteps.length") + 1):
        pg.evaluate(f"() => window.chaingrad.step({F + k})")
        result = pg.evaluate("() => window.chaingrad.answer(12345)")
        assert result["mistake"] == "unknown"
    assert "<script>alert(1)</script>" in pg.locator("#cg-step").inner_text()
    assert pg.locator("img").count() == 0 and pg.locator("#cg-step script").count() == 0
    opened.check_clean()
