"""Backpropagation by hand: exercises that grade themselves.

For the learner: derive each gradient on paper, type your numbers into
ANSWERS below (four significant digits are enough), then run

    pytest test_exercises.py

A wrong number fails with the first wrong step of your derivation and the
mistake that made it (a local derivative taken wrongly, a path missed, the
chain rule not applied, a sign, a constant factor). Nodes are named by their
labels; the text of each exercise says which.

For the teacher: each exercise is a function that builds the graph from
Values and a test that calls ``assert_derivation``; add your own the same
way (see docs/teaching.md).
"""

from __future__ import annotations

import pytest

from autograd import Value, assert_derivation

REL = 1e-3  # hand-typed numbers: four significant digits are right

ANSWERS: dict[str, dict[str, float | None]] = {
    # o = tanh(n), n = x1·w1 + x2·w2 + b: do/dn, do/dw1, do/dx1, do/dw2
    "neuron": {"n": None, "w1": None, "x1": None, "w2": None},
    # document 003: q_i = tanh(p_i), p_{i+1} = w_{i,i+1}·q_i, C = ½(q2 − y)²:
    # dC/dp2, dC/dw12, dC/dp1, dC/dw01
    "chain": {"p2": None, "w12": None, "p1": None, "w01": None},
    # y = x·x + x: dy/dx (x is used three times)
    "used_twice": {"x": None},
    # J = 1/m Σ ½(w·xᵢ − yᵢ)² + λ/2·w²: dJ/dw
    "weight_decay": {"w": None},
}


def _mine(name: str) -> dict[str, float]:
    """The learner's numbers for one exercise; an exercise not done yet fails, saying so."""
    missing = [node for node, number in ANSWERS[name].items() if number is None]
    if missing:
        pytest.fail(f"exercise {name!r}: type your numbers into ANSWERS[{name!r}] for "
                    f"{', '.join(missing)}", pytrace=False)
    return ANSWERS[name]


def neuron() -> Value:
    """micrograd's neuron: x1 = 2, x2 = 0, w1 = −3, w2 = 1, b = 6.8814, o = tanh(n)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


def chain() -> Value:
    """Document 003: p0 = 0.5, w01 = 0.8, w12 = −1.2, y = 0.2, tanh at every node."""
    w01, w12 = Value(0.8, label="w01"), Value(-1.2, label="w12")
    p0 = Value(0.5, label="p0")
    q0 = p0.tanh()
    q0.label = "q0"
    p1 = w01 * q0
    p1.label = "p1"
    q1 = p1.tanh()
    q1.label = "q1"
    p2 = w12 * q1
    p2.label = "p2"
    q2 = p2.tanh()
    q2.label = "q2"
    C = (q2 - 0.2) ** 2 * 0.5
    C.label = "C"
    return C


def used_twice() -> Value:
    """x = 3: y = x·x + x."""
    x = Value(3.0, label="x")
    y = x * x + x
    y.label = "y"
    return y


def weight_decay() -> Value:
    """Document 002 with one weight: m = 2 examples (x, y) = (1, 2), (2, 3); w = 0.5, λ = 0.1."""
    w = Value(0.5, label="w")
    data = ((1.0, 2.0), (2.0, 3.0))
    error = sum(((w * x - y) ** 2 * 0.5 for x, y in data), Value(0.0)) * (1 / len(data))
    J = error + w ** 2 * (0.1 / 2)
    J.label = "J"
    return J


def test_neuron():
    assert_derivation(neuron(), _mine("neuron"), rel=REL)


def test_chain():
    assert_derivation(chain(), _mine("chain"), rel=REL)


def test_used_twice():
    assert_derivation(used_twice(), _mine("used_twice"), rel=REL)


def test_weight_decay():
    assert_derivation(weight_decay(), _mine("weight_decay"), rel=REL)
