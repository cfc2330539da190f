"""What users actually do: functional calls beside a model's grads, threads, hostile seeds.

Every test here failed on the engine before the wave 2 reliability work.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import threading
from fractions import Fraction

import numpy as np
import pytest

import autograd
from autograd import Primitive, Value, apply, grad, no_grad, register, value_and_grad

# -- functional calls never touch .grad ------------------------------------------


def test_grad_leaves_the_grads_of_closed_over_values_alone():
    w, b = Value(3.0), Value(0.5)
    assert grad(lambda x: w * x + b)(2.0) == 3.0
    assert (w.grad, b.grad) == (0.0, 0.0)


def test_grad_between_backward_and_the_optimizer_step_changes_no_parameter_grad():
    import nn

    model = nn.MLP(2, [4, 4, 1], seed=0)
    loss = model([0.3, -0.2]) * model([0.1, 0.9])
    loss.backward()
    before = [p.grad for p in model.parameters()]
    value, g = value_and_grad(lambda x: model([x, -1.0]))(0.5)
    assert [p.grad for p in model.parameters()] == before
    h = 1e-6
    numeric = (model([0.5 + h, -1.0]).data - model([0.5 - h, -1.0]).data) / (2 * h)
    assert g == pytest.approx(numeric, rel=1e-6, abs=1e-9)
    assert value == model([0.5, -1.0]).data


def test_an_inner_grad_on_numbers_is_a_constant_to_an_outer_backward():
    # grad on plain numbers returns a float: x * 1.0 has derivative 1 (PyTorch's answer)
    x = Value(1.0)
    y = x * grad(lambda t: x * t)(2.0)
    y.backward()
    assert x.grad == 1.0


def test_grad_on_a_value_is_differentiated_by_an_outer_backward():
    # d/dx [x · (d/dy x·y)] = 2x: pass the Value, and the result keeps its graph
    x, y = Value(3.0), Value(2.0)
    z = x * grad(lambda t: x * t)(y)
    assert isinstance(z, Value)
    z.backward()
    assert x.grad == 6.0 and y.grad == 0.0


def test_grad_inside_no_grad_still_gives_the_derivative():
    with no_grad():
        assert grad(lambda x: x * x)(3.0) == 6.0
        assert value_and_grad(lambda x: x.exp())(0.0) == (1.0, 1.0)
        assert not autograd.is_grad_enabled()
    assert autograd.is_grad_enabled()


def test_gradients_returns_the_derivatives_and_leaves_grad_alone():
    x, y = Value(2.0), Value(5.0)
    out = x * y + x
    assert autograd.gradients(out, [x, y]) == (6.0, 2.0)
    assert autograd.gradients(out, x) == 6.0
    assert (x.grad, y.grad, out.grad) == (0.0, 0.0, 0.0)
    assert autograd.gradients(out, Value(1.0)) == 0.0  # not in the graph: 0
    with pytest.raises(TypeError, match="wrt must be a Value"):
        autograd.gradients(out, [x, 2.0])


@pytest.mark.parametrize("argnums", [True, "0", 1.0, (0, "1"), None])
def test_bad_argnums_are_refused(argnums):
    with pytest.raises(TypeError, match="argnums"):
        grad(lambda x: x, argnums=argnums)(1.0)


def test_argnums_may_be_a_list_and_out_of_range_is_named():
    assert grad(lambda x, y: x * y, argnums=[0, 1])(2.0, 3.0) == (3.0, 2.0)
    with pytest.raises(IndexError, match="argnums 2 is out of range for 2"):
        grad(lambda x, y: x * y, argnums=2)(2.0, 3.0)


# -- backward writes nothing unless every new .grad is finite ------------------


def test_two_finite_passes_whose_sum_overflows_are_refused_before_writing():
    x = Value(1.0, label="x")
    y = x * 1e308
    y.backward()
    assert x.grad == 1e308
    with pytest.raises(OverflowError, match="'x'.*would become inf.*no .grad was changed"):
        y.backward()
    assert x.grad == 1e308 and y.grad == 1.0


def test_a_grad_of_none_counts_as_zero():
    x = Value(2.0)
    y = x * x
    x.grad = None
    y.backward()
    assert x.grad == 4.0


@pytest.mark.parametrize("bad", ["0.5", [1.0], object()])
def test_a_grad_set_to_a_non_number_is_refused_and_nothing_is_written(bad):
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    y = a * b + a
    b.grad = bad
    with pytest.raises(TypeError, match="'b'.*no .grad was changed"):
        y.backward()
    assert a.grad == 0.0 and y.grad == 0.0 and b.grad is bad


@pytest.mark.parametrize("seed", ["1.5", True, None, float("nan"), float("inf"), [1.0]])
def test_bad_seeds_are_refused(seed):
    x = Value(2.0)
    with pytest.raises((TypeError, ValueError), match="backward: the seed grad"):
        (x * x).backward(seed)
    assert x.grad == 0.0


def test_integer_and_numpy_seeds_are_accepted():
    x = Value(2.0)
    (x * x).backward(2)
    (x * x).backward(np.float64(0.5))
    assert x.grad == 8.0 + 2.0


# -- errors that say what happened ---------------------------------------------------


def test_a_huge_int_is_named_without_pythons_digit_limit_message():
    with pytest.raises(OverflowError, match=r"Value: an int of \d+ bits .*too large.*'big'"):
        Value(10**5000, label="big")
    x = Value(1.0, label="x")
    with pytest.raises(OverflowError, match=r"\+: an int of \d+ bits.*node 'x'"):
        x + 10**5000


@pytest.mark.parametrize("number", [Fraction(10**400, 3), Fraction(-(10**5000), 7)])
def test_a_fraction_too_large_for_a_float_is_named(number):
    with pytest.raises(OverflowError, match=r"^Value: Fraction .*too large for a float.*'big'"):
        Value(number, label="big")
    x = Value(1.0, label="x")
    with pytest.raises(OverflowError, match=r"^\*: Fraction .*too large.*node 'x'"):
        x * number
    with pytest.raises(OverflowError, match=r"^sum: Fraction .*too large.*node 'x'"):
        autograd.sum([x, number])


def test_a_non_finite_numpy_operand_names_the_node():
    x = Value(1.0, label="x")
    with pytest.raises(ValueError, match=r"\+: data must be finite, got inf \(with node 'x'"):
        x + np.float64("inf")
    with pytest.raises(ValueError, match="node 'x'"):
        autograd.sum([x, np.float64("nan")])


@pytest.mark.parametrize("label", [5, None, b"x", ["x"]])
def test_a_label_that_is_not_a_str_is_refused(label):
    with pytest.raises(TypeError, match="label must be a str"):
        Value(1.0, label=label)


def test_a_fraction_is_folded_as_the_float_it_was_read_as():
    x = Value(3.0, label="x")
    y = x * Fraction(1, 3)
    assert y.args == (x, 1 / 3) and y.args[1].__class__ is float
    s = autograd.sum([x, Fraction(1, 2)])
    assert s.args == (x, 0.5) and s.args[1].__class__ is float
    y.backward()
    assert "x" in autograd.trace_text(y) and autograd.explain(y, x).total == 1 / 3


def _own_op(name, forward, rule):
    return register(Primitive(name=name, forward=forward, derivatives=(rule,), symbols=("?",),
                              formulas=("?",), text=name + "({0})"))


def test_a_rule_of_ones_own_that_raises_is_named():
    def broken(out, x):
        raise KeyError("oops")

    op = _own_op("broken_rule", lambda x: 2 * x, broken)
    with pytest.raises(TypeError, match="broken_rule: its derivative rule failed with KeyError"):
        apply(op, Value(1.0, label="x"))


def test_a_rule_of_ones_own_that_returns_a_str_is_named():
    op = _own_op("str_rule", lambda x: 2 * x, lambda out, x: "two")
    with pytest.raises(TypeError, match="str_rule: its forward or derivative rule"):
        apply(op, Value(1.0))
    op2 = _own_op("str_forward", lambda x: "2x", lambda out, x: 2.0)
    with pytest.raises(TypeError, match="str_forward"):
        apply(op2, Value(1.0))
    with no_grad(), pytest.raises(TypeError, match="str_forward"):
        apply(op2, Value(1.0))


# -- threads: grad mode, the collector pause and functional calls -------------------


@pytest.fixture
def fast_switching():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(old)


WAIT = 10.0  # seconds: a wait for another thread that takes longer is a failure, not a hang


def _run_threads(target, n):
    errors = []

    def run(i):
        try:
            target(i)
        except BaseException as error:  # reported to the test thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(WAIT * 6)
    assert not any(t.is_alive() for t in threads), "a thread did not finish"
    assert not errors, errors


def _waited(event):
    """Wait for another thread's event; a wait that runs out fails (not passes) the test."""
    assert event.wait(WAIT), "the other thread never got there"


