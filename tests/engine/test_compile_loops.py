"""autograd.compile on loops as people write them, and on code written to break it.

Every call is held to ``value_and_grad`` (or ``has_aux``'s eager form) to the
bit, signed zeros included; trace counts are read from ``.traces``, never from
the clock.
"""

from __future__ import annotations

import ast
import math
import random
import re

import pytest

import autograd
from autograd import CompileError, Value, compile, no_grad, value_and_grad

from .test_compile import same

# -- numbers beside the loss are not guards ---------------------------------------------------


def _net(w, x):
    return autograd.dot(w[:2], x, w[2])


def demo_like_loss(w, X, Y):
    """micrograd's demo loss shape: hinge loss, and the accuracy computed inside."""
    scores = [_net(w, x) for x in X]
    losses = [(1 + -yi * si).relu() for yi, si in zip(Y, scores)]
    total = sum(losses) * (1.0 / len(losses))
    accuracy = [(yi > 0) == (si.data > 0) for yi, si in zip(Y, scores)]
    return total, sum(accuracy) / len(accuracy)


def eager_aux(f, *args):
    box = []

    def main(*a):
        value, aux = f(*a)
        box.append(aux)
        return value

    value, grads = value_and_grad(main)(*args)
    return (value, float(box[0])), grads


@pytest.mark.parametrize("labels", ["floats", "ints"])
def test_an_accuracy_computed_inside_the_loss_needs_one_trace_for_a_whole_run(labels):
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(250)]  # > 200: hoisted sums
    Y = [rng.choice([-1, 1]) for _ in X]
    Y = [float(y) for y in Y] if labels == "floats" else Y
    c = compile(demo_like_loss, has_aux=True)
    w = [0.3, -0.2, 0.1]
    accuracies = set()
    for step in range(30):
        got = c(w, X, Y)
        assert same(got, eager_aux(demo_like_loss, w, X, Y))
        accuracies.add(got[0][1])
        w = [wi - 0.5 * gi for wi, gi in zip(w, got[1])] if step % 3 else [
            rng.uniform(-1, 1) for _ in range(3)]  # predictions flip sign: accuracy moves
    assert len(accuracies) > 5
    assert c.traces == 1


def test_a_comparison_that_decides_the_graph_is_still_a_guard():
    def f(w, x):
        big = (w * x).data > 1.0  # a comparison ...
        count = int(x > 0) + (x < 5)  # ... numbers made of comparisons
        loss = w * w if big else w * 3.0  # ... and a branch on one: a guard
        return loss, count

    c = compile(f, has_aux=True)
    for w, x in [(1.0, 2.0), (1.0, 0.5), (2.0, 3.0), (0.1, -1.0), (3.0, 9.0)]:
        assert same(c(w, x), eager_aux(f, w, x))
    assert "raise _Mismatch(" in c.source


def test_a_comparison_folded_into_a_node_follows_the_data():
    def f(w, x):
        return w * ((x > 0) + 0) + w * Value(1.0 * (x >= 1.0))  # 0 or 1, made numbers

    c = compile(f)
    for x in [2.0, -1.0, 0.5, 3.0, -2.0]:
        assert same(c(1.5, x), value_and_grad(f)(1.5, x))
    assert c.traces == 1


@pytest.mark.parametrize("f", [lambda w, x: w * (x > 0), lambda w, x: w + Value(x > 1.0)])
def test_a_bool_the_engine_refuses_is_refused_compiled_too(f):
    c = compile(f)
    for x in [2.0, -1.0]:
        with pytest.raises(TypeError, match="bool"):
            value_and_grad(f)(1.5, x)
        with pytest.raises(TypeError, match="bool"):
            c(1.5, x)


def test_boolean_operators_on_comparisons_stay_expressions():
    def f(w, x):
        a, b = x > 0, x < 2
        return w * w, [(a & b) + 0, (a | b) * 1.0, (a ^ b) + 0, ~(x > 1) + 0]

    c = compile(f, has_aux=True)
    for x in [1.0, 3.0, -1.0, 1.5]:
        assert same(c(2.0, x), ((4.0, _floats(f(2.0, x)[1])), 4.0))
    assert c.traces == 1
    with pytest.raises(CompileError, match="not bool"):  # as eagerly: aux holds numbers
        compile(lambda w, x: (w * w, x > 0), has_aux=True)(1.0, 2.0)


