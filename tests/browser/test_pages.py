"""The pages in a real browser: loaded from file://, stepped with the keys, clicked, read back.

Every number the page shows is checked against the engine: backward_steps for the
reverse pass, explain for the paths, the recorded gradients for the training replay.
"""

from __future__ import annotations

import math
from itertools import accumulate

import pytest

from autograd import Value, backward_steps, explain, forward_order, step_through, topo_order
from autograd.see.trace import number
from nn import MLP, fit, moons, mse
from tests.viz.networks import linear_chain, nonlinear_chain


def f(text: str | None) -> float:
    assert text is not None
    return float(text)


def reverse_steps(C: Value) -> list:
    n = len(topo_order(C))
    return [s for _, s in zip(range(n), backward_steps(C))]


@pytest.fixture(scope="module")
def chain_page(tmp_path_factory):
    chain = nonlinear_chain()
    path = tmp_path_factory.mktemp("pages") / "chain.html"
    step_through(chain.C).save(path)
    return chain, path


@pytest.fixture(scope="module")
def mlp_page(tmp_path_factory):
    model = MLP(2, [16, 16, 1], seed=0)
    tr = model.trace([0.5, -1.0])
    C = mse(tr.output, 1.0)
    page = step_through(C)
    assert page.collapsed
    path = tmp_path_factory.mktemp("pages") / "mlp.html"
    page.save(path)
    return model, C, page, path


def check_reverse_step(pg, step, index: dict, names: dict) -> None:
    box = pg.locator("#cg-step")
    assert box.get_attribute("data-phase") == "reverse"
    assert int(box.get_attribute("data-node")) == index[step.node]
    assert f(box.get_attribute("data-grad")) == step.grad
    rows = box.locator("tr.contrib")
    assert rows.count() == len(step.contributions)
    running = list(accumulate(c.amount for c in step.contributions))
    for r, (c, total) in enumerate(zip(step.contributions, running)):
        row = rows.nth(r)
        assert f(row.get_attribute("data-local")) == c.local
        assert f(row.get_attribute("data-consumer-grad")) == c.consumer_grad
        assert f(row.get_attribute("data-amount")) == c.amount
        assert f(row.get_attribute("data-running")) == total
        cells = row.locator("td").all_inner_texts()
        assert cells[0] == names[c.consumer]
        assert cells[1].endswith(number(c.local)) and cells[2] == f"× {number(c.consumer_grad)}"
        assert cells[3] == f"= {number(c.amount)}" and cells[4] == number(total)
    assert box.locator(".result").inner_text() == number(step.grad)


def test_chain_page_steps_match_the_engine(chain_page, open_page):
    chain, path = chain_page
    C = chain.C
    before = {n: n.grad for n in topo_order(C)}
    opened = open_page(path)
    pg = opened.page
    forward = forward_order(C)
    index = {n: k for k, n in enumerate(forward)}
    names = {n: pg.evaluate(f"cg.data.nodes[{k}].n") for n, k in index.items()}
    ops = [n for n in forward if n.parents]
    assert pg.locator("#cg-status").inner_text() == f"start (0 of {len(ops) + len(forward)})"
    for node in ops:  # the forward pass, node by node
        pg.keyboard.press("ArrowRight")
        box = pg.locator("#cg-step")
        assert box.get_attribute("data-phase") == "forward"
        assert int(box.get_attribute("data-node")) == index[node]
        assert f(box.locator(".result .num").get_attribute("data-value")) == node.data
        assert pg.locator(f"#v{index[node]} .t-data").text_content() == f"data {number(node.data)}"
    for k, step in enumerate(reverse_steps(C), 1):  # then → k more times: backward_steps' step k
        pg.keyboard.press("ArrowRight")
        assert pg.locator("#cg-status").inner_text() == f"reverse {k} of {len(forward)}"
        check_reverse_step(pg, step, index, names)
        text = pg.locator(f"#v{index[step.node]} .t-grad").text_content()
        assert text == f"grad {number(step.grad)}"
    pg.keyboard.press("Home")
    assert pg.locator("#cg-step h2").inner_text() == "Start"
    pg.keyboard.press("End")
    assert pg.locator("#cg-next").is_disabled()
    opened.check_clean()
    assert {n: n.grad for n in topo_order(C)} == before  # the page changed no .grad


