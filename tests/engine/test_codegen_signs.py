"""The compiled code's signs and sums: every op, every argument position, every kind of edge.

The generated reverse pass writes one line per edge: ``g = local * g_out`` for a node's
first edge, ``g += ...`` for the others, ``g = -g_out`` / ``g -= g_out`` where the local
derivative is -1, ``g += g_out if cond else 0.0`` for a gate (relu), and, for a node of
three or more edges, a block skipped when its gradient is 0. A wrong sign or a ``=`` for a
``+=`` in any of them is wrong only on graphs that reach that line: a second negative edge
into one node, an input used twice by one node, a node with two consumers. A random graph
reaches each of them now and then; the cases here reach each of them every time.

For each op of the table (``autograd.OPS``, so a new op is covered the day it is added) and
each of its argument positions, x sits in that position and reaches the output again by
negative, repeated and shared edges; the compiled function (``autograd.compile``) must
return what ``value_and_grad`` returns, to the bit, on the first call and on calls with new
numbers (a scale of 0 among them: the skipped block). Then a few graphs worked by hand.
"""

from __future__ import annotations

import itertools
import math
import re

import pytest

import autograd
from autograd import OPS, Value, compile, value_and_grad
from autograd.compiler.codegen import NotFinite

# -- points: inputs where an op and each of its local derivatives are finite and not 0 ------

CANDIDATES = [0.6, 0.35, 1.4, -0.45, 2.5, -1.3, 0.8, 3.0]
NARY_SIZE = {"sum": 3, "dot": 5}  # dot: two weights, two inputs and a bias


def _size(name):
    prim = OPS[name]
    return NARY_SIZE.get(name, 3) if prim.nary else len(prim.derivatives)


def _apply(name, args):
    return autograd.apply(OPS[name], *args)


def _good(name, point, nonzero=False):
    """True where the op gives a finite value and finite (nonzero) local derivatives."""
    try:
        out = _apply(name, [Value(x) for x in point])
    except (ArithmeticError, ValueError):
        return False
    grads = out.local_grads
    return math.isfinite(out.data) and all(math.isfinite(g) and (g or not nonzero) for g in grads)


def _point(name):
    """Distinct inputs (no tie: each edge its own number), every local derivative nonzero
    where there is such a point (maximum's and minimum's are 1 and 0 at any)."""
    k = _size(name)
    points = [p for p in itertools.product(CANDIDATES, repeat=k) if len(set(p)) == k]
    for nonzero in (True, False):
        for point in points:
            if _good(name, point, nonzero):
                return point
    raise AssertionError(f"{name}: no point among {CANDIDATES} where it and its derivatives "
                         "are finite and nonzero; add one to CANDIDATES")


def _same_point(name):
    """A number t where op(t, t, ...) is fine: every position the same input."""
    return next((t for t in CANDIDATES if _good(name, (t,) * _size(name), True)), None)


# -- the graphs around the op: x in position i, and back to the output by more edges --------
#
# f(a0, ..., a(k-1), s): the op's inputs are the a's, x = a_i; s is a number of the data (a
# scale), changed between calls. Each shape sends x's gradient along the kinds of edge the
# reverse pass writes differently, in both orders (the op's edge first or last into x).

def _shapes(name, i):
    k = _size(name)

    def op(a):
        return _apply(name, a)

    def other(a):
        return a[(i + 1) % k] if k > 1 else a[i] * 0.5

    return {
        "alone": lambda a, s: op(a),
        # x's first edge negative (written g = -g), then the op's edge adds to it
        "minus x": lambda a, s: op(a) * s - a[i],
        # the shape: a second negative edge into x (written g -= g), then the op's
        "minus x twice": lambda a, s: (op(a) - a[i]) * s - a[i],
        "x minus": lambda a, s: a[i] - op(a) * s,
        # the op's node with two consumers, both negative
        "op twice negated": lambda a, s: (other(a) - op(a)) - op(a) * s,
        "neg op": lambda a, s: -op(a) * s + a[i],
        # x shared by a product with the op's output: the op's edge comes last
        "times x": lambda a, s: a[i] * op(a) * s,
        # x reaches the op's position through a subtraction of its own
        "through x - y": lambda a, s: op([*a[:i], a[i] - (other(a) - a[i]) * 0.0, *a[i + 1:]])
        * s - other(a),
        # the op's output into a sum of four (a block skipped when its gradient is 0)
        "into a sum": lambda a, s: autograd.sum([op(a), -a[i], a[i] * s, op(a)]) * s,
    }


CASES = [(name, i) for name in sorted(OPS) for i in range(_size(name))]


def _same(a, b):
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    return type(a) is type(b) and (a == b or (math.isnan(a) and math.isnan(b)))


def _check(f, argnums, calls, where):
    """compile(f) equals value_and_grad(f) on each call; and so does the generated code run
    by itself: a compiled function that meets an error in its code answers eagerly instead,
    so a bug there (a name left unset, say) would not show in its answers."""
    compiled = compile(f, argnums)
    calls = list(calls)
    for args in [calls[0], *calls]:  # the first call records f; the code is written at the next
        want = value_and_grad(f, argnums)(*args)
        got = compiled(*args)
        assert _same(got, want), (
            f"{where} at {args}: compiled {got}, value_and_grad {want}\n{compiled.sources}")
        assert compiled.traces == 1, (where, compiled.sources)
        if not compiled._variants:
            continue  # recorded, not yet written as code
        try:
            ran = compiled._variants[0].run(*args)
        except NotFinite:  # the code's own check, where the engine refuses too
            continue
        assert _same(ran, want), (
            f"{where} at {args}: the code gives {ran}, value_and_grad {want}\n{compiled.source}")
    assert compiled._variants, f"{where}: no code was written"
    return compiled.sources