def _floats(xs):
    return [float(x) for x in xs]


# -- traces that are not reused ---------------------------------------------------------------


def gpt_like(ws, ids):
    """A loss whose graph depends on the tokens (ints): one graph per document."""
    h = ws[0]
    for t in ids:
        h = (h * ws[1 + t % 3] + 0.1 * t).tanh()
    return h * h


def test_documents_of_changing_tokens_run_eagerly_without_an_error_and_say_why():
    rng = random.Random(1)
    c = compile(gpt_like)
    ws = [0.5, -0.3, 0.8, 0.2]
    with pytest.warns(autograd.CompileWarning, match="argument 'ids' keeps changing"):
        for _ in range(150):  # more than 64 kinds: no CompileError
            ids = [rng.randrange(50) for _ in range(rng.randrange(2, 9))]
            assert same(c(ws, ids), value_and_grad(gpt_like)(ws, ids))
    assert c.traces <= 2 and c.eager_calls >= 140


def test_a_document_seen_again_and_again_gets_its_graph():
    c = compile(gpt_like)
    ws = [0.5, -0.3, 0.8, 0.2]
    for _ in range(5):
        assert same(c(ws, [1, 2, 3]), value_and_grad(gpt_like)(ws, [1, 2, 3]))
    assert c.traces == 1 and c.eager_calls == 0 and "tanh" in c.source


# -- what f closes over ---------------------------------------------------------------------------

SCALE = 2.0
model = Value(3.0, label="model")


def test_a_float_in_a_global_is_checked_on_every_call():
    global SCALE

    def f(w):
        return w * SCALE

    c = compile(f)
    try:
        assert same(c(1.0), (2.0, 2.0))
        SCALE = 5.0
        assert same(c(1.0), value_and_grad(f)(1.0)) and c(1.0) == (5.0, 5.0)
    finally:
        SCALE = 2.0


def test_a_float_in_a_closure_cell_is_checked_on_every_call():
    k = 2.0

    def f(w):
        return w * k

    c = compile(f)
    assert same(c(1.0), (2.0, 2.0))
    k = 7.0
    assert same(c(1.0), (7.0, 7.0))
    k = 2.0
    assert same(c(3.0), (6.0, 2.0))


def test_a_model_rebound_after_tracing_is_read_as_it_is_now():
    global model

    def f(w):
        return (w * model).tanh()

    c = compile(f)
    saved = model
    try:
        for _ in range(2):
            assert same(c(0.5), value_and_grad(f)(0.5))
        model = Value(-1.0)  # model = MLP.load(...)
        assert same(c(0.5), value_and_grad(f)(0.5))
        model.data = 0.25  # and its numbers, changed in place, are read too
        assert same(c(0.5), value_and_grad(f)(0.5))
    finally:
        model = saved


def test_a_helper_redefined_after_tracing_is_noticed():
    def helper(w):
        return w * 2.0

    def f(w):
        return helper(w) + 1.0

    c = compile(f)
    assert same(c(1.0), (3.0, 2.0))

    def helper(w):  # noqa: F811 - redefined on purpose
        return w * w

    assert same(c(3.0), value_and_grad(f)(3.0))


# -- conversions of a traced number -----------------------------------------------------------


@pytest.mark.parametrize("branch", [
    lambda x: str(x).startswith("1"),
    lambda x: repr(x).startswith("1"),
    lambda x: f"{x:.0f}" == "2",
    lambda x: format(x, ".1f") == "1.5",
    lambda x: int(x) == 1,
    lambda x: round(x) == 2,
    lambda x: bool(x - 1.5),
    lambda x: isinstance(x, float) and x > 0,
    lambda x: math.floor(x) == 1,
    lambda x: hash(x) == hash(1.5),
    lambda x: {1.5: True}.get(x, False),
])
def test_every_conversion_of_a_data_number_gives_value_and_grads_answer(branch):
    def f(w, x):
        return w * x if branch(x) else w - x

    c = compile(f)
    for x in [1.5, 2.25, 1.25, 3.0, 1.5, 0.5, 1.9]:
        assert same(c(2.0, x), value_and_grad(f)(2.0, x)), x