def test_click_a_node_shows_its_paths(chain_page, open_page):
    chain, path = chain_page
    C = chain.C
    opened = open_page(path)
    pg = opened.page
    index = {n: k for k, n in enumerate(forward_order(C))}
    w01 = chain.nodes["w01"]
    pg.click(f"#v{index[w01]}")  # at the start: a leaf's data, no gradient yet
    at = [s.node for s in reverse_steps(C)].index(w01) + 1
    assert pg.locator("#cg-detail p.values").inner_text() == (
        f"data {number(w01.data)}, grad ? (the reverse pass reaches it at reverse step {at})")
    assert not pg.locator("#cg-detail .explain").is_visible()  # behind "ahead of the pass"
    pg.locator("body").focus()
    pg.keyboard.press("End")
    for name in ("w01", "p1", "q0"):
        w = chain.nodes[name]
        e = explain(C, w)
        pg.click(f"#v{index[w]}")
        box = pg.locator("#cg-detail .explain")
        assert int(box.get_attribute("data-node")) == index[w]
        items = box.locator("li.path")
        assert items.count() == len(e.paths)
        for k, p in enumerate(e.paths):
            assert f(items.nth(k).get_attribute("data-product")) == p.product
            assert items.nth(k).locator("code").first.inner_text() == p.formula()
        total = f(box.locator(".total").get_attribute("data-total"))
        assert total == pytest.approx(e.total, rel=1e-12, abs=1e-300)
        assert total == pytest.approx(f(box.get_attribute("data-grad")), rel=1e-12)
        splits = box.locator("li.split")
        assert splits.count() == len(e.split)
        for k, s in enumerate(e.split):
            assert f(splits.nth(k).get_attribute("data-product")) == pytest.approx(s.product)
            assert splits.nth(k).inner_text().startswith(f"δ({s.delta_name}) × {s.forward_symbol}")
    opened.check_clean()


def test_keyboard_and_symbols(chain_page, open_page):
    chain, path = chain_page
    opened = open_page(path)
    pg = opened.page
    pg.focus("#v0")
    pg.keyboard.press("Enter")
    assert pg.locator("#cg-detail h2").inner_text().startswith(pg.evaluate("cg.data.nodes[0].n"))
    pg.locator("body").focus()
    pg.keyboard.press("End")
    first = pg.locator("#e0 .t-local").text_content()
    assert first == number(pg.evaluate("cg.data.edges[0].v"))
    pg.click("#cg-symbols")
    assert pg.locator("#e0 .t-local").text_content() == pg.evaluate("cg.data.edges[0].s")
    pg.click("#cg-actual")  # at 100% every edge label is drawn (a small fit leaves them out)
    pg.hover("#e0 .t-local")
    assert "carried back" in pg.locator("#cg-tip").inner_text()
    opened.check_clean()


def test_collapsed_mlp_page(mlp_page, open_page):
    model, C, page, path = mlp_page
    opened = open_page(path)
    pg = opened.page
    forward = forward_order(C)
    index = {n: k for k, n in enumerate(forward)}
    names = {n: pg.evaluate(f"cg.data.nodes[{k}].n") for n, k in index.items()}
    steps = reverse_steps(C)
    k = 40  # the slider jumps; then → k times: backward_steps' step k
    pg.locator("#cg-slider").fill(str(page.steps - len(forward)))  # the end of the forward pass
    pg.locator("body").focus()
    for _ in range(k):
        pg.keyboard.press("ArrowRight")
    check_reverse_step(pg, steps[k - 1], index, names)
    # open a neuron of layer 1, then one of its weights: its paths sum to its grad
    neuron = model.layers[0].neurons[3]
    unit = next(u for u in page.data["neurons"] if forward[u["dot"]].label == "p1_3")
    pg.click(f"#u{unit['dot']}")
    assert pg.locator("#cg-detail h2").inner_text().startswith("Neuron")
    w = neuron.w[1]
    pg.click(f"#cg-detail button.member[data-node='{index[w]}']")
    box = pg.locator("#cg-detail .explain")
    e = explain(C, w)
    assert box.locator("li.path").count() == len(e.paths) == 32  # 16 neurons, d·d in mse
    assert f(box.locator(".total").get_attribute("data-total")) == pytest.approx(e.total, rel=1e-12)
    assert f(box.get_attribute("data-grad")) == pytest.approx(e.total, rel=1e-12)
    opened.check_clean()


def test_labels_are_text_not_html(tmp_path, open_page):
    x = Value(0.5, label="<script>alert(1)</script>")
    y = Value(2.0, label="</script><img src=x onerror=alert(2)>")
    C = (x * y).tanh()
    C.label = "\" onmouseover=\"alert(3)"
    path = step_through(C, title="<b>title</b>").save(tmp_path / "xss.html")
    opened = open_page(path)
    pg = opened.page
    assert pg.locator("#v0 text").first.text_content() == "<script>alert(1)</script>"
    assert pg.locator("h1").inner_text() == "<b>title</b>"
    pg.click("#v0")
    pg.hover("#v3")
    pg.keyboard.press("End")
    assert "<script>alert(1)</script>" in pg.locator("#cg-detail").inner_text()
    assert pg.locator("img").count() == 0
    opened.check_clean()  # no dialog, no request for "x"


