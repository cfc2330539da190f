"""The quiz page in a real browser: at each reverse step ``chaingrad.answer(number)`` gives the
mistake code the derivation checker (``autograd.check_derivation``) gives for the same number,
with every earlier step answered right; the node asked about shows no gradient until answered;
a score at the end."""

from __future__ import annotations

import math

import pytest

from autograd import OPS, Value, check_derivation, forward_order, step_through
from autograd.ops import CODE_NAMES
from autograd.see.trace import arg_positions, number
from tests.browser.test_pages import reverse_steps


def quiz_graph() -> Value:
    x = Value(0.5, label="x")
    w = Value(-1.2, label="w")
    b = Value(0.3, label="b")
    p = w * x + b
    p.label = "p"
    q = p.tanh()
    q.label = "q"
    s = (x * 1.5).sigmoid()
    s.label = "s"
    C = q * q + x.exp() * s - w / (x + 2.0) + x.log()
    C.label = "C"
    return C


def wrong_locals(consumer: Value, j: int) -> list[float]:
    """The table's wrong local derivatives of the consumer's parent j, as the checker has them."""
    prim = OPS[consumer.op]
    args = [a.data if isinstance(a, Value) else float(a) for a in consumer.args]
    i = arg_positions(consumer)[j]
    space = {**CODE_NAMES, **{p.name: p.forward for p in OPS.values() if p.name.isidentifier()}}
    out = []
    which, texts = i, [repr(a) for a in args]
    if prim.name == "dot":  # {0} the argument, {1} its partner (the q of a weight w)
        n = len(args) // 2
        which, partner = (0, n + i) if i < n else ((1, i - n) if i < 2 * n else (2, None))
        texts = [repr(args[i]), repr(0.0 if partner is None else args[partner])]
    elif prim.nary:
        which, texts = 0, [repr(args[i]), "0.0"]
    for m in prim.mistakes:
        if m.input != which:
            continue
        try:
            out.append(float(eval(m.code.format(*(f"({a})" for a in texts),  # noqa: S307
                                                out=f"({consumer.data!r})"), space)))
        except (ArithmeticError, ValueError):
            continue
    return [v for v in out if math.isfinite(v)]


def givens(step) -> list[float]:
    """Numbers a learner might give at this step: right, each typical mistake, and a stray one."""
    g, cs = step.grad, step.contributions
    found = [g, -g, 2 * g, 0.5 * g, g * 1.37 + 0.11]
    shares = [c.amount for c in cs]
    if len(cs) > 1:
        found += [shares[0], shares[-1], sum(shares[1:])]
    for k, c in enumerate(cs):
        rest = math.fsum(shares[:k] + shares[k + 1:])
        found.append(rest + c.local)
        j = c.index
        found += [rest + wrong * c.consumer_grad for wrong in wrong_locals(c.consumer, j)]
    return found


def mlp_graph() -> Value:
    from nn import MLP, mse

    model = MLP(2, [3, 1], seed=4)
    return mse(model.trace([0.5, -1.0]).output, 1.0)


def _quiz_page(C, tmp_path, open_page):
    """C's quiz page, saved and opened: (the page, the opened tab, its forward steps, the
    engine's reverse steps)."""
    page = step_through(C, quiz=True)
    opened = open_page(page.save(tmp_path / "quiz.html"))
    return page, opened, len(page.data["fsteps"]), reverse_steps(C)


