"""The training page in a real browser: every number a step shows, read back from the page
and compared with what Python computes again for that step (a fresh model with the step's
weights: its batch loss, accuracy, each sample's δ and q, the terms, their sum, the grads).

So a slip in the page's own arithmetic (an offset, a sum that skips a sample or adds the
penalty twice, a class counted in the wrong cell) fails here, not only a slip in Python.
"""

from __future__ import annotations

import base64
import math
import struct

import pytest

from autograd import sum as vsum
from autograd.see.trace import number
from nn import MLP, digits, fit, hinge, l2_penalty, moons
from nn.plot import CLASS_COLOURS, CLASS_MARKERS, class_style

READ_BREAKDOWN = """() => {
  const box = document.querySelector('#r-detail .breakdown');
  const pair = (n) => [n.dataset.value, n.textContent];
  const v = (sel) => { const n = box.querySelector('.num.' + sel); return n ? pair(n) : null; };
  return {param: Number(box.dataset.param), sum: box.dataset.sum, grad: box.dataset.grad,
    zeros: Number(box.dataset.zeros),
    w: v('w'), g: v('grad'), s: v('sum'), penalty: v('penalty'), total: v('total'),
    rows: [...box.querySelectorAll('tr.term')].map(r => ({sample: Number(r.dataset.sample),
      term: r.dataset.term, cells: [...r.querySelectorAll('.num')].map(pair)}))};
}"""
PIXEL_OF_SAMPLE = """(k) => {
  const cv = document.getElementById('r-boundary'), b = cg.data.grid.box, x = cg.data.X[k];
  const dpr = cv.width / 340, pw = 340 - 44 - 8, ph = 340 - 8 - 30;
  const px = (44 + (x[0] - b[0]) / (b[1] - b[0]) * pw) * dpr;
  const py = (8 + ph - (x[1] - b[2]) / (b[3] - b[2]) * ph) * dpr;
  const ctx = cv.getContext('2d');
  return Array.from(ctx.getImageData(Math.round(px), Math.round(py), 1, 1).data).slice(0, 3);
}"""
CONFUSION = """[...document.querySelectorAll('#r-confusion td')].map(td =>
  [Number(td.dataset.true), Number(td.dataset.predicted), Number(td.textContent)])"""
FIRST_DIGIT = """() => {
  const cv = document.querySelector('#r-classes canvas.digit');
  const px = cv.getContext('2d').getImageData(0, 0, 8, 8).data;
  return Array.from(px).filter((_, k) => k % 4 === 0);
}"""


def doubles(b64: str) -> tuple[float, ...]:
    raw = base64.b64decode(b64)
    return struct.unpack(f"<{len(raw) // 8}d", raw)


class Step:
    """One kept step computed again in Python: a fresh MLP with the step's weights."""

    def __init__(self, data: dict, snap: dict, X: list, y: list, loss_fn, l2: float) -> None:
        sizes, acts = data["sizes"], data["acts"]
        model = MLP(sizes[0], sizes[1:], activation=acts[1:], input_activation=acts[0], seed=0)
        for p, w in zip(model.parameters(), doubles(snap["w"])):
            p.data = w
        batch = snap["batch"]
        self.traces = [model.trace(X[i]) for i in batch]
        losses = [loss_fn(t.output, y[i]) for t, i in zip(self.traces, batch)]
        cost = vsum(losses) * (1.0 / len(batch))
        cost = cost + l2_penalty(model, l2) if l2 else cost
        cost.backward()
        self.model, self.batch, self.loss, self.l2 = model, batch, cost.data, l2
        self.params = model.parameters()

    def terms(self, where: list[int]) -> list[tuple[int, float, float]]:
        """(sample, δ, q) of a parameter at (layer, neuron, input; -1 the bias)."""
        layer, j, k = where
        return [(i, t.p[layer][j].grad, 1.0 if k < 0 else t.q[layer - 1][k].data)
                for i, t in zip(self.batch, self.traces)]


