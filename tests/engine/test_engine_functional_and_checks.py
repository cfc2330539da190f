"""grad / value_and_grad, numerical_grad, gradcheck, check_graph, and the import footprint."""

from __future__ import annotations

import dataclasses
import math
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import autograd
from autograd import OPS, GradcheckError, Value

ROOT = Path(__file__).resolve().parents[2]


# -- grad and value_and_grad ---------------------------------------------------------

def _tanh(v):
    return v.tanh() if isinstance(v, Value) else math.tanh(v)


def f3(x, y, z):
    return _tanh(x * y) + z * z * x


def df3(x, y, z):
    s = 1 - math.tanh(x * y) ** 2
    return (s * y + z * z, s * x, 2 * z * x)


def test_grad_with_the_default_argnum():
    g = autograd.grad(lambda x: x * x * x)(2.0)
    assert g == 12.0 and type(g) is float


@pytest.mark.parametrize("i", [0, 1, 2, -1])
def test_grad_with_one_int_argnum(i):
    args = (0.3, -1.2, 0.8)
    g = autograd.grad(f3, argnums=i)(*args)
    assert type(g) is float
    assert g == pytest.approx(df3(*args)[i], rel=1e-12)


@pytest.mark.parametrize("argnums", [(0,), (0, 2), (2, 0), (0, 1, 2)])
def test_grad_with_a_tuple_of_argnums(argnums):
    args = (0.3, -1.2, 0.8)
    g = autograd.grad(f3, argnums=argnums)(*args)
    assert isinstance(g, tuple) and len(g) == len(argnums)
    assert all(type(v) is float for v in g)
    assert g == pytest.approx(tuple(df3(*args)[i] for i in argnums), rel=1e-12)


def test_value_and_grad_int_and_tuple():
    args = (0.3, -1.2, 0.8)
    value, g = autograd.value_and_grad(f3)(*args)
    assert type(value) is float and value == pytest.approx(f3(*args))
    assert g == pytest.approx(df3(*args)[0])
    value, gs = autograd.value_and_grad(f3, argnums=(1, 2))(*args)
    assert value == pytest.approx(f3(*args))
    assert gs == pytest.approx(df3(*args)[1:])


def test_grad_passes_other_arguments_through_untouched():
    seen = []

    def f(x, n):
        seen.append(n)
        return x**n

    assert autograd.grad(f)(3.0, 2) == 6.0
    assert seen == [2] and type(seen[0]) is int


def test_grad_is_fresh_on_every_call():
    g = autograd.grad(lambda x: x * x)
    assert [g(3.0), g(3.0), g(1.0)] == [6.0, 6.0, 2.0]


def test_grad_of_a_constant_function_is_zero():
    assert autograd.grad(lambda x: 5.0)(1.0) == 0.0


def test_grad_of_a_non_scalar_result_is_a_type_error():
    with pytest.raises(TypeError):
        autograd.grad(lambda x: [x, x])(1.0)


# -- numerical_grad and gradcheck ---------------------------------------------------

def test_numerical_grad_central_differences():
    n = autograd.numerical_grad(lambda x, y: x * y + x.exp(), [2.0, 5.0])
    assert n == pytest.approx([5.0 + math.exp(2.0), 2.0], rel=1e-8)
    assert all(type(v) is float for v in n)
    # exact for a quadratic up to rounding: central differences have no h term
    (q,) = autograd.numerical_grad(lambda x: x * x, [3.0], eps=1e-3)
    assert q == pytest.approx(6.0, rel=1e-10)


def test_numerical_grad_accepts_plain_maths():
    (n,) = autograd.numerical_grad(lambda x: math.sin(x), [0.5])
    assert n == pytest.approx(math.cos(0.5), rel=1e-8)


def test_gradcheck_passes_on_correct_functions():
    assert autograd.gradcheck(f3, [0.3, -1.2, 0.8]) is True
    assert autograd.gradcheck(lambda x: (x.sigmoid() * x).log(), [1.3])


def test_gradcheck_raises_a_table_on_mismatch():
    # float(x) reads the data: the engine sees a constant, central differences do not
    def detached(x, y):
        return x * float(x) + y

    with pytest.raises(GradcheckError) as info:
        autograd.gradcheck(detached, [3.0, 1.0])
    err = info.value
    assert isinstance(err, AssertionError)
    message = str(err)
    lines = message.splitlines()
    header = next(line for line in lines if "analytic" in line)
    assert "numeric" in header
    # one row per argument with both numbers: 3 (analytic) and 6 (numeric) for x
    row_x = next(line for line in lines if "arg0" in line)
    assert "3" in row_x and "6" in row_x
    assert any("arg1" in line for line in lines)


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(GradcheckError, AssertionError)