def test_isinstance_of_a_data_number_is_what_it_is_eagerly():
    def f(w, x):
        return w * x if isinstance(x, float) else w * 2.0

    c = compile(f)
    for x in [3.0, 2.0, 5.0]:
        assert same(c(1.0, x), (x, x))


def test_no_grad_inside_f_is_refused_not_frozen():
    def f(x):
        with no_grad():
            c = x * 3
        return x * c

    assert value_and_grad(f)(3.0) == (27.0, 9.0)
    c = compile(f)
    with pytest.raises(CompileError, match="no_grad"):
        c(2.0)
    with pytest.raises(CompileError, match="no_grad"):
        c(3.0)


def test_a_float_result_is_what_value_and_grad_gives():
    c = compile(lambda w, x: x * 2.0)  # no Value: value_and_grad gives 0 gradients
    for x in [1.0, 2.0]:
        assert same(c(1.0, x), value_and_grad(lambda w, x: x * 2.0)(1.0, x))


# -- signed zeros -------------------------------------------------------------------------------


def _signs(result):
    flat = []
    stack = [result]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            flat.append(math.copysign(1.0, item))
    return flat


@pytest.mark.parametrize("f", [
    lambda w, x: w * x * 0.0 - w,
    lambda w, x: (w * x).relu() + w * 0.0,
    lambda w, x: autograd.dot([w, w], [x, -x]),
    lambda w, x: -(w * x),
    lambda w, x: autograd.sum([w * -0.0, x * 0.0]),
    lambda w, x: (w - w) * x,
    lambda w, x: autograd.dot([w] * 9, [x * -1.0] * 9, -0.0),
])
def test_signed_zeros_are_value_and_grads_own(f):
    c = compile(f, argnums=(0, 1))
    for w, x in [(0.0, 0.0), (-0.0, 1.0), (1.0, -0.0), (-2.0, 0.0), (0.0, -3.0), (2.0, 3.0)]:
        got, expected = c(w, x), value_and_grad(f, argnums=(0, 1))(w, x)
        assert same(got, expected) and _signs(got) == _signs(expected), (w, x, got, expected)


# -- display strings never reach the code -------------------------------------------------------

HOSTILE = '\n__import__("builtins").EVIL = 1\n"""\'\'\'#\\\r\x00\u2028 '


def test_hostile_strings_in_every_table_field_stay_in_comments():
    import builtins

    ops = autograd.OPS
    prim = autograd.register(autograd.Primitive(
        name="evil" + HOSTILE, forward=lambda x: x * x, derivatives=(lambda out, x: 2 * x,),
        symbols=("2·{0}" + HOSTILE,), formulas=("(x²)' = 2x" + HOSTILE,),
        text="evil({0})" + HOSTILE, glyph="e" + HOSTILE, latex={"evil": HOSTILE},
        domain="any x" + HOSTILE))
    try:
        def f(w):
            return autograd.apply(prim, w * 3.0).tanh()

        c = compile(f)
        for w in [0.5, -0.25, 0.5, 1.0]:
            assert same(c(w), value_and_grad(f)(w))
        assert not hasattr(builtins, "EVIL")
        tree = ast.parse(c.source)  # the text parses, and nothing of the strings is code
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "EVIL"]
        assert not [n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "__import__"]
        assert "\x00" not in c.source and "\r" not in c.source
        assert any("#" in line and "EVIL" in line for line in c.source.splitlines())
    finally:
        del ops[prim.name]


def test_a_type_test_on_a_data_number_is_caught_at_the_first_call():
    def f(w, x):
        return w * x if type(x) is float else w * 2.0  # a Traced number is not a float

    c = compile(f)
    with pytest.raises(CompileError, match="value_and_grad gives"):
        c(1.0, 3.0)


