"""Derivatives of any order and forward mode, from the same op-table rules.

Oracles: closed forms derived by hand, central differences of the engine's own
lower-order derivative (check_grads, as HIPS autograd checks itself), and
numpy finite differences of the gradient for Hessians.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd
from autograd import (
    GradcheckError,
    Primitive,
    Value,
    apply,
    check_grads,
    grad,
    gradients,
    hessian,
    hvp,
    jacobian,
    jvp,
    register,
    value_and_grad,
)
from tests.engine.test_engine_ops import SPEC

# -- every op of the table, to order 3, in both modes --------------------------------

# Points away from kinks (relu, abs at 0) and domain edges; the first two of each op's.
CASES = [
    (name, point) for name in sorted(autograd.OPS) if name in SPEC
    for point in SPEC[name]["points"][:2]
]


@pytest.mark.parametrize(("name", "point"), CASES, ids=[f"{n}{p}" for n, p in CASES])
def test_every_op_to_order_three_in_both_modes(name, point):
    use = SPEC[name]["apply"]
    assert check_grads(use, list(point), order=3, modes=("fwd", "rev"))


@pytest.mark.parametrize("name", sorted(n for n in autograd.OPS if n in SPEC))
def test_every_op_with_a_number_folded_in_to_order_three(name):
    # the first input a Value, the others folded numbers: the rule sees a float operand
    use, point = SPEC[name]["apply"], SPEC[name]["points"][0]
    rest = point[1:]
    assert check_grads(lambda x: use(x, *rest), [point[0]], order=3)


# -- nesting: no perturbation confusion ---------------------------------------------


def test_perturbation_confusion_inside_grad():
    # d/dx [x · (d/dy x·y)(2)] = d/dx x² = 2x; and d/dx [x · (d/dy (x + y))(1)] = 1
    assert grad(lambda x: x * grad(lambda y: x * y)(2.0))(3.0) == 6.0
    assert grad(lambda x: x * grad(lambda y: x + y)(1.0))(3.0) == 1.0


def test_perturbation_confusion_in_a_graph_built_by_hand():
    x = Value(3.0)
    z = x * grad(lambda y: x * y)(Value(2.0))
    z.backward()
    assert x.grad == 6.0
    x2 = Value(3.0)
    z2 = x2 * grad(lambda y: x2 + y)(Value(1.0))
    z2.backward()
    assert x2.grad == 1.0


def test_an_argument_used_also_through_a_closure_is_kept_apart():
    # inner: d/dy (x·y) with y = x passed in, x also closed over: the answer is x, not 2x
    x = Value(4.0)
    g = grad(lambda y: x * y)(x)
    assert g.data == 4.0
    assert gradients(g, x) == 1.0


def test_grad_composes_to_order_five():
    f = lambda x: x**5  # noqa: E731
    d = f
    expected = [5 * 2.0**4, 20 * 2.0**3, 60 * 2.0**2, 120 * 2.0, 120.0]
    for want in expected:
        d = grad(d)
        assert d(2.0) == pytest.approx(want, rel=1e-12)


def test_tanh_and_sigmoid_second_and_third_derivatives_match_closed_forms():
    x = 0.37
    t, s = math.tanh(x), 1 / (1 + math.exp(-x))
    tanh = lambda v: v.tanh()  # noqa: E731
    sig = lambda v: v.sigmoid()  # noqa: E731
    assert grad(grad(tanh))(x) == pytest.approx(-2 * t * (1 - t * t), rel=1e-12)
    assert grad(grad(grad(tanh)))(x) == pytest.approx(-2 * (1 - t * t) * (1 - 3 * t * t), 1e-12)
    assert grad(grad(sig))(x) == pytest.approx(s * (1 - s) * (1 - 2 * s), rel=1e-12)


def test_nested_calls_touch_no_grad_and_backward_stays_first_order():
    w = Value(1.5, label="w")
    f = lambda x: (w * x).tanh() * x  # noqa: E731
    assert isinstance(grad(grad(f))(0.4), float)
    assert w.grad == 0.0
    y = f(Value(0.4))
    y.backward()
    assert isinstance(w.grad, float)


def test_value_and_grad_on_values_returns_values():
    x = Value(2.0)
    value, g = value_and_grad(lambda t: t * t * t)(x)
    assert isinstance(value, Value) and isinstance(g, Value)
    assert (value.data, g.data) == (8.0, 12.0)
    assert gradients(g, x) == 12.0  # d(3x²)/dx


def test_gradients_with_create_graph_differentiates_again():
    x, y = Value(0.5), Value(-1.5)
    out = (x * y).exp() + x * x
    gx, gy = gradients(out, [x, y], create_graph=True)
    e = math.exp(x.data * y.data)
    assert gx.data == pytest.approx(y.data * e + 2 * x.data)
    assert gradients(gx, [x, y]) == pytest.approx((y.data**2 * e + 2, e + x.data * y.data * e))
    assert (x.grad, y.grad) == (0.0, 0.0)


def test_a_list_argument_gets_a_list_gradient():
    assert grad(lambda v: v[0] * v[1] + v[2])([2.0, 3.0, 4.0]) == [3.0, 2.0, 1.0]


# -- forward mode ----------------------------------------------------------------------


def f3(x, y, z):
    return (x * y).sin() * z if hasattr(Value, "sin") else (x * y).tanh() * z


@pytest.mark.parametrize("tangent", [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.3, -2.0, 0.5)])
def test_jvp_is_the_gradient_along_the_tangent(tangent):
    point = (0.4, -0.9, 1.7)
    value, directional = jvp(f3, point, tangent)
    g = grad(f3, argnums=(0, 1, 2))(*point)
    assert value == f3(*map(Value, point)).data
    assert directional == pytest.approx(sum(a * b for a, b in zip(g, tangent)), rel=1e-12)


def test_jvp_of_a_list_output_and_jvp_of_jvp():
    value, tangent = jvp(lambda x, y: [x * y, x + y], (2.0, 5.0), (1.0, 1.0))
    assert value == [10.0, 7.0] and tangent == [7.0, 2.0]
    # second derivative by forward over forward: d²(x³)/dx² = 6x
    assert jvp(lambda x: jvp(lambda y: y * y * y, (x,), (1.0,))[1], (2.0,), (1.0,)) == (12.0, 12.0)


def test_jvp_refuses_mismatched_tangents():
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        jvp(lambda x, y: x * y, (1.0, 2.0), (1.0,))
    with pytest.raises(TypeError, match="tangents must be numbers"):
        jvp(lambda x: x, (1.0,), ("a",))


def test_forward_mode_seeded_on_a_weight_gives_the_forward_chain():
    # document 003's linear chain x1 = w1 x0, x2 = w2 x1: d x2 / d w1 = w2 · x0
    x0, w2 = 1.5, -0.7
    _, dx2 = jvp(lambda w1: w2 * (w1 * x0), (0.8,), (1.0,))
    assert dx2 == pytest.approx(w2 * x0)


# -- Hessians, hvp, Jacobians against independent oracles ------------------------------


def _mlp_loss(*params):
    # a 2-3-1 tanh MLP on two fixed samples, params flattened: W1 (6), b1 (3), W2 (3), b2 (1)
    W1, b1, W2, b2 = params[:6], params[6:9], params[9:12], params[12]
    loss = 0.0
    for (a, b), target in (((0.5, -1.0), 0.3), ((-0.2, 0.8), -0.4)):
        hidden = [(W1[2 * j] * a + W1[2 * j + 1] * b + b1[j]).tanh() for j in range(3)]
        out = sum((w * h for w, h in zip(W2, hidden)), b2)
        loss = loss + (out - target) * (out - target)
    return loss


def test_hessian_of_a_tiny_mlp_loss_matches_finite_differences_of_the_gradient():
    rng = np.random.default_rng(0)
    params = list(rng.normal(scale=0.7, size=13))
    n = len(params)
    H = np.array(hessian(_mlp_loss, argnums=tuple(range(n)))(*params))
    g = grad(_mlp_loss, argnums=tuple(range(n)))
    eps = 1e-5
    numeric = np.empty((n, n))
    for j in range(n):
        up, down = list(params), list(params)
        up[j] += eps
        down[j] -= eps
        numeric[:, j] = (np.array(g(*up)) - np.array(g(*down))) / (2 * eps)
    assert np.allclose(H, H.T, atol=1e-12)
    assert np.allclose(H, numeric, rtol=1e-6, atol=1e-7)
    v = rng.normal(size=n)
    assert np.allclose(hvp(_mlp_loss, params, list(v)), H @ v, rtol=1e-10, atol=1e-12)


def test_hessian_of_a_list_argument_and_of_a_constant():
    H = hessian(lambda v: v[0] * v[0] * v[1] + v[1].exp())([2.0, 0.0])
    assert H == [[0.0, 4.0], [4.0, 1.0]]
    assert hessian(lambda x: 3.0)(1.0) == [[0.0]]


def test_jacobian_matches_central_differences():
    def f(x, y):
        return [x * y, (x - y).tanh(), x.exp() / y]

    J = np.array(jacobian(f, argnums=(0, 1))(0.3, 1.2))
    h = 1e-6

    def floats(x, y):
        return np.array([v.data for v in f(Value(x), Value(y))])

    numeric = np.stack(
        [(floats(0.3 + h, 1.2) - floats(0.3 - h, 1.2)) / (2 * h),
         (floats(0.3, 1.2 + h) - floats(0.3, 1.2 - h)) / (2 * h)], axis=1)
    assert np.allclose(J, numeric, rtol=1e-6, atol=1e-8)


# -- check_grads, and what cannot be differentiated again --------------------------------


def test_check_grads_names_order_mode_and_argument_of_a_wrong_second_derivative():
    # d(x³)/dx written as 3·x.data·x: the right number, but half its x is frozen, so
    # the first derivative checks out and the second (3x, not 6x) does not
    cube = register(Primitive(
        name="cube_frozen_rule", forward=lambda x: x**3,
        derivatives=(lambda out, x: 3 * (x.data if isinstance(x, Value) else x) * x,),
        symbols=("3·{0}²",), formulas=("",), text="cube({0})"))
    check_grads(lambda x: apply(cube, x), [0.5], order=1)
    for mode in ("fwd", "rev"):
        with pytest.raises(GradcheckError, match=f"order 2, mode '{mode}', argument 0"):
            check_grads(lambda x: apply(cube, x), [0.5], order=2, modes=(mode,))


def test_check_grads_names_the_argument_of_a_wrong_partial():
    bad = register(Primitive(
        name="bad_mul", forward=lambda a, b: a * b,
        derivatives=(lambda out, a, b: b, lambda out, a, b: a + 1.0),
        symbols=("{1}", "{0}"), formulas=("", ""), text="{0}*{1}"))
    with pytest.raises(GradcheckError, match="mode 'rev', argument 1"):
        check_grads(lambda x, y: apply(bad, x, y), [0.5, 2.0], modes=("rev",))


@pytest.mark.parametrize(("order", "modes"), [(0, ("rev",)), (True, ("rev",)), (2, ("back",)),
                                              (2, ())])
def test_check_grads_refuses_bad_settings(order, modes):
    with pytest.raises(ValueError):
        check_grads(lambda x: x, [1.0], order=order, modes=modes)


def test_a_rule_written_with_math_on_floats_is_refused_at_second_order_naming_the_op():
    op = register(Primitive(
        name="floaty_exp", forward=math.exp, derivatives=(lambda out, x: math.exp(x),),
        symbols=("exp({0})",), formulas=("",), text="e({0})"))
    assert grad(lambda x: apply(op, x))(0.5) == pytest.approx(math.exp(0.5))
    with pytest.raises(TypeError, match="floaty_exp: its derivative rule turned .* into a float"):
        grad(grad(lambda x: apply(op, x)))(0.5)


def test_domain_errors_at_higher_order_name_the_op():
    # (√x)'' = -1/(4 x^{3/2}); at 0 the first derivative is already infinite
    with pytest.raises(ZeroDivisionError, match="sqrt"):
        grad(grad(lambda x: x.sqrt()))(0.0)
    # log'' = -1/x²: fine at 2, and log of a negative is refused at every order
    assert grad(grad(lambda x: x.log()))(2.0) == -0.25
    with pytest.raises(ValueError, match="log"):
        grad(grad(lambda x: x.log()))(-1.0)


def test_the_graph_of_a_gradient_names_what_its_pass_made():
    x = Value(0.5, label="x")
    y = (x * x).tanh()
    y.label = "y"
    g = gradients(y, x, create_graph=True)
    assert g.label == "∂y/∂x"
    assert x.label == "x" and y.label == "y"  # the forward graph keeps its names
    text = autograd.trace_text(g)
    assert "∂y/∂x = " in text and "tanh(" in text
    assert gradients(g, x) == pytest.approx(grad(grad(lambda t: (t * t).tanh()))(0.5))


def test_hvp_of_a_list_argument_is_laid_out_like_it():
    assert hvp(lambda v: v[0] * v[0] * v[1], ([2.0, 5.0],), ([1.0, 0.0],)) == [[10.0, 4.0]]
    assert hvp(lambda v, s: v[0] * v[1] * s, ([2.0, 5.0], 3.0), ([1.0, 0.0], 1.0)) == [
        [0.0 + 5.0, 3.0 + 2.0],
        5.0,
    ]


def test_a_rule_that_fails_only_as_a_graph_names_the_op_whose_derivative_it_is():
    # d/dx of (2/3)·x^{3/2} written as √x: fine at 0 on floats, but √'s own
    # derivative is infinite at 0, so the second derivative is refused, naming the op
    op = register(Primitive(
        name="three_halves", forward=lambda x: (2.0 / 3.0) * x**1.5,
        derivatives=(lambda out, x: x**0.5,), symbols=("√{0}",), formulas=("",),
        text="t({0})"))
    assert grad(lambda x: apply(op, x))(0.0) == 0.0
    with pytest.raises(ZeroDivisionError, match=r"three_halves: its local derivative .*'arg0'"):
        grad(grad(lambda x: apply(op, x)))(0.0)


# -- found in review: nothing non-finite out of the functional forms, nesting everywhere --


def _overflows(x):
    return x * 1e308 + x * 1e308  # finite value at 0.4, infinite derivative


def _cancels(x):
    return (x * 1e300) * 1e300 - (x * 1e300) * 1e300  # 0 - 0, derivative inf - inf


@pytest.mark.parametrize("call", [
    lambda: grad(_overflows)(0.4),
    lambda: value_and_grad(_cancels)(1e-300),
    lambda: gradients(_overflows(Value(0.4)), Value(0.4)),
    lambda: jacobian(lambda x: [_overflows(x)])(0.4),
    lambda: hessian(lambda x: x * x * 1e308)(0.1),
    lambda: jvp(lambda x: x * 10, (1.0,), (1e308,)),
    lambda: jvp(_cancels, (1e-300,), (1.0,)),
])
def test_the_functional_forms_refuse_what_is_not_finite(call):
    with pytest.raises((OverflowError, ValueError), match="inf|nan"):
        call()


def test_the_checks_never_pass_a_nan_derivative():
    # inf - inf in the analytic derivative: refused, where `nan > tol` used to pass it
    with pytest.raises((OverflowError, ValueError, GradcheckError)):
        autograd.gradcheck(_cancels, [1e-300], eps=1e-310)
    with pytest.raises((OverflowError, ValueError, GradcheckError)):
        check_grads(_cancels, [1e-300], order=1, eps=1e-310)


def test_gradients_inside_a_derivative_builds_its_graph():
    assert grad(lambda x: gradients(x * x * x, x))(2.0) == 12.0
    assert grad(lambda x: gradients(x * x * x, [x])[0])(2.0) == 12.0


def test_repeated_argnums_repeat_rows_and_columns():
    assert grad(lambda a, b: a * b, argnums=(0, 0))(2.0, 5.0) == (5.0, 5.0)
    assert hessian(lambda a, b: a * a * b, argnums=(0, 0))(2.0, 5.0) == [[10.0, 10.0],
                                                                          [10.0, 10.0]]
    assert hessian(lambda a, b: a * a * b, argnums=(1, 0))(2.0, 5.0) == [[0.0, 4.0], [4.0, 10.0]]
    assert jacobian(lambda a, b: [a * a * b], argnums=(0, 0))(2.0, 5.0) == [[20.0, 20.0]]


def test_second_derivatives_do_not_overflow_where_the_first_does_not():
    for f in (lambda x: x.atan(), lambda x: x.asinh(), lambda x: autograd.atan2(x, 1.0)):
        assert abs(grad(grad(f))(1e200)) < 1e-300
    # d²/dx² hypot(x, y) = y²/r³: at x = y = 1e200 that is 2^(-3/2)·1e-200
    assert grad(grad(lambda x: autograd.hypot(x, 1e200)))(1e200) == pytest.approx(
        2**-1.5 * 1e-200)


def test_jvp_is_linear_in_the_number_of_outputs():
    # one walk for all outputs: counting the nodes visited, not timing
    calls = []
    original = autograd.functional.topo_order

    def counting(root):
        calls.append(root)
        return original(root)

    autograd.functional.topo_order = counting
    try:
        def chain(x):
            outs, y = [], x
            for _ in range(500):
                y = y * 1.001
                outs.append(y)
            return outs

        value, tangent = jvp(chain, (1.0,), (1.0,))
    finally:
        autograd.functional.topo_order = original
    assert len(calls) == 1 and tangent[-1] == pytest.approx(1.001**500)


def test_the_seeing_tools_work_on_the_graph_of_a_gradient():
    x = Value(0.7, label="x")
    y = (x * x).sin() if hasattr(Value, "sin") else (x * x).tanh()
    y.label = "y"
    g = gradients(y, x, create_graph=True)
    dot_source = autograd.draw(g).source
    assert "∂y/∂x" in dot_source and "x" in dot_source
    page = autograd.step_through(g, highlight=x)
    assert page.nodes == len(autograd.topo_order(g))
    steps = list(autograd.reverse_steps(g))
    assert {s.node: s.grad for s in steps}[x] == pytest.approx(gradients(g, x))
    assert autograd.explain(g, x).total == pytest.approx(gradients(g, x))
