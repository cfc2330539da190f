"""Bad input (issue 2, item 7): the right exception, raised where it happens,
with a message that names the op, the operand's value and the node's label;
a failed op leaves every existing graph usable; nothing silently becomes NaN."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

import autograd
from autograd import Value


def _raises(kind, make, *must_name):
    """make() raises exactly `kind` (or a subclass) whose message contains every string."""
    with pytest.raises(kind) as info:
        make()
    message = str(info.value)
    for text in must_name:
        assert text in message, f"{kind.__name__} message {message!r} does not name {text!r}"
    return info.value


# -- ValueError: outside the domain ---------------------------------------------

@pytest.mark.parametrize("x", [0.0, -1.0, -2.5])
def test_log_of_a_non_positive_value(x):
    v = Value(x, label="logarg")
    _raises(ValueError, v.log, "log", "logarg", f"{x:g}")


@pytest.mark.parametrize("x", [-1.0, -0.25, -1e-9])
def test_sqrt_of_a_negative_value(x):
    v = Value(x, label="root_in")
    _raises(ValueError, v.sqrt, "sqrt", "root_in", f"{x:g}")


@pytest.mark.parametrize("n", [0.5, -1.5, 2.2])
def test_negative_base_to_a_non_integer_number_power(n):
    v = Value(-2.0, label="base")
    _raises(ValueError, lambda: v**n, "**", "base", "-2", f"{n:g}")


def test_negative_base_to_a_non_integer_value_power():
    base, n = Value(-2.0, label="base"), Value(0.5, label="expo")
    _raises(ValueError, lambda: base**n, "**", "base", "expo", "-2", "0.5")


def test_negative_number_base_to_a_non_integer_value_power():
    n = Value(0.5, label="expo")
    _raises(ValueError, lambda: (-2.0) ** n, "**", "expo", "-2", "0.5")


# -- ZeroDivisionError -----------------------------------------------------------

def test_value_divided_by_zero_value():
    a, z = Value(3.0, label="num"), Value(0.0, label="den")
    _raises(ZeroDivisionError, lambda: a / z, "/", "num", "den", "3", "0")


def test_value_divided_by_number_zero():
    a = Value(3.0, label="num")
    _raises(ZeroDivisionError, lambda: a / 0, "/", "num", "3")
    _raises(ZeroDivisionError, lambda: a / 0.0, "/", "num", "3")


def test_number_divided_by_zero_value():
    z = Value(0.0, label="den")
    _raises(ZeroDivisionError, lambda: 1.0 / z, "/", "den", "0")


def test_zero_to_a_negative_power():
    z = Value(0.0, label="zero")
    _raises(ZeroDivisionError, lambda: z**-1, "**", "zero", "0")


# -- OverflowError -------------------------------------------------------------

@pytest.mark.parametrize("x", [710.0, 1000.0, 1e308])
def test_exp_overflow(x):
    v = Value(x, label="big")
    _raises(OverflowError, v.exp, "exp", "big", f"{x:g}")


def test_mul_overflow_raises_instead_of_inf():
    a, b = Value(1e200, label="a"), Value(1e200, label="b")
    _raises(OverflowError, lambda: a * b, "*", "a", "b", "1e+200")
    _raises(OverflowError, lambda: a * 1e200, "*", "a", "1e+200")


def test_add_and_pow_overflow_raise():
    a = Value(1.7e308, label="a")
    _raises(OverflowError, lambda: a + a, "+", "a")
    _raises(OverflowError, lambda: Value(10.0, label="ten") ** 400, "**", "ten")
    _raises(OverflowError, lambda: 10.0 ** Value(400.0, label="e"), "**", "e")


def test_sum_and_dot_overflow_raise():
    xs = [Value(1e308, label=f"x{i}") for i in range(3)]
    with pytest.raises(OverflowError, match="sum"):
        autograd.sum(xs)
    with pytest.raises(OverflowError, match="dot"):
        autograd.dot(xs, [10.0, 10.0, 10.0])


def test_backward_overflow_raises_and_leaves_grads_alone():
    """A gradient that overflows in the reverse pass is an error, not inf or NaN."""
    x = Value(1e-200, label="x")
    y = x.log()  # local 1e200
    z = y * 1e200  # local 1e200: dz/dx = 1e400
    with pytest.raises(OverflowError):
        z.backward()
    assert x.grad == 0.0 and y.grad == 0.0 and z.grad == 0.0


def test_inf_times_zero_in_backward_is_not_nan():
    """1/x at a tiny x has an infinite local derivative; times a zero upstream
    that would be NaN. The engine must raise somewhere, never leave NaN in a grad."""
    x = Value(1e-300, label="x")
    try:
        y = 1.0 / x
        z = y * 0.0
        z.backward()
    except (OverflowError, ZeroDivisionError, ValueError):
        pass
    assert not math.isnan(x.grad)
    assert math.isfinite(x.grad)


# -- TypeError ---------------------------------------------------------------------

@pytest.mark.parametrize(
    "data", ["3", None, [1.0], (1.0,), 1 + 2j, object()], ids=lambda d: type(d).__name__
)
def test_value_of_non_number_data(data):
    err = _raises(TypeError, lambda: Value(data, label="w"), type(data).__name__)
    assert "w" in str(err)


@pytest.mark.parametrize("data", [True, False])
def test_bools_are_refused(data):
    """Documented choice: bools are not numbers here (True + True == 2 hides bugs)."""
    _raises(TypeError, lambda: Value(data, label="flag"), "bool", "flag")


def test_number_like_reals_are_accepted_as_float():
    v = Value(Fraction(1, 4))
    assert v.data == 0.25 and type(v.data) is float
    assert type(Value(3).data) is float


@pytest.mark.parametrize("other", ["2", None, [1.0], True, 1j])
def test_op_with_a_non_number_operand(other):
    v = Value(1.0, label="lhs")
    for op, make in [("+", lambda: v + other), ("*", lambda: other * v)]:
        err = _raises(TypeError, make, op, type(other).__name__)
        assert "lhs" in str(err), str(err)


def test_sum_and_dot_of_non_numbers():
    with pytest.raises(TypeError, match="str"):
        autograd.sum([Value(1.0), "x"])
    with pytest.raises(TypeError, match="str"):
        autograd.dot([Value(1.0)], ["x"])


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_data_is_refused(bad):
    with pytest.raises((TypeError, ValueError)) as info:
        Value(bad, label="nanny")
    assert "nanny" in str(info.value)


@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_non_finite_operand_is_refused(bad):
    v = Value(1.0, label="v")
    with pytest.raises((TypeError, ValueError, OverflowError)):
        v + bad
    with pytest.raises((TypeError, ValueError, OverflowError)):
        bad * v


def test_unlabelled_nodes_are_still_described():
    v = Value(-3.0)
    with pytest.raises(ValueError) as info:
        v.log()
    assert "log" in str(info.value) and "-3" in str(info.value)
    inner = Value(2.0, label="x") - 5.0  # an unlabelled op output
    with pytest.raises(ValueError) as info:
        inner.sqrt()
    assert "sqrt" in str(info.value) and "-3" in str(info.value)


def test_error_names_a_computed_nodes_label():
    x = Value(2.0, label="x")
    h = x - 3.0
    h.label = "h"
    _raises(ValueError, h.log, "log", "'h'", "-1")


# -- a failed op leaves existing graphs usable -----------------------------------

@pytest.mark.parametrize(
    "bad",
    [
        lambda n: n.log(),
        lambda n: n.sqrt(),
        lambda n: n / 0,
        lambda n: (n * 1e300) * 1e300,
        lambda n: (n * -1000).exp(),
        lambda n: n ** 0.5,
        lambda n: n + "x",
    ],
    ids=["log", "sqrt", "div0", "mul-overflow", "exp-overflow", "neg-pow", "type"],
)
def test_failed_op_leaves_the_graph_usable(bad):
    a, b = Value(-1.5, label="a"), Value(2.0, label="b")
    c = a * b  # -3
    d = c + a  # -4.5
    e = d * d  # 20.25
    snapshot = [(n.data, n.grad, n.parents, n.local_grads) for n in (a, b, c, d, e)]
    with pytest.raises((ValueError, ArithmeticError, TypeError)):
        bad(d)
    # nothing in the old graph changed
    assert [(n.data, n.grad, n.parents, n.local_grads) for n in (a, b, c, d, e)] == snapshot
    assert autograd.is_grad_enabled()
    e.backward()
    # de/da = 2d * (b + 1), de/db = 2d * a
    assert e.grad == 1.0
    assert d.grad == pytest.approx(2 * -4.5)
    assert a.grad == pytest.approx(2 * -4.5 * (2.0 + 1.0))
    assert b.grad == pytest.approx(2 * -4.5 * -1.5)
    autograd.check_graph(e)


def test_failed_op_inside_no_grad_restores_grad_mode():
    with pytest.raises(ValueError):
        with autograd.no_grad():
            Value(-1.0).log()
    assert autograd.is_grad_enabled()
    assert Value(2.0).log().parents  # the graph is being built again