def test_a_guard_whose_outcome_changes_no_code_is_dropped_for_good():
    log = []

    def f(w, x):
        y = (w * x).tanh()
        if y.data > 0.5:  # decides only what is printed: the code is the same either way
            log.append("high")
        return y * y

    c = compile(f)
    for x in [2.0, 2.5, -1.0, -2.0, 3.0, -3.0, 0.1, 2.0]:
        assert same(c(1.0, x), value_and_grad(f)(1.0, x))
    assert c.traces == 2 and len(c.sources) == 1 and "_Mismatch(0)" not in c.source


def test_a_guard_that_changes_a_number_beside_the_loss_is_kept():
    def f(w, x):
        y = (w * x).tanh()
        count = 1 if y.data > 0.5 else 0  # decides a number the code returns
        return y * y, count

    c = compile(f, has_aux=True)
    for x in [2.0, 2.5, -1.0, -2.0, 3.0, -3.0]:
        assert same(c(1.0, x), eager_aux(f, 1.0, x))
    assert len(c.sources) == 2 and "_Mismatch(0)" in c.source


# -- large graphs: wide nodes written one line each way ------------------------------------


def test_wide_nodes_in_one_line_compute_what_the_engine_computes(monkeypatch):
    import autograd.compiler.codegen

    monkeypatch.setattr(autograd.compiler.codegen, "WIDE_GRAPH", 0)  # any graph: compact

    def mlp(w, X, Y):
        total = []
        for x, y in zip(X, Y):
            h = [autograd.dot(w[k * 9:k * 9 + 8], x, w[k * 9 + 8]).relu() for k in range(8)]
            s = autograd.dot(w[72:80], h, w[80])  # every argument a Value: two tuples
            total.append((1 + -y * s).relu() + s * s * 0.0)
        return autograd.sum(total) * (1.0 / len(X)) + 1e-4 * sum(p * p for p in w)

    rng = random.Random(3)
    c = compile(mlp)
    for _ in range(6):
        w = [rng.choice([0.0, -0.0, rng.uniform(-1, 1)]) for _ in range(81)]
        X = [[rng.uniform(-2, 2) for _ in range(8)] for _ in range(5)]
        Y = [rng.choice([-1.0, 1.0]) for _ in X]
        got, expected = c(w, X, Y), value_and_grad(mlp)(w, X, Y)
        assert same(got, expected) and _signs(got) == _signs(expected)
    assert re.search(r"_acc\(_R, _I\d+, \(\*_V", c.source)  # a neuron of Values: tuples
    assert re.search(r"_acc\(_R, _I\d+, \(X_", c.source)  # a neuron over data
    assert "_sum(_map(_mul" in c.source


def test_random_graphs_compile_right_with_every_node_wide(monkeypatch):
    import autograd.compiler.codegen

    from .test_compile import test_random_graphs_over_every_op_compile_to_what_the_engine_computes
    monkeypatch.setattr(autograd.compiler.codegen, "WIDE_GRAPH", 0)
    monkeypatch.setattr(autograd.compiler.codegen, "WIDE_FROM", 2)
    test_random_graphs_over_every_op_compile_to_what_the_engine_computes()


def test_other_threads_keep_no_grad_and_isinstance_while_one_traces():
    import builtins
    import threading

    import autograd.value

    original = (builtins.isinstance, autograd.value._grad_mode_set)
    errors, stop = [], threading.Event()

    def other():
        while not stop.is_set():
            try:
                with no_grad():
                    y = Value(2.0) * 3
                assert y.parents == () and isinstance(1.5, float)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

    def f(w, x):
        return w * x if isinstance(x, float) else w

    thread = threading.Thread(target=other)
    thread.start()
    try:
        for k in range(40):
            c = compile(f)
            assert same(c(1.0, float(k)), value_and_grad(f)(1.0, float(k)))
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert (builtins.isinstance, autograd.value._grad_mode_set) == original


def test_a_guard_that_picks_another_constant_value_is_kept():
    def f(w, x):  # the same code text, reading another Value f made: not one graph
        return w * Value(-1.5 if x > 0.5 else 0.5)

    c = compile(f)
    for x in [0.0, 0.0, 1.0, 0.0, 1.0]:
        assert same(c(2.0, x), value_and_grad(f)(2.0, x)), x