def test_concurrent_backward_passes_leave_the_collector_running(fast_switching):
    assert gc.isenabled()

    def passes(i):
        x = Value(1.0)
        y = x * x + 1.0
        for _ in range(3000):  # many short passes: many chances to interleave
            y.backward()

    for _ in range(10):
        _run_threads(passes, 4)
        assert gc.isenabled()


class _GradThatCalls(float):
    """A .grad of 0.0 that calls ``inside()`` when backward adds its share to it: the pass is
    then inside its walk, with the collector paused (a float subclass is taken as a float)."""

    def __new__(cls, inside):
        self = super().__new__(cls, 0.0)
        self.inside = inside
        return self

    def __add__(self, other):
        self.inside()
        return float(self) + other


def test_backward_adds_to_grad_inside_the_pause():
    # what the test below relies on: the hook runs inside the walk, the collector paused
    seen = []
    x = Value(1.5)
    x.grad = _GradThatCalls(lambda: seen.append(gc.isenabled()))
    (x * x).backward()
    assert seen == [False] and gc.isenabled() and x.grad == 3.0 and type(x.grad) is float


class _LocalThatCalls(float):
    """A local derivative that calls ``inside()`` when the walk multiplies it by its node's
    grad: the pass is then inside its walk, before it writes any .grad (the writes are made
    under one lock, so two passes are never both inside them)."""

    def __new__(cls, value, inside):
        self = super().__new__(cls, value)
        self.inside = inside
        return self

    def __mul__(self, other):
        self.inside()
        return float(self) * other


