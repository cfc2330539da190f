"""The op table's shape: entries with named fields, one place for each op's knowledge.

Keyword-only entries whose old positional or old-named use fails loudly; an
entry checked where it is written; one search (``name="tanh"``) landing on
the whole entry; dot's weights / inputs / bias decoded by one helper; each op
saying how it is drawn and written in LaTeX; and the conventions of the new
functions (ties of maximum and minimum, the origin of atan2 and hypot).
"""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import OPS, Primitive, Value, no_grad
from autograd.ops import dot_parts, latex_words, local_symbol, op_text
from autograd.see.chains import _tex

OPS_SOURCE = Path(autograd.__file__).with_name("ops.py")


def _cube(**changes):
    fields = dict(name="cube", forward=lambda x: x**3, derivatives=(lambda out, x: 3 * x * x,),
                  symbols=("3·{0}²",), formulas=("(x³)' = 3x²",), text="cube({0})")
    return Primitive(**{**fields, **changes})


# -- named fields, keywords only ----------------------------------------------------

def test_an_entry_is_built_with_keywords_and_says_what_each_field_is():
    cube = _cube()
    assert cube.derivatives[0](8.0, 2.0) == 12.0
    assert (cube.symbols, cube.formulas, cube.text) == (("3·{0}²",), ("(x³)' = 3x²",), "cube({0})")
    assert cube.glyph == "cube" and cube.latex == {} and cube.domain == ""
    assert not cube.nary and not cube.finite_derivatives


def test_the_old_positional_and_old_named_uses_fail_loudly():
    # the six positional arguments of the old table
    with pytest.raises(TypeError):
        Primitive("cube", lambda x: x**3, (lambda out, x: 3 * x * x,), ("3·{0}²",),
                  ("(x³)' = 3x²",), "cube({0})")
    # `derivs` (the callables) and `rules` (the display strings) are gone, not reused
    with pytest.raises(TypeError, match="derivs"):
        _cube(derivs=(lambda out, x: 3 * x * x,))
    with pytest.raises(TypeError, match="rules"):
        _cube(rules=("(x³)' = 3x²",))
    with pytest.raises(TypeError, match="finite_locals"):
        _cube(finite_locals=True)
    for old in ("derivs", "rules", "finite_locals"):
        assert not hasattr(OPS["tanh"], old)
    with pytest.raises(TypeError):
        dataclasses.replace(OPS["tanh"], derivs=(lambda out, x: 1.0,))


@pytest.mark.parametrize(
    "changes, kind, words",
    [
        (dict(name=""), ValueError, "name"),
        (dict(forward=3.0), TypeError, "forward"),
        (dict(derivatives=[lambda out, x: 1.0]), TypeError, "tuple"),
        (dict(derivatives=(1.0,)), TypeError, "callable"),
        (dict(derivatives=()), ValueError, "one rule per input"),
        (dict(derivatives=(lambda o, x: 1.0,) * 3, symbols=("",) * 3, formulas=("",) * 3),
         ValueError, "one rule per input"),
        (dict(symbols=("a", "b")), ValueError, "symbols"),
        (dict(formulas=()), ValueError, "formulas"),
        (dict(derivatives=(lambda o, x: 1.0,) * 2, nary=True), ValueError, "nary"),
        (dict(text=None), TypeError, "text"),
        (dict(latex=None), TypeError, "latex"),
    ],
)
def test_a_malformed_entry_is_refused_where_it_is_written(changes, kind, words):
    with pytest.raises(kind, match=words) as info:
        _cube(**changes)
    assert "Primitive" in str(info.value)


def test_equality_is_identity_so_a_copy_is_not_the_registered_entry():
    copy = dataclasses.replace(OPS["tanh"])
    assert copy is not OPS["tanh"] and copy != OPS["tanh"] and OPS["tanh"] == OPS["tanh"]
    with pytest.raises(ValueError, match="register"):
        autograd.apply(copy, Value(0.5))
    with pytest.raises(TypeError, match="Primitive"):
        autograd.register("tanh")


# -- one search lands on an op's whole entry ------------------------------------------

def test_grep_name_lands_on_the_first_line_of_each_entry():
    lines = OPS_SOURCE.read_text(encoding="utf-8").splitlines()
    for name in OPS:
        hits = [k for k, line in enumerate(lines) if line.strip() == f'name="{name}",']
        assert len(hits) == 1, f'grep name="{name}" should land once, got lines {hits}'
        k = hits[0]
        assert lines[k - 1].strip() == "Primitive(", f"{name}: name is not the first keyword"
        # the entry runs from there to its closing parenthesis, every field inside
        end = next(j for j in range(k, len(lines)) if lines[j] == "    ),")
        entry = "\n".join(lines[k:end])
        for field in ("forward=", "derivatives=", "symbols=", "formulas=", "text="):
            assert field in entry, f"{name}: {field} is not in its entry"
    assert 'grep -n \'name="tanh"\'' in autograd.ops.__doc__


