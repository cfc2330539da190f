"""The seeing tools print whatever the engine accepted: folded numbers of any Real kind,
labels that are not strings (issue 12's error list)."""

from __future__ import annotations

import ast
import numbers
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import autograd
import autograd.see.viz as viz
from autograd import Value, draw, explain, trace_text
from autograd.see.anatomy import NeuronGroup, find_neurons
from autograd.see.display import label_text, number, value_html


class Half:
    """A Real by registration only: it converts to float but has no format spec of its own."""

    def __float__(self) -> float:
        return 0.5

    def __repr__(self) -> str:
        return "Half()"


numbers.Real.register(Half)

FOLDED = [Fraction(1, 3), np.float64(0.25), np.int64(3), 7, Half()]


@pytest.mark.parametrize("c", FOLDED, ids=lambda c: type(c).__name__)
def test_a_folded_number_of_any_real_kind_prints(c):
    x = Value(2.0, label="x")
    shown = number(float(c))
    nodes = {
        "mul": x * c, "rmul": c * x, "sub": c - x, "div": x / c, "pow": x**c,
        "sum": autograd.sum([x, c, x * 2.0]), "dot": autograd.dot([x, c], [c, x], c),
    }
    for name, y in nodes.items():
        text = trace_text(y)
        assert shown in text, (name, text)
        e = explain(y, x)
        assert e.total == pytest.approx(sum(p.product for p in e.paths), rel=1e-12)
        str(e), e._repr_latex_(), e._repr_markdown_()
        source = draw(y, symbols=True).source
        assert "digraph" in source
    assert f"x * {shown}" in trace_text(x * c)
    assert f"{shown} ** x" in trace_text(c**x)  # a folded base
    assert [s for s, _ in explain(x * c, x).paths[0].factors] == [shown]
    assert f"× {shown}" in draw(x * c).source


def test_number_never_fails():
    assert number(Fraction(2, 3)) == "0.6667" and number(np.float32(0.5)) == "0.5"
    assert number(-0.0) == "0" and number(Fraction(0)) == "0"
    assert number(10**400) == str(10**400)  # too large for a float: written as it is
    assert number(None) == "None" and number("a") == "a"


@pytest.mark.parametrize("label", [5, 2.5, None, ("w", 1)])
def test_a_label_that_is_not_a_str_prints(label):
    v = Value(1.5)
    v.label = label  # (Value may refuse such labels when made; assignment still works)
    y = (v * 2.0).tanh()
    text = trace_text(y)
    e = explain(y, v)
    shown = label_text(label)
    if shown:
        assert f"{shown} = leaf" in " ".join(text.split())
        assert e.wrt_name == shown and f"d{e.root_name}/d{shown}" in str(e)
    e._repr_latex_(), e._repr_markdown_(), repr(e)
    assert "digraph" in draw(y, highlight=v, symbols=True).source
    assert "<table" in value_html(v) and "<table" in v._repr_html_()
    y.backward()
    assert e.total == pytest.approx(v.grad)


def test_labels_that_print_alike_are_told_apart():
    a, b = Value(1.0), Value(2.0, label="5")
    a.label = 5
    names = autograd.Trace(a * b).names
    assert len(set(names.values())) == 3 and "5" not in names.values()


def test_a_label_with_markup_is_escaped_in_drawings_and_html():
    v = Value(1.0, label="<b>&x")
    source = draw(v * 2.0).source
    assert "<<b>&lt;b&gt;&amp;x</b>" in source  # the HTML-like label: escaped
    assert 'tooltip="<b>&x = 1.0"' in source  # a quoted DOT string: no markup there
    assert "&lt;b&gt;&amp;x" in value_html(v)


def test_neuron_groups_are_not_named_like_nn_neurons():
    assert not hasattr(viz, "Neuron")
    x = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    out = autograd.dot([Value(0.3), Value(0.2)], x, Value(0.1)).tanh()
    (group,) = find_neurons(out)
    assert isinstance(group, NeuronGroup) and group.out is out


def test_the_core_never_imports_a_wing():
    """The core (autograd/*.py) reads like the lecture: no module of it imports the seeing,
    compiling or torch wings; only the package's front door re-exports them."""
    package = Path(autograd.__file__).parent
    wings = {p.name for p in package.iterdir() if (p / "__init__.py").exists()}
    assert wings == {"see", "compiler", "torch_replay"}
    importers = []
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                first = module.split(".")[1 if module.startswith("autograd.") else 0]
                if (node.level == 1 or module.startswith("autograd")) and first in wings:
                    importers.append(path.name)
            elif isinstance(node, ast.Import):
                importers += [path.name for a in node.names
                              if a.name.startswith("autograd.") and a.name.split(".")[1] in wings]
    assert sorted(set(importers)) == ["__init__.py"]


@pytest.mark.parametrize(("label", "tex"), [
    ("w_12", "w_{12}"), ("my_bias", "my_{bias}"), ("a_b_c", r"a\_b\_c"), ("_x", r"\_x"),
    ("α_1", "α_{1}"), ("δ_1", r"\delta _{1}"), ("x_1₂", "x_{12}"), ("w_₁", "w_{1}"),
    ("a{", r"a\{"), ("a}", r"a\}"), ("a$b", r"a\$b")])
def test_underscores_in_labels_are_subscripts_or_characters_in_latex(label, tex):
    """One underscore is a subscript (w_12 is w with 12 below, not w₁ then 2); more would
    be a double subscript, an error in LaTeX: they are printed as underscores."""
    import re

    w = Value(2.0, label=label)
    latex = explain((w * Value(3.0, label="q_1")).tanh(), w)._repr_latex_()
    assert tex in latex and "q_{1}" in latex
    assert not re.search(r"(?<!\\)_(?!\{)", latex)  # every _ opens a group or is escaped
    assert not re.search(r"_\{[^{}]*\}_", latex)  # no double subscript
    unescaped = re.sub(r"\\[{}$]", "", latex[2:-2])
    assert unescaped.count("{") == unescaped.count("}") and "$" not in unescaped