@pytest.mark.parametrize("collector_on", [True, False])
@pytest.mark.parametrize("last_out", [0, 1])
def test_overlapping_backward_passes_pause_the_collector_until_the_last_ends(collector_on,
                                                                            last_out):
    """Two backward passes that overlap for certain: both are inside their walks before
    either ends (a barrier in each), and they end in either order. The collector is off
    while any is inside and is back as it was (on, or off) once both are out."""
    both_in = threading.Barrier(2, timeout=WAIT)
    first_out = threading.Event()
    seen = {}

    def walk(i):
        def inside():
            both_in.wait()
            seen[i, "inside"] = gc.isenabled()
            if i == last_out:
                _waited(first_out)
                seen[i, "the other out"] = gc.isenabled()

        x = Value(2.0)
        y = x * x
        y._l0 = _LocalThatCalls(y._l0, inside)  # d y / d x through the first operand: 2.0
        y.backward()
        seen[i, "grad"] = x.grad
        if i != last_out:
            first_out.set()

    (gc.enable if collector_on else gc.disable)()
    try:
        _run_threads(walk, 2)
        assert gc.isenabled() is collector_on
    finally:
        gc.enable()
    assert seen == {(0, "inside"): False, (1, "inside"): False, (0, "grad"): 4.0,
                    (1, "grad"): 4.0, (last_out, "the other out"): False}