def test_local_derivatives_is_gone_from_ops():
    assert not hasattr(autograd.ops, "local_derivatives")


# -- dot's convention, decoded in one place --------------------------------------------

@settings(max_examples=100, deadline=None)
@given(n=st.integers(0, 6), has_bias=st.booleans())
def test_dot_parts_gives_back_what_dot_was_called_with(n, has_bias):
    ws = [Value(0.5 * k + 0.25, label=f"w{k}") for k in range(n)]
    qs = [float(k) - 1.0 for k in range(n)]  # numbers: folded into the node
    bias = Value(0.75, label="b") if has_bias else None
    p = autograd.dot(ws, qs, bias)
    got_ws, got_qs, got_bias = dot_parts(p.args)
    assert list(got_ws) == ws and list(got_qs) == qs and got_bias is bias
    assert p.data == pytest.approx(sum(w.data * q for w, q in zip(ws, qs)) + (0.75 * has_bias))


def test_a_folded_number_bias_is_still_a_bias():
    p = autograd.dot([Value(2.0)], [3.0], 0.0)
    assert dot_parts(p.args)[2] == 0.0 and dot_parts(p.args)[2] is not None
    assert op_text(OPS["dot"], ["w", "q", "0"]) == "dot: w·q + 0"


def test_the_modules_that_read_dot_decode_it_with_the_helper():
    here = OPS_SOURCE.parent
    for path in [*here.glob("*.py"), *here.parent.joinpath("nn").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        if path.name == "ops.py":
            continue
        assert not re.search(r"args\)? ?(%|//) ?2|has_bias|args\[-1\]", text), (
            f"{path.name} decodes dot's arguments itself; use autograd.ops.dot_parts"
        )


# -- how each op is drawn and written in LaTeX --------------------------------------------

def _printed(prim):
    names = ["x", "y", "z"][: 3 if prim.nary else len(prim.derivatives)]
    symbols = [local_symbol(prim, i, names, "out") for i in range(len(names))]
    return [op_text(prim, names), *symbols]


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_word_an_op_prints_has_its_latex(name):
    """Each word (leaky_relu, log10, σ's name aside) has a LaTeX entry, and explain's LaTeX
    writes it so; what is left is ASCII (σ, √, ², · as commands) with no bare word in it."""
    words = latex_words()
    for text in _printed(OPS[name]):
        latex = _tex(text)
        for word in re.findall(r"[A-Za-z][A-Za-z0-9_]+", text):  # leaky_relu is one word
            if word != "out":
                assert word in words, f"{name} prints {word!r} in {text!r}: add it to latex="
                assert words[word] in latex, (name, text, latex)
        assert latex.isascii(), (name, text, latex)
        upright = re.sub(r"\\operatorname\{[^{}]*\}", "", latex)  # a name in upright type
        bare = re.findall(r"(?<![\\A-Za-z])[A-Za-z]{2,}", upright)
        assert set(bare) <= {"out"}, (name, text, latex, bare)


def test_explain_writes_the_new_ops_in_latex():
    x = Value(0.3, label="x")
    y = x.sin().erf().atan() + x.asin()
    latex = autograd.explain(y, x)._repr_latex_()
    for command in (r"\cos", r"\exp", r"\pi", r"\sqrt{1 - x^2}"):
        assert command in latex, (command, latex)
    assert "cos(" not in latex.replace(r"\cos(", "")


def test_the_drawing_puts_each_ops_glyph_in_its_circle():
    x = Value(1.5, label="x")
    for node, glyph in [(autograd.maximum(x, x.sin()), "max"), (x.log2(), "log₂"),
                        (x.sigmoid(), "σ"), (autograd.atan2(x, x.cos()), "atan2")]:
        assert OPS[node.op].glyph == glyph
        source = autograd.draw(node).source
        assert re.search(rf'_op \[label="?{glyph}"? ', source), (glyph, source)


# -- maximum and minimum: ties split the gradient, as torch.maximum ------------------------

def test_a_tie_splits_the_gradient_in_half():
    a, b = Value(2.0, label="a"), Value(2.0, label="b")
    for f in (autograd.maximum, autograd.minimum):
        node = f(a, b)
        assert node.data == 2.0 and node.local_grads == (0.5, 0.5)
    x = Value(-1.0, label="x")
    y = autograd.maximum(x, x) + autograd.minimum(x, x)  # both are x itself: slope 1 each
    y.backward()
    assert x.grad == 2.0
    assert autograd.maximum(Value(0.0), 0).local_grads == (0.5,)  # relu-like, at its kink


@settings(max_examples=600, deadline=None)
@given(a=st.floats(-1e6, 1e6), b=st.one_of(st.floats(-1e6, 1e6), st.just(0.0)))
def test_maximum_and_minimum_share_the_gradient_of_their_sum(a, b):
    """max(a, b) + min(a, b) = a + b, so their local derivatives add up to (1, 1),
    at a tie too; each one's two derivatives add up to 1."""
    va, vb = Value(a), Value(b)
    hi, lo = autograd.maximum(va, vb), autograd.minimum(va, vb)
    assert hi.data + lo.data == a + b
    assert hi.data == max(a, b) and lo.data == min(a, b)
    assert [h + m for h, m in zip(hi.local_grads, lo.local_grads)] == [1.0, 1.0]
    assert sum(hi.local_grads) == 1.0 and sum(lo.local_grads) == 1.0


def test_the_rule_of_a_comparison_reads_data_and_builds_no_node():
    a, b = Value(3.0), Value(1.0)
    node = autograd.maximum(a, b)
    for rule in (*OPS["maximum"].derivatives, *OPS["minimum"].derivatives,
                 *OPS["relu"].derivatives, *OPS["abs"].derivatives):
        result = rule(node, a, b) if rule.__code__.co_argcount == 3 else rule(node, a)
        assert type(result) is float
    assert not a.parents and a.grad == 0.0  # nothing was built on a


# -- the origin of atan2 and hypot; both-number calls ------------------------------------

@pytest.mark.parametrize("f, name", [(autograd.atan2, "atan2"), (autograd.hypot, "hypot")])
def test_atan2_and_hypot_have_no_derivative_at_the_origin(f, name):
    """The value is defined (atan2(0, 0) = 0, hypot(0, 0) = 0) but no slope is:
    raise, as sqrt at 0 does, rather than give NaN (PyTorch) or a made-up 0."""
    for args in [(Value(0.0, label="p"), Value(0.0, label="q")), (Value(0.0, label="p"), 0.0),
                 (0, Value(0.0, label="q"))]:
        with pytest.raises(ZeroDivisionError, match=rf"^{name}: ") as info:
            f(*args)
        for a in args:
            if isinstance(a, Value):
                assert f"'{a.label}'" in str(info.value)
        with no_grad():
            assert f(*args).data == 0.0


def test_the_two_argument_functions_need_a_value():
    for f in (autograd.atan2, autograd.hypot, autograd.maximum, autograd.minimum):
        with pytest.raises(TypeError, match=f"{f.__name__}: needs at least one Value"):
            f(1.0, 2.0)
        with pytest.raises(TypeError, match=f.__name__):
            f(Value(1.0), "2")


# -- rules that keep their digits where the textbook form would lose them ------------------

def test_rules_keep_their_digits_at_the_edges_of_the_float_range():
    # atan2 and hypot through hypot, not x² + y²: no overflow or underflow in the squares
    tiny, huge = Value(1e-200), Value(1e200)
    def close(x):  # relative only: an absolute 1e-12 would take 0 for 1e-200
        return pytest.approx(x, rel=1e-12, abs=0.0)

    assert autograd.atan2(tiny, tiny).local_grads == close((0.5e200, -0.5e200))
    assert autograd.atan2(huge, huge).local_grads == close((0.5e-200, -0.5e-200))
    assert autograd.hypot(huge, huge).local_grads == close((2**-0.5, 2**-0.5))
    # acosh' = 1/(√(x-1)·√(x+1)), not 1/√(x² - 1): x² overflows past 1.3e154
    assert Value(1e200).acosh().local_grads[0] == close(1e-200)
    assert Value(1e200).asinh().local_grads[0] == close(1e-200)
    # expm1' = exp(x), not out + 1: expm1(-40) + 1 is 0.0 in floats
    assert Value(-40.0).expm1().local_grads[0] == close(math.exp(-40.0))
    # erf' and atan' go smoothly to 0 where x² overflows, never NaN
    assert Value(1e200).erf().local_grads == (0.0,)
    assert Value(1e200).atan().local_grads == (0.0,)


def test_exp_and_the_hyperbolics_overflow_as_overflow_errors():
    for make in (lambda v: v.exp(), lambda v: v.expm1(), lambda v: v.sinh(), lambda v: v.cosh()):
        with pytest.raises(OverflowError, match="overflows a float"):
            make(Value(800.0, label="big"))


def test_the_rules_evaluated_on_values_fail_at_the_same_edges():
    # what a second derivative would meet: the rule of asin at 1 on Values
    x = Value(1.0, label="edge")
    with no_grad():
        out = x.asin()
    with pytest.raises(ZeroDivisionError):
        OPS["asin"].derivatives[0](out, x)