def test_two_pages_inline_do_not_clash(chain_page, tmp_path, open_page):
    chain, _ = chain_page
    one = step_through(chain.C)
    two = step_through(linear_chain().C)
    notebook = tmp_path / "notebook.html"
    notebook.write_text("<!DOCTYPE html><html><body><div>" + one._repr_html_() +
                        "</div><div>" + two._repr_html_() + "</div></body></html>")
    opened = open_page(notebook, height=1800)
    pg = opened.page
    frames = [fr for fr in pg.frames if fr != pg.main_frame]
    assert len(frames) == 2
    for fr in frames:
        fr.wait_for_selector("#cg-svg")
    frames[0].click("#cg-next")
    frames[0].click("#cg-next")
    assert frames[0].locator("#cg-status").inner_text().startswith("forward 2")
    assert frames[1].locator("#cg-status").inner_text().startswith("start")
    assert len(opened.requests) == 1 and opened.errors == []


@pytest.fixture(scope="module")
def training_page_run(tmp_path_factory):
    X, y = moons(40, seed=1)
    model = MLP(2, [6, 5, 1], seed=0)
    history = fit(model, X, y, epochs=12, optimizer="sgd", lr=0.1, l2=1e-3, batch_size=20,
                  record_every=4, verbose=False)
    replay = history["page"]
    path = tmp_path_factory.mktemp("pages") / "training.html"
    replay.save(path)
    return replay, path


def test_training_page_sums_equal_grads(training_page_run, open_page):
    import base64
    import struct

    replay, path = training_page_run
    opened = open_page(path)
    pg = opened.page
    snaps = replay.data["snaps"]
    assert len(snaps) >= 4
    for _ in range(2):
        pg.keyboard.press("ArrowRight")
    snap = snaps[2]
    assert int(pg.locator("#r-step").get_attribute("data-step")) == snap["step"]
    raw = base64.b64decode(snap["g"])
    grads = struct.unpack(f"<{len(raw) // 8}d", raw)
    pg.click("g.unit[data-layer='2'][data-neuron='1']")
    bias = pg.locator("#r-detail .breakdown")
    p = int(bias.get_attribute("data-param"))
    assert f(bias.get_attribute("data-grad")) == grads[p]
    assert f(bias.get_attribute("data-sum")) == pytest.approx(grads[p], rel=1e-12, abs=1e-15)
    pg.click("#r-detail button.param >> nth=3")
    box = pg.locator("#r-detail .breakdown")
    p = int(box.get_attribute("data-param"))
    assert replay.data["params"][p][:2] == [2, 1] and replay.data["params"][p][2] == 3
    assert f(box.get_attribute("data-grad")) == grads[p]
    assert f(box.get_attribute("data-sum")) == pytest.approx(grads[p], rel=1e-12, abs=1e-15)
    assert box.locator("tr.term").count() == 8  # the largest of the 20 samples' terms
    pg.click("#r-grads")
    pg.keyboard.press("End")
    assert pg.locator("#r-next").is_disabled()
    assert math.isfinite(f(pg.locator("#r-detail .breakdown").get_attribute("data-sum")))
    opened.check_clean()


def test_tour_index_page(tmp_path, open_page):
    import argparse
    import io

    from nn import tour

    args = argparse.Namespace(network="linear-chain", out=str(tmp_path), no_svg=False)
    assert tour.run(args, out=io.StringIO()) == 0
    opened = open_page(tmp_path / "index.html")
    pg = opened.page
    pg.keyboard.press("End")
    assert pg.locator("#cg-status").inner_text() == "reverse 10 of 10"
    pg.click("details.files summary")
    assert pg.locator("details.files a").count() == len(list(tmp_path.glob("*.svg")))
    opened.check_clean()


def test_numbers_print_as_python_prints_them(chain_page, open_page):
    _, path = chain_page
    opened = open_page(path)
    values = [0.0, -0.0, 1.0, -1.5, 1e300, -1e-300, 123456.0, 12345.0, 0.00012345678, 9.99961,
              -2.5e-05, 1 / 3, 1e16, 99999.7, 1234.5678, 0.0001, 0.00009999, 5e-324, 2.0 ** 60,
              0.125, 0.375, 2.5, 12355.0, -0.0625, 1.0625, 0.999951, 9999.5, 99995.0]
    shown = opened.page.evaluate("xs => xs.map(x => cg.fmt(x))", values)
    assert shown == [number(x) for x in values]
    three = opened.page.evaluate("xs => xs.map(x => cg.fmt(x, 3))", values)
    assert three == [number(x, '.3g') for x in values]
    import random

    rng = random.Random(15)
    many = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-12, 12) for _ in range(400)]
    many += [round(rng.uniform(-100, 100), rng.randint(0, 4)) for _ in range(400)]  # ties too
    assert opened.page.evaluate("xs => xs.map(x => cg.fmt(x))", many) == [number(x) for x in many]