def test_the_collector_stays_off_when_it_was_off(fast_switching):
    gc.disable()
    try:
        _run_threads(lambda i: [(Value(1.0) * 2).backward() for _ in range(200)], 3)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_no_grad_in_one_thread_does_not_stop_recording_in_another(fast_switching):
    inside = threading.Event()
    done = threading.Event()
    seen = {}

    def quiet(i):
        with no_grad():
            inside.set()
            _waited(done)  # the other thread records while this one is inside no_grad
            seen["quiet"] = len((Value(2.0) * 3).parents)
        seen["quiet after"] = len((Value(2.0) * 3).parents)

    def busy(i):
        _waited(inside)
        seen["busy"] = [len((Value(2.0) * 3).parents) for _ in range(100)]
        done.set()

    _run_threads(lambda i: (quiet, busy)[i](i), 2)
    assert seen == {"quiet": 0, "busy": [1] * 100, "quiet after": 1}
    assert autograd.is_grad_enabled()


def test_overlapping_no_grad_blocks_that_end_out_of_order_leave_recording_on(fast_switching):
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def first(i):
        with no_grad():
            first_in.set()
            _waited(second_in)
        seen["first, out"] = autograd.is_grad_enabled()  # the second is still inside
        first_out.set()

    def second(i):
        _waited(first_in)
        with no_grad():
            second_in.set()
            _waited(first_out)
            seen["second, in, after the first left"] = autograd.is_grad_enabled()
        seen["second, out"] = autograd.is_grad_enabled()

    _run_threads(lambda i: (first, second)[i](i), 2)
    assert seen == {"first, out": True, "second, in, after the first left": False,
                    "second, out": True}
    assert autograd.is_grad_enabled()
    assert len((Value(1.0) * 2).parents) == 1


def test_grad_from_many_threads_at_once_is_right_in_each(fast_switching):
    """Six threads inside grad at once, for certain: each f waits at a barrier in the
    middle of building its graph, so every call overlaps the five others."""
    results = {}
    n = 6
    middle = threading.Barrier(n, timeout=WAIT)

    def work(i):
        def f(x):
            y = x * x
            middle.wait()  # all six graphs half built
            return y * (i + 1)

        def cube(x):
            y = x * x
            middle.wait()
            return y * x

        ff = grad(grad(cube))
        results[i] = [(grad(f)(float(k)), ff(float(k))) for k in range(20)]

    _run_threads(work, n)
    assert sorted(results) == list(range(n))
    for i, rows in results.items():
        assert rows == [(2.0 * k * (i + 1), 6.0 * k) for k in range(20)]


def test_no_grad_is_per_asyncio_task():
    """quiet() is inside no_grad while busy() records: the two tasks interleave for certain
    (each waits on an event the other sets), and the order they ran in is checked."""
    order = []

    async def quiet(entered, recorded):
        with no_grad():
            entered.set()
            order.append("quiet: in no_grad")
            await asyncio.wait_for(recorded.wait(), WAIT)  # busy() runs here
            order.append("quiet: builds")
            return len((Value(1.0) * 2).parents)

    async def busy(entered, recorded):
        await asyncio.wait_for(entered.wait(), WAIT)
        order.append("busy: builds")
        parents = len((Value(1.0) * 2).parents)
        recorded.set()
        return parents

    async def main():
        entered, recorded = asyncio.Event(), asyncio.Event()
        return await asyncio.gather(quiet(entered, recorded), busy(entered, recorded))

    # a thread of its own: another test's browser driver may hold this thread's loop
    results = []
    _run_threads(lambda i: results.append(asyncio.run(main())), 1)
    assert order == ["quiet: in no_grad", "busy: builds", "quiet: builds"]
    assert results == [[0, 1]]


# -- hostile input to the functional forms, by hypothesis ------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

HOSTILE = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.booleans(), st.none(), st.text(max_size=3), st.complex_numbers(),
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=3),
    st.just(Fraction(1, 3)), st.just(np.float64("nan")), st.just(object()),
)


def _answers_or_names_itself(call, name):
    """A finite float (or list of them) back, or an error that names the function (or, for
    an op that overflows inside f, the op and the node)."""
    try:
        out = call()
    except (TypeError, ValueError, ArithmeticError, IndexError) as error:
        text = str(error)
        assert text.startswith(name) or "with operands node 'arg0" in text, error
        return
    flat = out if isinstance(out, (list, tuple)) else [out]
    for x in flat:
        for v in (x if isinstance(x, list) else [x]):
            assert isinstance(v, float) and np.isfinite(v), out