def check_breakdown(got: dict, step: Step, where: list[int]) -> None:
    p = got["param"]
    ts = step.terms(where)
    w, g = step.params[p].data, step.params[p].grad
    assert float(got["w"][0]) == w and got["w"][1] == number(w)
    assert float(got["grad"]) == g and float(got["g"][0]) == g and got["g"][1] == number(g)
    # the shown rows: the 8 largest |δ × q| (zeros are counted, not shown), each δ, q and
    # term as Python has them
    assert got["zeros"] == sum(d * q == 0 for _, d, q in ts)
    top = sorted((abs(d * q) for _, d, q in ts if d * q != 0), reverse=True)[:8]
    assert sorted((abs(float(r["term"])) for r in got["rows"]), reverse=True) == top
    mine = {i: (d, q) for i, d, q in ts}
    for row in got["rows"]:
        d, q = mine[row["sample"]]
        values = [float(v) for v, _ in row["cells"]]
        assert values == [d, q, d * q] and float(row["term"]) == d * q
        assert [text for _, text in row["cells"]] == [number(d), number(q), number(d * q)]
    total = math.fsum(d * q for _, d, q in ts)
    assert float(got["s"][0]) == pytest.approx(total, rel=1e-12, abs=1e-15)
    penalty = step.l2 * w if where[2] >= 0 and step.l2 else None
    if penalty is None:
        assert got["penalty"] is None
    else:
        assert float(got["penalty"][0]) == penalty
        total += penalty
    assert float(got["sum"]) == pytest.approx(total, rel=1e-12, abs=1e-15)
    assert float(got["sum"]) == pytest.approx(g, rel=1e-11, abs=1e-14)  # the engine agrees


@pytest.fixture(scope="module")
def moons_page(tmp_path_factory):
    X, y = moons(40, seed=1)
    model = MLP(2, [6, 5, 1], seed=0)
    history = fit(model, X, y, loss="hinge", epochs=12, optimizer="sgd", lr=0.1, l2=1e-3,
                  batch_size=15, record_every=4, verbose=False)
    page = history["page"]
    path = tmp_path_factory.mktemp("training") / "training.html"
    page.save(path)
    return page, path, X, y