@pytest.mark.parametrize("build", [quiz_graph, mlp_graph])
def test_quiz_answers_as_the_derivation_checker(build, tmp_path, open_page):
    C = build()
    page, opened, F, steps = _quiz_page(C, tmp_path, open_page)
    pg = opened.page
    index = {n: k for k, n in enumerate(forward_order(C))}
    truth = {s.node: s.grad for s in steps}
    kinds = set()
    for k, step in enumerate(steps, start=1):
        pg.evaluate(f"() => window.chaingrad.step({F + k})")
        assert pg.evaluate("() => window.chaingrad.current()") == {
            "phase": "reverse", "label": page.data["nodes"][index[step.node]]["n"]}
        # asked, not yet shown: the box says grad ?, the step panel asks
        assert pg.locator(f"#v{index[step.node]} text.t-grad").text_content() == "grad ?"
        assert pg.locator("#cg-step").get_attribute("data-asking") == "true"
        assert pg.locator("#cg-step").get_attribute("data-grad") is None
        earlier = {s.node: truth[s.node] for s in steps[:k - 1]}
        for given in givens(step):
            report = check_derivation(C, {**earlier, step.node: given})
            want = None if report.ok else report.mistake
            got = pg.evaluate("(v) => window.chaingrad.answer(v)", given)
            assert got["mistake"] == want, (page.data["nodes"][index[step.node]]["n"], given,
                                            got, str(report))
            assert got["correct"] == report.ok
            assert isinstance(got["message"], str) and got["message"]
            kinds.add(want)
    assert kinds >= {None, "wrong_local", "no_chain", "sign", "factor", "unknown"}
    if build is quiz_graph:
        assert "missed_path" in kinds
    pg.evaluate(f"() => window.chaingrad.step({F + len(steps)})")
    score = pg.locator("#cg-step .score")
    assert score.get_attribute("data-right") == str(len(steps))  # the first answer was right
    opened.check_clean()


def test_quiz_in_the_page(tmp_path, open_page):
    C = quiz_graph()
    page, opened, F, steps = _quiz_page(C, tmp_path, open_page)
    pg = opened.page
    pg.evaluate(f"() => window.chaingrad.step({F + 1})")  # the seed: dC/dC
    pg.fill("#cg-answer", "-1")
    pg.press("#cg-answer", "Enter")
    verdict = pg.locator("#cg-step .verdict")
    assert verdict.get_attribute("data-mistake") == "sign"
    assert "negative" in verdict.inner_text()
    pg.locator("body").focus()
    pg.keyboard.press("ArrowRight")
    q = steps[1]
    pg.fill("#cg-answer", f"{q.grad:.3g}")  # the right number, typed with 3 digits
    pg.click("#cg-check")
    assert pg.locator("#cg-step .verdict").get_attribute("data-mistake") == ""
    assert "Right" in pg.locator("#cg-step .verdict").inner_text()
    pg.locator("body").focus()
    pg.keyboard.press("ArrowRight")
    pg.click("#cg-reveal")  # shown without an answer
    assert pg.locator("#cg-step tr.contrib").count() == len(steps[2].contributions)
    pg.evaluate(f"() => window.chaingrad.step({F + len(steps)})")
    pg.click("#cg-reveal")
    assert pg.locator("#cg-step .score").inner_text().startswith("Score: 1 of")
    opened.check_clean()


def test_the_quiz_gives_nothing_away(tmp_path, open_page):
    """While a node is asked about: no grad in its box, the panel, the hover, the nudge table."""
    C = quiz_graph()
    page = step_through(C, quiz=True)
    opened = open_page(page.save(tmp_path / "quiz.html"))
    pg = opened.page
    F = len(page.data["fsteps"])
    steps = reverse_steps(C)
    index = {n: k for k, n in enumerate(forward_order(C))}
    k = next(i for i, s in enumerate(steps, 1) if not s.node.parents)  # a leaf's step
    leaf = steps[k - 1].node
    pg.evaluate(f"() => window.chaingrad.step({F + k})")
    pg.click(f"#v{index[leaf]}")
    panel = pg.locator(".panel").inner_text()
    assert number(steps[k - 1].grad) not in panel
    assert pg.locator("#cg-detail .explain").count() == 0
    assert "shown once the reverse pass reaches" in pg.locator("#cg-nudge").inner_text()
    pg.evaluate("() => window.chaingrad.answer(0)")
    assert number(steps[k - 1].grad) in pg.locator("#cg-step").inner_text()  # revealed
    opened.check_clean()