def _square(x):
    """x·x for a scalar, x₀·x₋₁ for a list (0 for an empty one)."""
    if isinstance(x, list):
        return x[0] * x[-1] if x else 0.0
    return x * x


@settings(max_examples=300, deadline=None)
@given(HOSTILE)
def test_grad_of_hostile_arguments_answers_or_says_why(arg):
    f = _square
    _answers_or_names_itself(lambda: grad(f)(arg), "grad")
    _answers_or_names_itself(lambda: autograd.hessian(f)(arg), "hessian")


@settings(max_examples=300, deadline=None)
@given(HOSTILE, HOSTILE)
def test_jvp_of_hostile_primals_and_tangents_answers_or_says_why(primal, tangent):
    _answers_or_names_itself(lambda: autograd.jvp(_square, (primal,), (tangent,)), "jvp")


@settings(max_examples=200, deadline=None)
@given(HOSTILE)
def test_a_function_returning_hostile_values_is_refused_or_constant(result):
    _answers_or_names_itself(lambda: value_and_grad(lambda x: result)(1.0), "grad")


@pytest.mark.parametrize(("bad", "error"), [(Value(1.0), TypeError),
                                            (np.array([1.0, 2.0]), TypeError),
                                            (float("inf"), OverflowError)])
def test_a_grad_that_is_a_value_an_array_or_inf_is_refused(bad, error):
    x = Value(2.0, label="x")
    x.grad = bad
    with pytest.raises(error, match="'x'.*(finite float|would become)"):
        (x * x).backward()
    assert x.grad is bad


def test_a_grad_of_numpy_float_or_int_is_taken_as_its_float():
    x = Value(2.0)
    x.grad = np.float64(1.0)
    (x * x).backward()
    assert x.grad == 5.0 and x.grad.__class__ is float
    x.grad = 3
    (x * x).backward()
    assert x.grad == 7.0 and x.grad.__class__ is float


# -- .data set by hand to no number ----------------------------------------------------

BAD_DATA = ["oops", None, [1.0], np.array([1.0, 2.0]), object()]
USES = {
    "+": lambda v: Value(1.0) + v, "+ float": lambda v: v + 2.0, "float +": lambda v: 2.0 + v,
    "-": lambda v: v - Value(1.0), "float -": lambda v: 2.0 - v, "*": lambda v: v * Value(2.0),
    "* float": lambda v: v * 2.0, "float *": lambda v: 2.0 * v, "* int": lambda v: v * 3,
    "/": lambda v: v / 2.0, "neg": lambda v: -v, "relu": lambda v: v.relu(),
    "tanh": lambda v: v.tanh(), "**": lambda v: v**2,
    "sum": lambda v: autograd.sum([v, Value(1.0)]),
    "dot": lambda v: autograd.dot([v], [Value(1.0)]),
    "dot with bias": lambda v: autograd.dot([Value(1.0)], [v], Value(0.5)),
    "dot's bias": lambda v: autograd.dot([Value(1.0)], [Value(2.0)], v),
}


@pytest.mark.parametrize("bad", BAD_DATA, ids=lambda b: type(b).__name__)
@pytest.mark.parametrize("use", list(USES))
def test_data_set_to_no_number_is_named_by_the_op_that_reads_it(bad, use):
    v = Value(1.0, label="x")
    v.data = bad
    with pytest.raises(TypeError, match=r"^\S+: the data of node 'x' = .* is no number"):
        USES[use](v)


@pytest.mark.parametrize("bad", BAD_DATA, ids=lambda b: type(b).__name__)
def test_a_node_with_no_number_in_its_data_or_grad_still_prints(bad):
    v = Value(1.0, label="x")
    v.data, v.grad = bad, bad
    assert repr(v).startswith("Value(data=") and "label='x'" in repr(v)
    assert autograd.errors.describe(v).startswith("node 'x' = ")


def test_a_fraction_set_as_data_prints():
    v = Value(1.0, label="x")
    v.data = Fraction(3, 2)
    assert repr(v) == "Value(data=Fraction(3, 2), grad=0, label='x')"
    assert (v * 2.0).data == 3.0