def test_every_number_of_every_step_is_pythons(moons_page, open_page):
    page, path, X, y = moons_page
    data, snaps = page.data, page.data["snaps"]
    opened = open_page(path)
    pg = opened.page
    assert len(snaps) >= 5 and len({len(s["batch"]) for s in snaps}) == 2  # 15, 15, 10
    for k, snap in enumerate(snaps):
        if k:
            pg.keyboard.press("ArrowRight")
        step = Step(data, snap, X, y, hinge, 1e-3)
        line = pg.locator("#r-step")
        assert int(line.get_attribute("data-step")) == snap["step"]
        assert pg.locator("#r-status").inner_text() == (
            f"snapshot {k + 1} of {len(snaps)}: step {snap['step']} (epoch {snap['epoch'] + 1})")
        loss = line.locator(".num.loss")
        assert float(loss.get_attribute("data-value")) == step.loss == snap["loss"]
        assert loss.inner_text() == number(step.loss)
        right = sum((1 if t.output.data > 0 else -1) == y[i]
                    for i, t in zip(step.batch, step.traces))
        acc = float(line.locator(".num.acc").get_attribute("data-value"))
        assert acc == right / len(step.batch)
        for p, where in enumerate(data["params"]):
            if where[2] < 0:  # a bias: through its neuron, which lists its incoming weights too
                pg.evaluate(f"document.querySelector('g.unit[data-layer=\"{where[0]}\"]"
                            f"[data-neuron=\"{where[1]}\"]').dispatchEvent(new MouseEvent('click', "
                            "{bubbles: true}))")
                rows = pg.locator("#r-detail > table.terms tbody tr")
                assert rows.count() == data["sizes"][where[0] - 1]
            else:
                pg.evaluate(f"document.querySelector('line.hit[data-param=\"{p}\"]')"
                            ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
            got = pg.evaluate(READ_BREAKDOWN)
            assert got["param"] == p
            check_breakdown(got, step, where)
    opened.check_clean()


def test_a_click_and_the_keys_as_a_person_uses_them(moons_page, open_page):
    page, path, X, y = moons_page
    opened = open_page(path, width=800, height=600)
    pg = opened.page
    pg.keyboard.press("End")
    assert pg.locator("#r-next").is_disabled() and pg.locator("#r-last").is_disabled()
    pg.click("g.unit[data-layer='2'][data-neuron='1']")
    pg.click("#r-detail button.param >> nth=0")
    got = pg.evaluate(READ_BREAKDOWN)
    snaps = page.data["snaps"]
    step = Step(page.data, snaps[-1], X, y, hinge, 1e-3)
    check_breakdown(got, step, page.data["params"][got["param"]])
    pg.keyboard.press("Home")
    assert int(pg.locator("#r-step").get_attribute("data-step")) == 0
    pg.click("#r-grads")
    assert pg.locator("#r-grads").get_attribute("aria-pressed") == "true"
    # sized to its frame: nothing wider than the window, the boundary square
    assert pg.evaluate("document.documentElement.scrollWidth") <= 800
    box = pg.locator("#r-boundary").bounding_box()
    assert box["width"] == pytest.approx(box["height"], abs=1) and box["width"] >= 250
    opened.check_clean()


def test_classes_drawn_as_boundary_png_draws_them(moons_page, open_page):
    page, path, X, y = moons_page
    assert page.data["classes"] == ["-1", "1"]
    assert [list(s) for s in page.data["styles"]] == [list(class_style(k)) for k in (0, 1)]
    opened = open_page(path)
    pg = opened.page
    keys = pg.locator("#r-legend .key")
    assert keys.all_inner_texts() == ["class -1", "class 1"]
    fills = pg.evaluate("[...document.querySelectorAll('#r-legend .key')].map(k => "
                        "k.querySelector('svg :is(circle, polygon)').getAttribute('fill'))")
    assert fills == list(CLASS_COLOURS[:2])
    # the top moon (label -1, class 0) in the page's pixels: class 0's colour, as boundary.png
    top = max(range(len(X)), key=lambda i: X[i][1])
    assert y[top] == -1
    rgb = pg.evaluate(PIXEL_OF_SAMPLE, top)
    want = [int(CLASS_COLOURS[0][i:i + 2], 16) for i in (1, 3, 5)]
    assert all(abs(a - b) <= 2 for a, b in zip(rgb, want)), (rgb, want)
    assert CLASS_MARKERS[0] == "o"
    ticks = pg.locator("#r-curves text.tick").all_text_contents()
    assert {"0", "2", "4", "6", "8", "10", "12"} <= set(ticks)  # epoch ticks (12 epochs)
    epochs = pg.locator("#r-curves text.epoch").all_text_contents()
    assert epochs == ["0", "2", "4", "6", "8", "10", "12"]
    labels = pg.locator("#r-curves text.label").all_text_contents()
    assert labels == ["epoch", "loss", "accuracy"]
    opened.check_clean()


@pytest.fixture(scope="module")
def digits_page(tmp_path_factory):
    X, y = digits("train", n=60)
    model = MLP(64, [8, 10], seed=0)
    history = fit(model, X, y, epochs=2, optimizer="adam", lr=0.01, batch_size=20,
                  record_every=2, verbose=False)
    page = history["page"].titled("digits", image=(8, 8))
    path = tmp_path_factory.mktemp("training") / "digits.html"
    page.save(path)
    return page, path, X, y


def test_digits_page_confusion_and_misclassified_images(digits_page, open_page):
    from nn import cross_entropy

    page, path, X, y = digits_page
    opened = open_page(path)
    pg = opened.page
    data = page.data
    assert data["grid"] is None and data["classes"] == [str(c) for c in range(10)]
    assert pg.locator("#r-boundary").is_hidden()
    assert pg.locator("#r-net g.box").count() == 1  # the 64 inputs drawn as one box
    assert pg.locator("#r-curves text.epoch").all_text_contents() == ["0", "1", "2"]  # whole
    for k, snap in enumerate(data["snaps"]):
        if k:
            pg.keyboard.press("ArrowRight")
        step = Step(data, snap, X, y, cross_entropy, 0.0)
        pred = [max(range(10), key=lambda c: t.output[c].data) for t in step.traces]
        assert pred == snap["pred"]
        cells = pg.evaluate(CONFUSION)
        counts = {(a, b): 0 for a in range(10) for b in range(10)}
        for i, c in zip(step.batch, pred):
            counts[y[i], c] += 1
        assert {(a, b): n for a, b, n in cells} == counts
        wrong = [(i, c) for i, c in zip(step.batch, pred) if c != y[i]]
        figs = pg.locator("#r-classes figure.wrong")
        assert figs.count() == min(24, len(wrong))
        for n, (i, c) in enumerate(wrong[:24]):
            assert int(figs.nth(n).get_attribute("data-sample")) == i
            assert figs.nth(n).locator("figcaption").inner_text() == f"{y[i]} → {c}"
        if wrong:  # the image is the sample's 64 pixels, dark where the ink is
            i = wrong[0][0]
            grey = pg.evaluate(FIRST_DIGIT)
            assert grey == [round(255 * (1 - v)) for v in X[i]]
        pg.evaluate("document.querySelector('g.unit[data-layer=\"2\"][data-neuron=\"3\"]')"
                    ".dispatchEvent(new MouseEvent('click', {bubbles: true}))")
        check_breakdown(pg.evaluate(READ_BREAKDOWN), step, [2, 3, -1])
    opened.check_clean()