def test_gradcheck_catches_a_wrong_rule(monkeypatch):
    wrong = dataclasses.replace(OPS["sigmoid"], derivatives=(lambda out, x: out,))
    monkeypatch.setitem(OPS, "sigmoid", wrong)
    with pytest.raises(GradcheckError):
        autograd.gradcheck(lambda x: x.sigmoid() * 2, [0.4])


# -- check_graph -------------------------------------------------------------------

def _net():
    x = Value(0.4, label="x")
    w = Value(-0.9, label="w")
    h = autograd.dot([w, x], [x, 1.5]).tanh()
    h.label = "h"
    y = (h * h + 1).log() + (x / (w * w + 1)) ** 2 + 2**x - abs(w).sqrt() + x.sigmoid()
    return y


def test_check_graph_passes_on_the_real_table():
    y = _net()
    checked = autograd.check_graph(y)
    assert checked >= sum(len(n.parents) for n in autograd.topo_order(y)) - 2


def test_check_graph_names_the_op_and_node_of_a_wrong_rule(monkeypatch):
    wrong = dataclasses.replace(OPS["tanh"], derivatives=(lambda out, x: 1.0 - out,))
    monkeypatch.setitem(OPS, "tanh", wrong)
    y = _net()
    with pytest.raises(GradcheckError) as info:
        autograd.check_graph(y)
    message = str(info.value)
    assert "tanh" in message and "'h'" in message


def test_check_graph_catches_a_wrong_nary_rule(monkeypatch):
    def wrong_dot(out, args):  # forgets to swap: d/dw_i = w_i
        return tuple(args)

    monkeypatch.setitem(OPS, "dot", dataclasses.replace(OPS["dot"], derivatives=(wrong_dot,)))
    w, q = Value(2.0, label="w"), Value(3.0, label="q")
    p = autograd.dot([w], [q])
    p.label = "p"
    with pytest.raises(GradcheckError) as info:
        autograd.check_graph(p * 1.0)
    assert "dot" in str(info.value) and "'p'" in str(info.value)


def test_check_graph_catches_a_wrong_rule_for_a_new_op(monkeypatch):
    """A learner adds an op with the wrong derivative: check_graph names it."""
    cube = autograd.Primitive(
        name="cube",
        forward=lambda x: x * x * x,
        derivatives=(lambda out, x: 2 * x * x,),  # should be 3x²
        symbols=("3{0}²",),
        formulas=("d(x³)/dx = 3x²",),
        text="{0}³",
    )
    monkeypatch.setitem(OPS, "cube", cube)
    from autograd.value import _unary  # the same helper Value.tanh and friends use

    x = Value(1.5, label="x")
    c = _unary(cube, x)
    c.label = "cubed"
    assert c.op == "cube" and c.local_grads == (4.5,)
    with pytest.raises(GradcheckError) as info:
        autograd.check_graph(c + 1)
    assert "cube" in str(info.value) and "'cubed'" in str(info.value)


def test_monkeypatched_entries_are_restored():
    assert "cube" not in OPS
    assert OPS["tanh"].derivatives[0](0.5, 0.0) == pytest.approx(0.75)


# -- import footprint ------------------------------------------------------------------

def test_import_autograd_imports_no_third_party_module():
    script = textwrap.dedent(
        """
        import sys
        before = set(sys.modules)
        import autograd
        new = sorted({m.split('.')[0] for m in set(sys.modules) - before})
        print('\\n'.join(new))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
        timeout=120,
    )
    new = set(done.stdout.split())
    assert "autograd" in new
    foreign = {m for m in new - {"autograd"} if m not in sys.stdlib_module_names}
    assert not foreign, f"import autograd pulled in {sorted(foreign)}"
    assert not new & {"numpy", "graphviz", "matplotlib", "nn", "tqdm", "IPython"}


def test_autograd_public_names():
    for name in [
        "Value", "OPS", "Primitive", "sum", "dot", "no_grad", "grad", "value_and_grad",
        "numerical_grad", "gradcheck", "GradcheckError", "check_graph", "backward_steps",
        "topo_order",
    ]:
        assert hasattr(autograd, name), name