@pytest.mark.parametrize("name, i", CASES, ids=[f"{n}-arg{i}" for n, i in CASES])
def test_every_position_of_every_op_compiles_with_the_engines_signs(name, i):
    point = _point(name)
    k = len(point)
    nudged = tuple(x * 1.0625 for x in point)  # exact in binary: the same branch, new numbers
    calls = [(*p, s) for p in (point, nudged) if _good(name, p) for s in (2.0, -1.5, 0.0)]
    sources = []
    for shape, build in _shapes(name, i).items():
        def f(*args, build=build):
            return build(list(args[:k]), args[k])

        sources += _check(f, tuple(range(k)), calls, f"{name}, position {i}, {shape}")
    # the cases reach every kind of line the reverse pass writes for an edge
    text = "\n".join(sources)
    for kind in (r"= -g", r"-= g", r"\+= ", r"if g\w*:"):
        assert re.search(kind, text), (name, i, kind)


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_with_one_input_in_every_position(name):
    """op(x, x, ...): one node with x on every edge, its local derivatives summed into x."""
    t = _same_point(name)
    if t is None:  # no such point: the op is refused on ties (no op of the table today)
        pytest.fail(f"{name}: no t among {CANDIDATES} where {name}(t, ..., t) is defined")
    k = _size(name)

    def f(x, s):
        return _apply(name, [x] * k) * s - x

    def g(x, y, s):  # and with x's edges interleaved with y's, on both sides of a minus
        return y - _apply(name, [x if j % 2 else y for j in range(k)]) * s - (x - y)

    _check(f, 0, [(t, 2.0), (t, 0.0), (t * 1.0625, -1.5)], f"{name}(x, x, ...)")
    u = next((c for c in CANDIDATES if c != t and _good(name, [t if j % 2 else c
                                                            for j in range(k)])), None)
    if k > 1 and u is not None:
        _check(g, (0, 1), [(t, u, 2.0), (t, u, 0.0)], f"{name}(y, x, ...)")


@pytest.mark.parametrize("name", sorted(n for n in OPS if not OPS[n].nary
                                        and len(OPS[n].derivatives) == 2))
def test_every_binary_op_with_a_number_folded_on_either_side(name):
    """op(x, 2.5) and op(2.5, x): the local derivative as code with a number in it."""
    a, b = _point(name)
    shapes = [lambda x, s: _apply(name, [x, b]) * s - x,
              lambda x, s: (_apply(name, [a, x]) - x) * s - x]
    for k, (shape, x) in enumerate(zip(shapes, (a, b))):
        _check(shape, 0, [(x, 2.0), (x, 0.0), (x * 1.0625, -1.5)], f"{name}, folded {k}")


# -- worked by hand ----------------------------------------------------------------------------

HAND = [
    # (f, point, value, gradient), each derivative worked out on paper
    # (x - y)·2 - y: d/dx = 2, d/dy = -2 - 1 = -3
    (lambda x, y: (x - y) * 2 - y, (1.5, 0.25), 2.25, (2.0, -3.0)),
    # x - (y - (x - y)): d/dx = 1 + 1 = 2, d/dy = -1 - 1 = -2
    (lambda x, y: x - (y - (x - y)), (1.5, 0.25), 2.5, (2.0, -2.0)),
    # -x - x - x·y: d/dx = -2 - y, d/dy = -x
    (lambda x, y: -x - x - x * y, (1.5, 0.25), -3.375, (-2.25, -1.5)),
    # (x - y)(x - y): d/dx = 2(x - y), d/dy = -2(x - y)
    (lambda x, y: (x - y) * (x - y), (1.5, 0.25), 1.5625, (2.5, -2.5)),
    # relu(x - y) - relu(y - x) = x - y here (x > y): d/dx = 1, d/dy = -1
    (lambda x, y: (x - y).relu() - (y - x).relu(), (1.5, 0.25), 1.25, (1.0, -1.0)),
    # y/x - x/y: d/dx = -y/x² - 1/y = -2.125, d/dy = 1/x + x/y² = 0.5 + 8
    (lambda x, y: y / x - x / y, (2.0, 0.5), -3.75, (-2.125, 8.5)),
    # sum(x, -x, x, -y, y·x): d/dx = 1 - 1 + 1 + y = 1 + y, d/dy = -1 + x
    (lambda x, y: autograd.sum([x, -x, x, -y, y * x]), (1.5, 0.25), 1.625, (1.25, 0.5)),
]


@pytest.mark.parametrize("f, point, value, grads", HAND, ids=[f"hand{k}" for k in range(len(HAND))])
def test_graphs_worked_by_hand(f, point, value, grads):
    c = compile(f, (0, 1))
    for _ in range(2):  # the first call traces, the second runs the code
        assert c(*point) == (value, grads)
    assert value_and_grad(f, (0, 1))(*point) == (value, grads)
