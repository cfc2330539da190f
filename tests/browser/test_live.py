"""A page you can change, in a real browser: after ``chaingrad.set``, every node's data and grad
equal what the engine computes for the same leaves (to 1e-12 relative), for random graphs
with every op of the table, a leaf used many times, and an nn MLP; a value outside an op's
domain shows the engine's error and changes nothing; nudging agrees with the gradient."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

import pytest

from autograd import OPS, Value, apply, forward_order, reverse_steps, step_through
from autograd.see.trace import number

REL = 1e-12

# How each op gets operands inside its domain for ANY leaf values: wrapped in a positive
# or bounded expression of the graph's nodes (each wrapper is nodes of the graph too).
POSITIVE = {"log", "log2", "log10", "sqrt", "log1p"}
BOUNDED = {"exp", "expm1", "sinh", "cosh"}
UNIT = {"asin", "acos", "atanh"}


def _positive(u: Value, shift: float = 0.5) -> Value:
    return u * u + shift


def _operands(name: str, pick: Callable[[], Value], rnd: random.Random) -> list:
    prim = OPS[name]
    if prim.nary:
        n = rnd.randint(1, 5)
        if name == "dot":
            return [pick() for _ in range(2 * n)] + ([pick()] if rnd.random() < 0.6 else [])
        return [pick() if rnd.random() < 0.8 else rnd.uniform(-1, 1) for _ in range(n)]
    if name in POSITIVE:
        return [_positive(pick())]
    if name == "acosh":
        return [_positive(pick(), 1.5)]
    if name in UNIT:
        return [pick().tanh() * 0.9]
    if name in BOUNDED:
        return [pick().tanh() * 3.0]
    if name == "/":
        return [pick(), _positive(pick())]
    if name == "**":
        exponent = pick().tanh() * 2.0 if rnd.random() < 0.5 else rnd.choice([2, 3, -1, 0.5])
        return [_positive(pick()), exponent]
    if name in ("atan2", "hypot"):
        return [pick(), _positive(pick())]
    if name in ("leaky_relu", "elu"):
        return [pick(), _positive(pick(), 0.01) if rnd.random() < 0.5 else 0.2]
    if len(prim.derivatives) == 2:
        return [pick(), pick() if rnd.random() < 0.8 else rnd.uniform(-2, 2)]
    return [pick()]


def random_graph(seed: int, leaves: dict[str, float]) -> Value:
    """Every op of the table once or more, over a few leaves; leaf 'x0' used many times."""
    rnd = random.Random(seed)
    xs = [Value(v, label=k) for k, v in leaves.items()]
    made: list[Value] = list(xs)

    def pick() -> Value:
        if rnd.random() < 0.35:
            return xs[0]  # one leaf with many consumers
        chosen = rnd.choice(made[-8:] + xs)
        return chosen.tanh() if rnd.random() < 0.2 else chosen

    names = sorted(OPS)
    rnd.shuffle(names)
    for name in names:
        made.append(apply(name, *_operands(name, pick, rnd)))
    C = apply("sum", *made[len(xs):], xs[0] * xs[1])  # every op reaches the root
    for k, node in enumerate(forward_order(C)):
        if node.parents or not node.label:
            node.label = f"n{k}"
    return C


def engine(C: Value) -> dict[str, tuple[float, float]]:
    grads = {s.node: s.grad for s in reverse_steps(C)}
    return {n.label: (n.data, grads[n]) for n in forward_order(C)}


def page_numbers(pg) -> dict[str, tuple[float, float]]:
    return pg.evaluate("() => { var c = window.chaingrad, out = {};"
                       " c.labels().forEach(function (k) { out[k] = [c.data(k), c.grad(k)]; });"
                       " return out; }")


def same(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= REL * max(abs(a), abs(b))


def check_equal(pg, want: dict[str, tuple[float, float]]) -> None:
    got = page_numbers(pg)
    assert set(got) == set(want)
    bad = [(k, got[k], want[k]) for k in want
           if not (same(got[k][0], want[k][0]) and same(got[k][1], want[k][1]))]
    assert not bad, bad[:5]


LEAVES = ("x0", "x1", "x2", "x3")


@pytest.mark.parametrize("seed", range(6))
def test_set_recomputes_every_op_as_the_engine(seed, tmp_path, open_page):
    rnd = random.Random(100 + seed)
    start = {k: rnd.uniform(-2, 2) for k in LEAVES}
    C = random_graph(seed, start)
    assert {n.op for n in forward_order(C)} >= set(OPS)  # every op of the table is in it
    path = step_through(C, collapse=False).save(tmp_path / "live.html")
    opened = open_page(path)
    pg = opened.page
    check_equal(pg, engine(C))  # before any set: the page's numbers are Python's
    values = dict(start)
    for _ in range(4):
        leaf = rnd.choice(LEAVES)
        values[leaf] = rnd.uniform(-2, 2)
        result = pg.evaluate("([k, v]) => window.chaingrad.set(k, v)", [leaf, values[leaf]])
        assert result == {"ok": True, "error": None}
        check_equal(pg, engine(random_graph(seed, values)))
    pg.evaluate("() => window.chaingrad.step(window.chaingrad.steps())")
    assert pg.evaluate("() => window.chaingrad.current()")["phase"] == "reverse"
    opened.check_clean()


def test_set_an_mlp(tmp_path, open_page):
    from nn import MLP

    rnd = random.Random(5)
    model = MLP(3, [6, 5, 1], seed=3)
    xs = [Value(rnd.uniform(-1, 1), label=f"x{i}") for i in range(3)]
    C = (model(xs) - 0.5) ** 2
    names = {}
    for k, n in enumerate(forward_order(C)):
        if not n.label:
            n.label = f"n{k}"
        names[n] = n.label
    path = step_through(C, collapse=False).save(tmp_path / "mlp.html")
    opened = open_page(path)
    pg = opened.page
    params = model.parameters()
    for leaf in (xs[0], params[0], params[-1], xs[2]):
        leaf.data = rnd.uniform(-1.5, 1.5)
        assert pg.evaluate("([k, v]) => window.chaingrad.set(k, v).ok", [names[leaf], leaf.data])
        C2 = (model(xs) - 0.5) ** 2
        grads = {s.node: s.grad for s in reverse_steps(C2)}
        got = page_numbers(pg)
        for a, b in zip(forward_order(C), forward_order(C2)):
            assert same(got[names[a]][0], b.data), names[a]
            assert same(got[names[a]][1], grads[b]), names[a]
    opened.check_clean()


def test_a_value_outside_a_domain_shows_the_engines_error(tmp_path, open_page):
    x = Value(2.0, label="x")
    y = Value(3.0, label="y")
    C = (x.log() * y).tanh()
    path = step_through(C).save(tmp_path / "domain.html")
    opened = open_page(path)
    pg = opened.page
    try:
        Value(-1.0, label="x").log()
    except ValueError as error:
        engine_text = str(error)
    result = pg.evaluate("() => window.chaingrad.set('x', -1)")
    assert not result["ok"]
    assert engine_text.split(",")[0] in result["error"]  # "log: input outside the domain"
    assert "node 'x' = -1" in result["error"] and "log needs x > 0" in result["error"]
    assert pg.locator("#cg-problem").is_visible()
    assert "NaN" not in pg.locator("body").inner_text()
    assert pg.evaluate("() => window.chaingrad.data('x')") == 2.0  # nothing changed
    assert pg.evaluate("() => window.chaingrad.grad('y')") == pytest.approx(
        math.log(2.0) * (1 - math.tanh(math.log(2.0) * 3) ** 2), rel=1e-12)
    assert pg.evaluate("() => window.chaingrad.set('x', 0.5)")["ok"]
    assert not pg.locator("#cg-problem").is_visible()
    with pytest.raises(Exception, match="not a leaf"):
        pg.evaluate("() => window.chaingrad.set(window.chaingrad.labels().slice(-1)[0], 1)")
    with pytest.raises(Exception, match="no node is named"):
        pg.evaluate("() => window.chaingrad.set('nope', 1)")
    assert not pg.evaluate("() => window.chaingrad.set('x', NaN)")["ok"]
    opened.errors.clear()  # the two refusals above threw into the console on purpose
    opened.check_clean()


def test_nudge_agrees_with_the_gradient_as_h_shrinks(tmp_path, open_page):
    w = Value(0.7, label="w")
    x = Value(-1.3, label="x")
    C = (w * x).tanh() + w * w
    path = step_through(C).save(tmp_path / "nudge.html")
    opened = open_page(path)
    pg = opened.page
    grad = {s.node: s.grad for s in reverse_steps(C)}[w]
    errors = []
    for h in (0.1, 0.01, 0.001):
        r = pg.evaluate("(h) => window.chaingrad.nudge('w', h)", h)
        after = math.tanh((0.7 + h) * -1.3) + (0.7 + h) ** 2
        assert r["after"] == pytest.approx(after, rel=1e-12)
        assert r["grad"] == grad
        errors.append(abs(r["slope"] - grad))
    assert errors[0] > errors[1] > errors[2]  # first order: the error shrinks with h
    pg.click("#v0")  # w: the editor and the nudge table
    rows = pg.locator("#cg-nudge tr.nudge")
    assert rows.count() == 3
    assert float(rows.nth(2).get_attribute("data-slope")) == pytest.approx(grad, abs=2e-3)
    pg.fill("#cg-value", "0.25")
    pg.press("#cg-value", "Enter")
    assert pg.evaluate("() => window.chaingrad.data('w')") == 0.25
    w2 = Value(0.25, label="w")
    C2 = (w2 * Value(-1.3)).tanh() + w2 * w2
    assert pg.evaluate("() => window.chaingrad.data(window.chaingrad.labels().slice(-1)[0])") == \
        pytest.approx(C2.data, rel=1e-12)
    opened.check_clean()


def test_why_a_gradient_is_zero_until_the_value_changes(tmp_path, open_page):
    from autograd.see.chains import why_zero

    w = Value(0.5, label="w")
    x = Value(-2.0, label="x")
    C = (w * x).relu() + x * 0.1
    path = step_through(C).save(tmp_path / "why.html")
    opened = open_page(path)
    pg = opened.page
    pg.evaluate("() => window.chaingrad.step(window.chaingrad.steps())")
    pg.click("#v0")
    assert pg.locator("#cg-detail .why-zero").inner_text() == why_zero(C, w)
    assert pg.evaluate("() => window.chaingrad.set('x', 2)")["ok"]  # the relu is on now
    assert pg.evaluate("() => window.chaingrad.grad('w')") == 2.0
    pg.click("#v0")
    assert pg.locator("#cg-detail .why-zero").count() == 0
    opened.check_clean()


def test_an_op_without_code_is_said_not_to_be_live(tmp_path, open_page):
    from autograd import Primitive, register
    from autograd.ops import OPS as TABLE

    cube = register(Primitive(name="cube_live_test", forward=lambda x: x ** 3,
                              derivatives=(lambda out, x: 3 * x * x,), symbols=("3·{0}²",),
                              formulas=("d x³/dx = 3x²",), text="cube({0})"))
    try:
        x = Value(1.5, label="x")
        y = Value(-0.5, label="y")
        C = apply(cube, x) + y.tanh()
        path = step_through(C).save(tmp_path / "own.html")
    finally:
        del TABLE["cube_live_test"]
    opened = open_page(path)
    pg = opened.page
    result = pg.evaluate("() => window.chaingrad.set('x', 2)")
    assert not result["ok"]
    assert "x cannot be edited live here" in result["error"]
    assert "cube_live_test" in result["error"] and "no code entry" in result["error"]
    assert pg.evaluate("() => window.chaingrad.data('x')") == 1.5
    assert "NaN" not in pg.locator("body").inner_text()
    assert pg.evaluate("() => window.chaingrad.set('y', 0.25)")["ok"]  # y does not feed it
    grad = pg.evaluate("() => window.chaingrad.grad('y')")
    assert grad == pytest.approx(1 - math.tanh(0.25) ** 2, rel=1e-12)
    opened.check_clean()


@pytest.mark.parametrize("value, reason", [
    (1e200, "pow: the result overflows a float"),  # e ** 2 beyond a float
    (0.0, "log: input outside the domain"),
    (-3.0, "log: input outside the domain"),
])
def test_the_engines_reason(value, reason, tmp_path, open_page):
    x = Value(2.0, label="x")
    C = (x ** 2 + 1.0).log() + x.log()
    path = step_through(C).save(tmp_path / "reason.html")
    opened = open_page(path)
    pg = opened.page
    try:
        Value(value, label="x").__pow__(2).__add__(1.0).log() + Value(value, label="x").log()
    except (ValueError, ArithmeticError) as error:
        engine_text = str(error)
    got = pg.evaluate("(v) => window.chaingrad.set('x', v)", value)
    op, why = reason.split(": ")
    op = {"pow": "**"}.get(op, op)
    assert got["error"].startswith(f"{op}: {why}, with operands"), got
    assert engine_text.startswith(f"{op}: {why}"), engine_text
    pg.click("#v0")
    assert pg.locator("#cg-value").input_value() == "2"
    opened.check_clean()


def test_names_and_shared_labels(tmp_path, open_page):
    a = Value(1.0, label="w")
    b = Value(2.0, label="w")  # two leaves labelled w: named v0 and v1 on the page
    C = a * b + a
    path = step_through(C).save(tmp_path / "names.html")
    opened = open_page(path)
    pg = opened.page
    names = pg.evaluate("() => window.chaingrad.labels()")
    with pytest.raises(Exception, match="2 nodes are labelled"):
        pg.evaluate("() => window.chaingrad.data('w')")
    first = names[[n for n in forward_order(C)].index(a)]
    assert pg.evaluate("(k) => window.chaingrad.set(k, 3).ok", first)
    assert pg.evaluate("(k) => window.chaingrad.grad(k)", first) == 3.0  # b + 1
    opened.errors.clear()  # the refusal above threw on purpose
    opened.check_clean()


def test_set_in_a_collapsed_mlp_page(tmp_path, open_page):
    """An MLP 2-16-16-1 drawn as neurons: set a weight and an input, every node follows."""
    from nn import MLP, mse

    model = MLP(2, [16, 16, 1], seed=0)

    def loss(x0: float) -> Value:
        return mse(model.trace([x0, -1.0]).output, 1.0)

    C = loss(0.5)
    page = step_through(C)
    assert page.collapsed
    opened = open_page(page.save(tmp_path / "mlp.html"))
    pg = opened.page
    names = pg.evaluate("() => window.chaingrad.labels()")
    w = model.layers[1].neurons[3].w[5]
    k = forward_order(C).index(w)
    w.data = 0.75
    assert pg.evaluate("([k, v]) => window.chaingrad.set(k, v).ok", [names[k], 0.75])
    x = next(n for n in forward_order(C) if not n.parents and n.data == 0.5)
    assert pg.evaluate("([k, v]) => window.chaingrad.set(k, v).ok",
                       [names[forward_order(C).index(x)], -0.3])
    C2 = loss(-0.3)
    grads = {s.node: s.grad for s in reverse_steps(C2)}
    got = page_numbers(pg)
    for name, node in zip(names, forward_order(C2)):
        assert same(got[name][0], node.data) and same(got[name][1], grads[node]), name
    unit = page.data["neurons"][0]  # its box shows the new numbers
    pg.evaluate("() => window.chaingrad.step(window.chaingrad.steps())")
    assert pg.locator(f"#u{unit['dot']} text.t-out").text_content() == \
        f"out {number(forward_order(C2)[unit['out']].data)}"
    opened.check_clean()


def test_paths_edge_labels_and_splits_follow_a_set(tmp_path, open_page):
    from autograd import explain

    def build(w0: float) -> tuple[Value, Value]:
        w = Value(w0, label="w")
        x = Value(1.5, label="x")
        h = (w * x).tanh()
        h.label = "h"
        C = h * w + (h - 0.3) ** 2
        C.label = "C"
        return C, w

    C, w = build(0.8)
    page = step_through(C, collapse=False)
    opened = open_page(page.save(tmp_path / "follow.html"))
    pg = opened.page
    assert pg.evaluate("() => window.chaingrad.set('w', -0.6).ok")
    C2, w2 = build(-0.6)
    e = explain(C2, w2)
    pg.evaluate("() => window.chaingrad.step(window.chaingrad.steps())")
    pg.click("#cg-actual")  # edge labels drawn at 100%
    pg.click(f"#v{[n['n'] for n in page.data['nodes']].index('w')}")
    box = pg.locator("#cg-detail .explain")
    products = [float(x) for x in box.locator("li.path").evaluate_all(
        "els => els.map(e => e.getAttribute('data-product'))")]
    assert len(products) == len(e.paths)
    for got, p in zip(products, e.paths):
        assert same(got, p.product)
    assert same(float(box.locator(".total").get_attribute("data-total")), e.total)
    splits = box.locator("li.split")  # w feeds two consumers: listed as explain() lists them
    assert splits.count() == len(e.split) == 2
    for k, s in enumerate(e.split):
        assert same(float(splits.nth(k).get_attribute("data-product")), s.product)
        assert splits.nth(k).inner_text().startswith(f"δ({s.delta_name}) × {s.forward_symbol}")
    edges = page.data["edges"]
    forward2 = forward_order(C2)
    for i, edge in enumerate(edges):  # each edge's label: the new local derivative
        if edge.get("svg") == f"e{i}":
            local = forward2[edge["c"]].local_grads[edge["j"]]
            assert pg.locator(f"#e{i} .t-local").text_content() == number(local)
    opened.check_clean()
