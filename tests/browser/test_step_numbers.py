"""Every number a reverse step shows, read from the page at every step and compared with the
reference walk (backward_steps), for graphs whose nodes have two, three and more consumers:
the step's table (local derivative, consumer's grad, contribution, running sum, total), each
box's grad, the partial "grad a+…" of a node still waiting for consumers, and each edge's
"→ contribution". A running sum written `running = c` for `running += c`, or an off-by-one
in the partial sums, changes a number some step shows."""

from __future__ import annotations

import pytest

from autograd import Value, forward_order, step_through
from autograd.see.trace import number
from tests.browser.test_pages import check_reverse_step, reverse_steps


def shared_graph(x0: float = 0.7) -> Value:
    """x has 5 consumers, w 3, h 2 (one of them twice through one op: h * h)."""
    x = Value(x0, label="x")
    w = Value(-1.3, label="w")
    b = Value(0.4, label="b")
    h = (w * x + b).tanh()
    h.label = "h"
    a = (x * w).sigmoid()
    a.label = "a"
    c = x.exp() * h + x * 0.5 - x.sin() + (w * h) + a * x
    c.label = "c"
    return (c * h + h * h).relu() + c


def mlp_graph() -> Value:
    from nn import MLP, mse

    model = MLP(2, [4, 3, 1], seed=2)
    return mse(model.trace([0.5, -1.0]).output, 1.0)


SCRIPT = """() => {
  var out = {box: [], partial: [], edge: []};
  document.querySelectorAll('g.cg-value').forEach(function (g) {
    var t = g.querySelector('text.t-grad');
    out.box.push([Number(g.getAttribute('data-node')), t ? t.textContent : null,
                  t ? t.classList.contains('partial') : false]);
  });
  document.querySelectorAll('g.cg-edge').forEach(function (g) {
    var t = g.querySelector('text.t-contrib');
    out.edge.push([Number(g.getAttribute('data-edge')), t ? t.textContent : null]);
  });
  return out;
}"""


@pytest.mark.parametrize("build", [shared_graph, mlp_graph])
def test_every_number_of_every_reverse_step(build, tmp_path, open_page):
    C = build()
    walk_every_step(C, C, tmp_path, open_page, exact=True)


def test_every_number_after_a_leaf_is_set(tmp_path, open_page):
    """Stepping works on the new numbers: the same checks against the engine's walk of the
    graph rebuilt with x = -0.4, after the page set x to -0.4 itself (to 1e-12)."""
    walk_every_step(shared_graph(0.7), shared_graph(-0.4), tmp_path, open_page, exact=False,
                    set_first=("x", -0.4))


def close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))


def check_step_close(pg, step, index: dict, names: dict) -> None:
    """check_reverse_step to 1e-12 (the page computed these numbers in JavaScript)."""
    box = pg.locator("#cg-step")
    assert int(box.get_attribute("data-node")) == index[step.node]
    assert close(float(box.get_attribute("data-grad")), step.grad)
    rows = box.locator("tr.contrib")
    assert rows.count() == len(step.contributions)
    running = 0.0
    for r, c in enumerate(step.contributions):
        running += c.amount
        row = rows.nth(r)
        for attr, want in (("data-local", c.local), ("data-consumer-grad", c.consumer_grad),
                           ("data-amount", c.amount), ("data-running", running)):
            assert close(float(row.get_attribute(attr)), want), (attr, names[step.node])
        cells = row.locator("td").all_inner_texts()
        assert cells[0] == names[c.consumer] and cells[4] == number(running)


def walk_every_step(C: Value, want: Value, tmp_path, open_page, exact: bool,
                    set_first: tuple[str, float] | None = None) -> None:
    forward = forward_order(C)
    index = {n: k for k, n in enumerate(forward)}
    consumers = {}
    for node in forward:
        for parent in node.parents:
            consumers[parent] = consumers.get(parent, 0) + 1
    assert 2 in consumers.values() and max(consumers.values()) >= 3
    page = step_through(C, collapse=False)
    path = page.save(tmp_path / "steps.html")
    opened = open_page(path)
    pg = opened.page
    if set_first:
        assert pg.evaluate("([k, v]) => window.chaingrad.set(k, v).ok", list(set_first))
    names = {n: page.data["nodes"][k]["n"] for n, k in index.items()}
    edges = page.data["edges"]
    # want is C built again with the new leaf: the same graph, node for node, in the same order
    forward = forward_order(want)
    names = {n: page.data["nodes"][k]["n"] for k, n in enumerate(forward)}
    index = {n: k for k, n in enumerate(forward)}
    steps = reverse_steps(want)
    F = len(page.data["fsteps"])
    done: set[Value] = set()
    arrived: dict[Value, list[float]] = {}
    carried: dict[int, float] = {}
    slot = {(e["c"], e["j"]): i for i, e in enumerate(edges)}
    for k, step in enumerate(steps, start=1):
        pg.evaluate(f"() => window.chaingrad.step({F + k})")
        (check_reverse_step if exact else check_step_close)(pg, step, index, names)
        done.add(step.node)
        for i, (parent, local) in enumerate(zip(step.node.parents, step.node.local_grads)):
            amount = local * step.grad
            arrived.setdefault(parent, []).append(amount)
            carried[slot[(index[step.node], i)]] = amount
        seen = pg.evaluate(SCRIPT)
        grads = {s.node: s.grad for s in steps[:k]}
        for n, text, partial in seen["box"]:
            node = forward[n]
            if node in done:
                assert (text, partial) == (f"grad {number(grads[node])}", False), names[node]
            elif node in arrived:
                running = 0.0
                for amount in arrived[node]:
                    running += amount
                assert (text, partial) == (f"grad {number(running)}+…", True), names[node]
            else:
                assert (text, partial) == ("grad ?", False), names[node]
        for i, text in seen["edge"]:
            want = number(carried[i]) if i in carried else "?"
            assert text == f"→ {want}", (i, edges[i])
    opened.check_clean()