# -- .data set by hand to NaN or an infinity -------------------------------------------

NON_FINITE = [float("nan"), float("inf"), float("-inf")]
MORE_USES = {
    **USES, "sigmoid": lambda v: v.sigmoid(), "exp": lambda v: v.exp(), "abs": lambda v: abs(v),
    "** 0": lambda v: v**0, "gelu": lambda v: v.gelu(), "erf": lambda v: v.erf(),
    "atan": lambda v: v.atan(), "/ by": lambda v: 1.0 / v, "/ Value": lambda v: v / Value(2.0),
    "sum of one": lambda v: autograd.sum([v]), "dot with zero": lambda v: autograd.dot([v], [0.0]),
}


@pytest.mark.parametrize("bad", NON_FINITE, ids=repr)
@pytest.mark.parametrize("use", list(MORE_USES))
def test_non_finite_data_set_by_hand_is_named_by_the_op_that_reads_it(bad, use):
    v = Value(1.0, label="x")
    v.data = bad
    with pytest.raises(ValueError, match=rf"^\S+: the data of node 'x' = {bad!r} is not finite"):
        MORE_USES[use](v)


@pytest.mark.parametrize("bad", NON_FINITE, ids=repr)
@pytest.mark.parametrize("use", ["relu", "tanh", "sigmoid", "** 0", "+ float", "sum"])
def test_non_finite_data_is_named_under_no_grad_too(bad, use):
    v = Value(1.0, label="x")
    v.data = bad
    with no_grad(), pytest.raises(ValueError, match=r"the data of node 'x' = .* is not finite"):
        MORE_USES[use](v)


def test_relu_of_nan_names_relu_the_node_and_the_value():
    v = Value(1.0, label="w3")
    v.data = float("nan")
    with pytest.raises(ValueError, match=r"^relu: the data of node 'w3' = nan is not finite"):
        v.relu()


def test_an_op_of_ones_own_with_many_inputs_is_checked_too():
    def forward(xs):
        return 1.0 if any(x != x for x in xs) else 0.0  # a finite result from a NaN

    register(Primitive(name="nanflag", forward=forward,
                       derivatives=(lambda out, xs: [0.0] * len(xs),), symbols=("0",),
                       formulas=("0",), text="nanflag({0})", nary=True))
    try:
        v = Value(1.0, label="x")
        v.data = float("nan")
        with pytest.raises(ValueError, match=r"^nanflag: the data of node 'x' = nan"):
            apply("nanflag", v, Value(2.0))
    finally:
        autograd.ops.OPS.pop("nanflag", None)


# -- derivatives of erf and gelu far out: 0, not an overflow --------------------------

FAR = [1e200, -1e200, 1e155, -1e155, 1.7e308, -1.7e308, 1e20, 41.0, -41.0]


@pytest.mark.parametrize("x", FAR)
@pytest.mark.parametrize("op", ["erf", "gelu"])
def test_second_and_third_derivatives_far_out_are_zero(op, x):
    f = getattr(Value, op)
    assert grad(grad(f))(x) == 0.0
    assert grad(grad(grad(f)))(x) == 0.0
    xv = Value(x)
    (d1,) = [autograd.gradients(f(xv), xv, create_graph=True)]
    assert autograd.gradients(d1, xv) == 0.0


@pytest.mark.parametrize("x", [39.9, 40.0, 40.1, 60.0, 1e100, -39.9, -40.0, -40.1, -1e100])
def test_the_rules_far_out_give_the_formulas_numbers_to_the_bit(x):
    import math

    from autograd.ops import OPS as TABLE

    c = 2.0 / math.sqrt(math.pi)
    erf_formula = c * math.exp(-min(x * x, 1e308))
    assert TABLE["erf"].derivatives[0](math.erf(x), x) == erf_formula
    cdf = 0.5 * (1.0 + math.erf(x * math.sqrt(0.5)))
    gelu_formula = cdf + x * (c * math.sqrt(0.5) * 0.5 * math.exp(-min(x * x * 0.5, 1e308)))
    assert TABLE["gelu"].derivatives[0](0.0, x) == gelu_formula
