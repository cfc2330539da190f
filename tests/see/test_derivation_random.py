"""Random chains of unary ops: a table mistake made at any step, in a step the learner
did not write down, is found and named (hypothesis, derandomized)."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from autograd import OPS, Value, check_derivation, gradients

UNARY = ["tanh", "sigmoid", "exp", "sin", "cos", "relu", "sqrt", "log", "softplus", "silu"]


def _chain(x0: float, ops: list[str], scale: float):
    """x → op₁ → ×scale → op₂ → ×scale ...: positive inputs kept for sqrt and log."""
    x = Value(x0, label="x")
    node, steps = x, []
    for k, name in enumerate(ops):
        if name in ("sqrt", "log", "relu"):
            node = node * node + 0.5  # a positive input (and relu on)
        out = getattr(node, name)()
        out.label = f"s{k}"
        steps.append((out, node))
        node = out * scale
    node.label = "C"
    return node, x, steps


@settings(max_examples=150, deadline=None, derandomize=True)
@given(x0=st.floats(-1.5, 1.5), scale=st.floats(0.6, 1.8),
       ops=st.lists(st.sampled_from(UNARY), min_size=1, max_size=4), data=st.data())
def test_a_table_mistake_anywhere_in_a_chain_is_named(x0, scale, ops, data):
    C, x, steps = _chain(x0, ops, scale)
    k = data.draw(st.integers(0, len(steps) - 1))
    out, inp = steps[k]
    mistakes = OPS[out.op].mistakes
    m = data.draw(st.integers(0, len(mistakes) - 1))
    mistake = mistakes[m]
    from autograd.see.derivation import _mistakes

    wrong = dict(_mistakes(out, 0)).get(mistake)
    true_local = out.local_grads[0]
    if (wrong is None or abs(true_local) < 1e-6
            or abs(wrong - true_local) <= 1e-3 * max(1.0, abs(true_local))):
        return  # the mistake gives the right number here: there is nothing to find
    # the learner's dC/dx: the chain rule with the wrong local derivative at step k
    hand_x = gradients(C, [x])[0] / true_local * wrong
    if not math.isfinite(hand_x) or abs(hand_x - gradients(C, [x])[0]) < 1e-9:
        return  # a zero further down the chain hides the mistake (a relu off, ...)
    report = check_derivation(C, {x: hand_x})
    assert report.first_wrong is x and report.mistake == "wrong_local", str(report)
    # the mistake named reproduces the learner's number (another may coincide by value)
    assert report.says in {mm.says for n in OPS.values() for mm in n.mistakes}
