"""A learner's own op: one Primitive, registered once, read by everything."""

from __future__ import annotations

import math

import pytest

from autograd import OPS, GradcheckError, Primitive, Value, apply, check_graph, register, trace_text


def _cube(rule=lambda out, x: 3 * x * x) -> Primitive:
    return Primitive(name="cube", forward=lambda x: x**3, derivatives=(rule,),
                     symbols=("3·{0}²",), formulas=("(x³)' = 3x²",), text="cube({0})")


@pytest.fixture
def table():
    yield OPS
    OPS.pop("cube", None)


def test_a_registered_op_backprops_traces_and_checks(table):
    cube = register(_cube())
    x = Value(2.0, label="x")
    y = apply(cube, x).tanh()
    y.backward()
    assert y.parents[0].op == "cube"
    assert x.grad == pytest.approx((1 - math.tanh(8.0) ** 2) * 12.0, rel=1e-12)
    assert check_graph(y) == 2
    assert "cube(x)" in trace_text(y) and "3·x²" in trace_text(y)


def test_a_wrong_rule_is_named_by_check_graph(table):
    register(_cube(rule=lambda out, x: 2 * x * x))
    x = Value(1.5, label="x")
    with pytest.raises(GradcheckError, match="'cube'.*'x'"):
        check_graph(apply("cube", x))


def test_an_unregistered_op_is_refused_and_names_are_not_overwritten(table):
    with pytest.raises(ValueError, match="register"):
        apply(_cube(), Value(1.0))
    register(_cube())
    with pytest.raises(ValueError, match="already"):
        register(_cube())
    with pytest.raises(ValueError, match="already"):
        register(Primitive(name="tanh", forward=math.tanh, derivatives=(lambda out, x: 1.0,),
                           symbols=("1",), formulas=("",), text=""))


def test_apply_by_name_matches_the_operators():
    a, b = Value(2.0), Value(3.0)
    assert apply("*", a, b).data == (a * b).data
    assert apply("+", a, 1).data == 3.0
    assert apply("sum", a, b, 4.0).data == 9.0
    with pytest.raises(TypeError, match="operands"):
        apply("*", a)
    with pytest.raises(TypeError, match="Value"):
        apply("tanh", 0.5)


def test_a_registered_nary_op_takes_its_inputs_as_one_sequence():
    # product of any number of inputs: d/dx_i = out / x_i (here all x_i are nonzero);
    # the rule returns a list, which the node keeps as a tuple
    prod = Primitive(
        name="prod", forward=lambda xs: math.prod(xs),
        derivatives=(lambda out, xs: [out / x for x in xs],),
        symbols=("{out}/xᵢ",), formulas=("d(Π x)/dxᵢ = Π x / xᵢ",), text="prod({args})",
        nary=True,
    )
    register(prod)
    try:
        xs = [Value(2.0, label="a"), Value(-3.0, label="b"), 0.5]
        y = apply(prod, *xs)
        assert y.data == -3.0 and y.local_grads == (-1.5, 1.0)
        assert isinstance(y.local_grads, tuple) and y.args[-1] == 0.5
        y.backward()
        assert (xs[0].grad, xs[1].grad) == (-1.5, 1.0)
        assert check_graph(y) == 2
        assert "prod(a, b, 0.5)" in trace_text(y)
        with pytest.raises(OverflowError, match="prod"):
            apply(prod, Value(1e300), Value(1e300))
    finally:
        OPS.pop("prod", None)


def test_an_nary_rule_that_miscounts_or_fails_is_named():
    short = Primitive(name="short", forward=lambda xs: sum(xs),
                      derivatives=(lambda out, xs: (1.0,),), symbols=("1",), formulas=("1",),
                      text="short({args})", nary=True)
    bad = Primitive(name="bad", forward=lambda xs: sum(xs),
                    derivatives=(lambda out, xs: tuple(1.0 / x for x in xs),),
                    symbols=("1/xᵢ",), formulas=("1/xᵢ",), text="bad({args})", nary=True)
    register(short)
    register(bad)
    try:
        with pytest.raises(ValueError, match="short: its rule gave 1 local derivatives for 2"):
            apply(short, Value(1.0), Value(2.0))
        with pytest.raises(ZeroDivisionError, match="bad: .*node 'z'"):
            apply(bad, Value(0.0, label="z"), Value(2.0))
    finally:
        OPS.pop("short", None)
        OPS.pop("bad", None)
