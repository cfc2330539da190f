"""Regressions: engine behaviour that disagreed with design.md / issue 2 when
this suite was written (each test failed then) and was fixed in the engine.
Each docstring says what went wrong and which part of the contract it broke."""

from __future__ import annotations

import math

import pytest

from autograd import Value


@pytest.mark.parametrize("exponent", [0, 0.0, "value"])
def test_zero_to_the_power_zero(exponent):
    """0 ** 0 = 1 (Python, math.pow) and d(x**0)/dx = 0. The engine raised
    ZeroDivisionError "0.0 cannot be raised to a negative power": the rule
    n * x ** (n - 1) evaluates 0 * 0.0 ** -1. The contract reserves
    ZeroDivisionError for division by zero; nothing is divided here."""
    x = Value(0.0, label="x")
    n = Value(0.0, label="n") if exponent == "value" else exponent
    y = x**n
    assert y.data == 1.0
    assert y.local_grads[0] == 0.0


@pytest.mark.parametrize(
    "make, at",
    [(lambda x: 1.0 / x, 1e-300), (lambda x: Value(1.0) / x, 1e-300), (lambda x: x.log(), 1e-320)],
    ids=["1/x", "Value/x", "log"],
)
def test_an_overflowing_local_derivative_is_raised_where_it_happens(make, at):
    """d(1/x)/dx = -1/x² at x = 1e-300 and d(log x)/dx = 1/x at x = 1e-320
    overflow a float while the forward values are finite.
    The engine stored inf in .local_grads without a word (x ** -1 at the same
    point raised OverflowError, so the two spellings of 1/x disagreed), and the
    error only surfaced later, in backward, if at all (explain() and drawings
    read the inf off the edge). The contract: errors raised where they happen,
    nothing silently non-finite."""
    x = Value(at, label="tiny")
    try:
        y = make(x)
    except OverflowError as error:
        assert "tiny" in str(error)
        return
    assert all(math.isfinite(g) for g in y.local_grads), y.local_grads


def test_a_huge_int_is_refused_with_a_message_naming_the_node():
    """Value(10**400) and v + 10**400 leaked float()'s bare OverflowError
    'int too large to convert to float', naming neither the op nor the label."""
    with pytest.raises((TypeError, ValueError, OverflowError)) as info:
        Value(10**400, label="huge")
    assert "huge" in str(info.value)
    v = Value(1.0, label="v")
    with pytest.raises((TypeError, ValueError, OverflowError)) as info:
        v + 10**400
    assert "+" in str(info.value) and "v" in str(info.value)
