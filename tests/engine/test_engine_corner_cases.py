"""Corner cases of the contract: derivative-only failures, subclasses, nested grad."""

from __future__ import annotations

import pytest

import autograd as ag
from autograd import Value, no_grad


@pytest.mark.parametrize(
    "make, kind, words",
    [
        (lambda z: z.sqrt(), ZeroDivisionError, ["sqrt", "'z' = 0", "infinite", "1/(2√x)"]),
        (lambda z: z**0.5, ZeroDivisionError, ["**", "'z' = 0", "infinite"]),
    ],
)
def test_a_finite_value_with_an_infinite_derivative_says_so(make, kind, words):
    z = Value(0.0, label="z")
    with pytest.raises(kind) as info:
        make(z)
    for word in words:
        assert word in str(info.value)
    with no_grad():  # no derivative needed: the value is fine
        assert make(z).data == 0.0


def test_a_negative_base_with_a_value_exponent_names_the_real_reason():
    b, n = Value(-2.0, label="b"), Value(2.0, label="n")
    with pytest.raises(ValueError, match="not real for a negative base") as info:
        b**n
    assert "'b' = -2" in str(info.value) and "'n' = 2" in str(info.value)
    assert (b**2).data == 4.0  # a number exponent has no such limit


def test_subclasses_of_value_are_values():
    class Named(Value):
        __slots__ = ()

    v = Named(2.0, label="v")
    assert (v * 3).data == 6.0 and (1 - v).data == -1.0 and (v**v).data == 4.0
    s = ag.sum([v, 1.0, Value(1.0)])
    d = ag.dot([v, 2.0], [3.0, v])
    s.backward()
    d.backward()
    assert v.grad == 1.0 + 3.0 + 2.0


def test_nested_grad_is_differentiated_not_refused():
    # d/dx [d/dy (y·y·x) at y = 3] = d/dx (6x) = 6
    assert ag.grad(lambda x: ag.grad(lambda y: y * y * x)(3.0))(5.0) == 6.0
    assert ag.grad(lambda x: x * x)(3.0) == 6.0  # and nothing is left set afterwards


def test_a_bad_nary_operand_names_a_node():
    v = Value(1.0, label="v")
    with pytest.raises(TypeError, match="dot: .*'s'.*node 'v'"):
        ag.dot([v], ["s"])


def test_dot_with_a_bias_as_a_number_a_value_or_bad_input():
    w = [Value(2.0, label="w1"), Value(-1.0, label="w2")]
    q = [Value(0.5, label="q1"), 3.0]
    b = Value(0.25, label="b")
    p = ag.dot(w, q, b)
    assert p.data == 2.0 * 0.5 - 3.0 + 0.25
    assert p.parents == (w[0], w[1], q[0], b) and p.args == (*w, *q, b)
    assert p.local_grads == (0.5, 3.0, 2.0, 1.0)  # q1, q2 (folded), w1, then dp/db = 1
    folded = ag.dot(w, q, 1.5)
    assert folded.data == 2.0 * 0.5 - 3.0 + 1.5 and folded.args[-1] == 1.5
    assert len(folded.parents) == 3
    with pytest.raises(TypeError, match="dot: .*'b'"):
        ag.dot(w, q, "b")
    with pytest.raises(ValueError, match="dot: operand nan is not finite"):
        ag.dot(w, q, float("nan"))
    with pytest.raises(ValueError, match="1 weights, 2 inputs"):
        ag.dot(w[:1], q, b)
    # generators are read once, as lists are
    g = ag.dot((x for x in w), iter(q), b)
    assert g.data == p.data


def test_empty_sum_and_dot_are_float_zero():
    for v in (ag.sum([]), ag.dot([], [])):
        assert v.data == 0.0 and type(v.data) is float
    assert type(ag.dot([], [], Value(2.0)).data) is float
