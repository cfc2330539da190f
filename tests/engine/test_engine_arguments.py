"""Every public function checks its arguments and names the bad one (issue 27, item 7).

The named cases are those a review found; the sweep calls every public function of
autograd and nn with hostile arguments and asks that whatever it raises names the
function or the argument, never a bare Python error from deep inside.
"""

from __future__ import annotations

import inspect

import pytest

import autograd
import nn
from autograd import Value

CASES = {
    "hvp float primals": (lambda: autograd.hvp(lambda x: x * x, 1.0, [1.0]), TypeError,
                          r"^hvp: primals must be a tuple or list .*got float"),
    "hvp None vector": (lambda: autograd.hvp(lambda x: x * x, [1.0], None), TypeError,
                        r"^hvp: vector must be a tuple or list"),
    "hvp f": (lambda: autograd.hvp(3, [1.0], [1.0]), TypeError, r"^hvp: f must be a function"),
    "jvp f": (lambda: autograd.jvp([], [1.0], [1.0]), TypeError, r"^jvp: f must be a function"),
    "check_grads scalar args": (lambda: autograd.check_grads(lambda x: x * x, 1.0), TypeError,
                                r"^check_grads: args must be a list or tuple"),
    "check_grads eps=0": (lambda: autograd.check_grads(lambda x: x * x, [1.0], eps=0),
                          ValueError, r"^check_grads: eps must be a finite number > 0, got 0"),
    "check_grads eps<0": (lambda: autograd.check_grads(lambda x: x * x, [1.0], eps=-1e-6),
                          ValueError, r"^check_grads: eps must be"),
    "check_grads eps nan": (lambda: autograd.check_grads(lambda x: x * x, [1.0],
                                                         eps=float("nan")),
                            ValueError, r"^check_grads: eps: data must be finite"),
    "check_grads atol str": (lambda: autograd.check_grads(lambda x: x * x, [1.0], atol="1"),
                             TypeError, r"^check_grads: atol"),
    "check_grads args str": (lambda: autograd.check_grads(lambda x: x * x, ["a"]), TypeError,
                             r"^check_grads: args\[0\]"),
    "check_grads f None": (lambda: autograd.check_grads(None, [1.0]), TypeError,
                           r"^check_grads: f must be a function"),
    "gradcheck eps=0": (lambda: autograd.gradcheck(lambda x: x * x, [1.0], eps=0), ValueError,
                        r"^gradcheck: eps must be"),
    "gradcheck scalar": (lambda: autograd.gradcheck(lambda x: x * x, 2.0), TypeError,
                         r"^gradcheck: args must be"),
    "numerical_grad scalar": (lambda: autograd.numerical_grad(lambda x: x, 2.0), TypeError,
                              r"^numerical_grad: args must be"),
    "backward None": (lambda: autograd.backward.backward(None), TypeError,
                      r"^backward: root must be a Value, got NoneType"),
    "backward list": (lambda: autograd.backward.backward([Value(1.0)]), TypeError,
                      r"^backward: root must be a Value, got list"),
    "topo_order float": (lambda: autograd.topo_order(1.5), TypeError,
                         r"root must be a Value .*got float"),
    "leaves str": (lambda: autograd.leaves("x"), TypeError, r"root must be a Value"),
    "apply unknown": (lambda: autograd.apply("nope", Value(1.0)), ValueError,
                      r"^apply: no op 'nope'"),
    "apply None": (lambda: autograd.apply(None, Value(1.0)), TypeError,
                   r"^apply: op must be an op's name or a Primitive"),
    "sum None": (lambda: autograd.sum(None), TypeError, r"^sum: values must be an iterable"),
    "sum float": (lambda: autograd.sum(1.5), TypeError, r"^sum: values"),
    "dot None": (lambda: autograd.dot(None, [1.0]), TypeError, r"^dot: ws must be a sequence"),
    "dot xs int": (lambda: autograd.dot([Value(1.0)], 3), TypeError, r"^dot: xs must be"),
    "render str": (lambda: autograd.render("x", "out.svg"), TypeError,
                   r"^render: dg must be a drawing"),
    "node_names None": (lambda: autograd.node_names(None), TypeError,
                        r"^node_names: order must be a list"),
    "Page.save NUL": (lambda: autograd.Page("<p>").save("a\0b.html"), ValueError, r"NUL byte"),
    "Page.save None": (lambda: autograd.Page("<p>").save(None), TypeError,
                       r"path must be a str or os.PathLike"),
    "plot_history no loss": (lambda: nn.plot_history({}, "loss.png"), TypeError,
                             r"^plot_history: history must be a dict"),
    "plot_history path": (lambda: nn.plot_history({"loss": [1.0]}, None), TypeError,
                          r"path must be a str"),
    "plot_boundary X": (lambda: nn.plot_boundary(nn.MLP(2, [1], seed=0), None, [], "b.png"),
                        TypeError, r"^plot_boundary: X must be a non-empty list"),
    "plot_boundary y": (lambda: nn.plot_boundary(nn.MLP(2, [1], seed=0), [(0.0, 1.0)], [],
                                                 "b.png"),
                        ValueError, r"^plot_boundary: y must be a list of one label per point"),
    "plot_boundary 3 inputs": (lambda: nn.plot_boundary(nn.MLP(3, [1], seed=0), [(0.0, 1.0)],
                                                        [1], "b.png"),
                               ValueError, r"^plot_boundary: the model takes 3 inputs"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_argument_is_named(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    call, error, pattern = CASES[case]
    with pytest.raises(error, match=pattern):
        call()
    assert list(tmp_path.iterdir()) == []  # nothing written on the way to the error


HOSTILE = [None, "x", 1.5, float("nan"), [], object(), -1, b"\0", True]
BARE = (AttributeError, KeyError, IndexError, UnboundLocalError, NameError)
# Helpers that take a node and an edge index (the drawings' building blocks): their
# callers check first. Torch's import is left alone.
SKIP = {"edge_symbol", "edge_symbols", "node_text", "import_torch", "from_torch", "to_torch",
        "tour", "fit", "train"}


def _public_functions():
    for module in (autograd, nn):
        for name in module.__all__:
            obj = getattr(module, name)
            if name in SKIP or not callable(obj) or inspect.isclass(obj):
                continue
            try:
                params = inspect.signature(obj).parameters.values()
            except (TypeError, ValueError):
                continue
            required = [p for p in params if p.default is p.empty
                        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
            if required:
                yield f"{module.__name__}.{name}", obj, [p.name for p in required]


@pytest.mark.parametrize("name, function, required",
                         list(_public_functions()), ids=lambda x: x if isinstance(x, str) else "")
def test_hostile_arguments_to_every_public_function_are_named(name, function, required,
                                                              tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    short = name.rsplit(".", 1)[1].lower()
    for bad in HOSTILE:
        try:
            function(*[bad] * len(required))
        except Exception as error:  # a refusal: it must say whose argument it was
            text = str(error).lower()
            named = short in text or any(r.lower() in text for r in required)
            if isinstance(error, BARE):
                assert named, f"{name}({bad!r}, ...) raised a bare {type(error).__name__}: {error}"
            else:
                assert named or "value" in text or "path" in text or \
                    (isinstance(bad, str) and text.startswith(bad)), (name, bad, error)
