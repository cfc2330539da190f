"""Hostile input for every public function of nn's layers, losses, optim, data and train.

Each test takes a valid call, replaces one argument (or one element of a list
argument) with a hostile value drawn by hypothesis, and requires one of two
outcomes:

- accepted: the result holds only finite numbers (Values, floats, parameters);
- refused: a TypeError, ValueError, OverflowError or IndexError whose message
  names the function or the argument (or, from the engine, the op and node),
  short and readable, and nothing was changed (parameters, grads, optimizer
  state, a model under fit);
- for fit only, diverged: a valid but extreme argument (l2=1e308) was accepted
  and a later step failed; the error names the epoch and step, and the model
  holds the finite weights of the last step that completed.

Anything else (AttributeError, KeyError, ZeroDivisionError, a nan or inf in a
result, a change made before a refusal) fails. The hostile classes are below;
set CHAINGRAD_HOSTILE_COUNTS=path to write how many of each were tried, and
how each class behaved, as JSON.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograd import Value
from nn import (
    MLP,
    SGD,
    Adam,
    Layer,
    Module,
    Neuron,
    Optimizer,
    accuracy,
    activate,
    activate_float,
    binary_cross_entropy,
    check_activation,
    circles,
    cross_entropy,
    fit,
    hinge,
    init_scale,
    l2_penalty,
    logsumexp,
    make_optimizer,
    moons,
    mse,
    resolve_loss,
    softmax,
    spiral,
    to_index,
    to_signed,
    xor,
)

NAN, INF = float("nan"), float("inf")

HOSTILE = {
    "nan": st.just(NAN),
    "inf": st.sampled_from([INF, -INF]),
    "huge": st.sampled_from([1e308, -1e308, 1.7976931348623157e308, 10**400, -(10**400),
                             10**5000]),
    "tiny/negative/fraction": st.sampled_from([-1, -1.0, 0, 0.0, -0.0, 0.5, 2.5, -1e-300,
                                               5e-324, 2**63]),
    "bool": st.booleans(),
    "str": st.sampled_from(["", "1", "1.5", "nan", "relu", "sum"]) | st.text(max_size=3),
    "None": st.none(),
    "wrong kind": st.sampled_from([{1.0, 2.0}, {"a": 1.0}, b"ab", object(), 1j, [[1.0]],
                                   (1.0,)]),
    "empty": st.sampled_from([[], ()]),
}
WRONG_LENGTH = "wrong length"
TRIED: Counter = Counter()
BEHAVED: Counter = Counter()

ALLOWED = (TypeError, ValueError, OverflowError, IndexError)
ENGINE_MESSAGE = re.compile(r"^(dot|sum|\+|-|\*|/|neg|\*\*|exp|log|tanh|sigmoid|relu|Value): ")


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    path = os.environ.get("CHAINGRAD_HOSTILE_COUNTS")
    if path:
        with open(path, "w") as f:
            json.dump({"tried": dict(TRIED), "outcomes": {
                f"{cls} -> {outcome}": k for (cls, outcome), k in sorted(BEHAVED.items())
            }}, f, indent=1)


def hostile(extra=()):
    """(class, value) pairs; ``extra`` adds (class, strategy) pairs for this function."""
    pairs = [st.tuples(st.just(cls), s) for cls, s in HOSTILE.items()]
    pairs += [st.tuples(st.just(cls), s) for cls, s in extra]
    return st.one_of(pairs)


def wrong_length(n):
    """A list of valid floats whose length is not n."""
    return (WRONG_LENGTH, st.lists(st.floats(-1, 1), max_size=n + 2).filter(lambda x: len(x) != n))


def finite_everywhere(result):
    """True if every number reachable in result (Values, lists, dicts, modules) is finite."""
    if isinstance(result, Value):
        return math.isfinite(result.data) and math.isfinite(result.grad)
    if isinstance(result, bool) or result is None or isinstance(result, str):
        return True
    if isinstance(result, (int, float)):
        return math.isfinite(result)
    if isinstance(result, (Module, Optimizer)):
        params = result.parameters() if isinstance(result, Module) else result.params
        return all(finite_everywhere(p) for p in params)
    if isinstance(result, dict):
        return all(finite_everywhere(v) for v in result.values())
    if isinstance(result, (list, tuple)):
        return all(finite_everywhere(v) for v in result)
    return True


DIVERGED = re.compile(r"^fit: epoch \d+, step \d+: ")


def attempt(cls, who, call, state=lambda: None):
    """Run call(); check the outcome as the module docstring says; record it."""
    TRIED[cls] += 1
    before = state()
    try:
        result = call()
    except ALLOWED as error:
        message = str(error)
        assert message and len(message) < 1500, message
        assert any(w in message for w in who) or ENGINE_MESSAGE.match(message), (who, message)
        if DIVERGED.match(message):  # accepted, then training diverged: the last good step
            assert finite_everywhere(state()), message
            BEHAVED[cls, "accepted, training diverged"] += 1
            return "diverged"
        assert state() == before, f"changed on refusal: {message}"
        BEHAVED[cls, f"refused ({type(error).__name__})"] += 1
        return "refused"
    assert finite_everywhere(result), (cls, result)
    BEHAVED[cls, "accepted"] += 1
    return "accepted"


def replaced(kwargs, key, value, index=None):
    """kwargs with kwargs[key] (or its element ``index``) set to value."""
    out = dict(kwargs)
    if index is None:
        out[key] = value
    else:
        out[key] = list(out[key])
        out[key][index] = value
    return out


SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def params_state(module):
    return lambda: [(p.data, p.grad, p.label) for p in module.parameters()]


# -- layers --------------------------------------------------------------------------------

CONSTRUCTORS = [
    (MLP, {"nin": 2, "nouts": [3, 1], "activation": "relu", "output_activation": None,
           "input_activation": None, "seed": 0, "init": "auto"}, ("MLP",)),
    (Layer, {"nin": 2, "nout": 2, "seed": 0, "label": "L", "activation": "tanh",
             "init": "auto"}, ("Layer", "Neuron")),
    (Neuron, {"nin": 2, "nonlin": True, "activation": "sigmoid", "seed": 0, "init": "auto",
              "label": "n"}, ("Neuron",)),
]


@pytest.mark.parametrize("make, valid, who", CONSTRUCTORS, ids=lambda c: getattr(c, "__name__", ""))
@SETTINGS
@given(data=st.data())
def test_constructors(make, valid, who, data):
    key = data.draw(st.sampled_from(sorted(valid)))
    cls, value = data.draw(hostile())
    index = None
    if key == "nouts" and data.draw(st.booleans()):
        index = data.draw(st.integers(0, 1))
    attempt(cls, who + (key,), lambda: make(**replaced(valid, key, value, index)))


MODULES = [
    (lambda: MLP(2, [3, 2], activation="tanh", input_activation="sigmoid", seed=0),
     ("__call__", "trace", "forward_floats"), ("MLP",)),
    (lambda: Layer(2, 3, seed=0), ("__call__", "forward", "forward_floats"), ("Layer",)),
    (lambda: Neuron(2, activation="relu", seed=0), ("__call__", "forward_floats"), ("Neuron",)),
]


@pytest.mark.parametrize("make, calls, who", MODULES, ids=["MLP", "Layer", "Neuron"])
@SETTINGS
@given(data=st.data())
def test_forward_calls(make, calls, who, data):
    module = make()
    call = getattr(module, data.draw(st.sampled_from(calls)))
    cls, value = data.draw(hostile([wrong_length(2)]))
    x = [0.5, -0.25]
    if cls != WRONG_LENGTH and data.draw(st.booleans()):
        x[data.draw(st.integers(0, 1))] = value  # one input poisoned
    else:
        x = value  # the whole input
    attempt(cls, who, lambda: call(x), params_state(module))


@SETTINGS
@given(data=st.data())
def test_activation_functions(data):
    cls, value = data.draw(hostile())
    which = data.draw(st.sampled_from(["activate name", "activate v", "activate_float name",
                                       "activate_float x", "check_activation",
                                       "init_scale nin", "init_scale activation",
                                       "init_scale init"]))
    name = value if which.endswith("name") else "tanh"
    calls = {
        "activate name": (lambda: activate(name, Value(0.5)), ("activate",)),
        "activate v": (lambda: activate("tanh", value), ("activate",)),
        "activate_float name": (lambda: activate_float(name, 0.5), ("activate_float",)),
        "activate_float x": (lambda: activate_float("tanh", value), ("activate_float",)),
        "check_activation": (lambda: check_activation(value), ("activation",)),
        "init_scale nin": (lambda: init_scale(value, "relu"), ("init_scale",)),
        "init_scale activation": (lambda: init_scale(2, value), ("init_scale",)),
        "init_scale init": (lambda: init_scale(2, "relu", value), ("init_scale",)),
    }
    call, who = calls[which]
    attempt(cls, who, call)


# -- losses --------------------------------------------------------------------------------

LOSSES = [
    (mse, {"pred": [Value(0.5), Value(-1.0)], "target": [1.0, 0.0], "reduction": "mean"}),
    (softmax, {"logits": [Value(0.5), Value(2.0), Value(-1.0)]}),
    (logsumexp, {"logits": [Value(0.5), Value(2.0), Value(-1.0)]}),
    (cross_entropy, {"logits": [Value(0.5), Value(2.0), Value(-1.0)], "target_index": 1,
                     "reduction": "mean"}),
    (binary_cross_entropy, {"logit": [Value(0.5), Value(-2.0)], "target": [1, 0],
                            "reduction": "sum"}),
    (hinge, {"score": [Value(0.5), Value(-2.0)], "target": [1, -1], "margin": 1.0,
             "reduction": "mean"}),
    (l2_penalty, {"module_or_values": [Value(0.5), Value(-2.0)], "lam": 0.1}),
]


@pytest.mark.parametrize("loss, valid", LOSSES, ids=[f.__name__ for f, _ in LOSSES])
@SETTINGS
@given(data=st.data())
def test_losses(loss, valid, data):
    key = data.draw(st.sampled_from(sorted(valid)))
    cls, value = data.draw(hostile([wrong_length(2)]))
    index = None
    if isinstance(valid[key], list) and cls != WRONG_LENGTH and data.draw(st.booleans()):
        index = data.draw(st.integers(0, 1))
    args = replaced(valid, key, value, index)
    values = [v for v in valid.values() if isinstance(v, list)]
    state = lambda: [(v.data, v.grad) for lst in values for v in lst if isinstance(v, Value)]  # noqa: E731
    attempt(cls, (loss.__name__, key), lambda: loss(**args), state)


def test_cross_entropy_batches_with_hostile_rows():
    rows = [[0.5, 1.0], [NAN, 0.0]]
    for bad_rows, targets in [(rows, [0, 1]), ([[0.5, 1.0]], [0, 1]), (None, [0]),
                              ([[0.5, 1.0], "ab"], [0, 1]), ([[0.5, 1.0]], [True])]:
        assert attempt("batch", ("cross_entropy",),
                       lambda r=bad_rows, t=targets: cross_entropy(r, t)) == "refused"


# -- optimizers ----------------------------------------------------------------------------

OPTIMIZERS = [
    (SGD, {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    (Adam, {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0.01}),
]


def optimizer_state(opt):
    def state():
        extra = [list(getattr(opt, name)) for name in ("buffers", "m", "rms", "t")
                 if hasattr(opt, name)]
        return [(p.data, p.grad) for p in opt.params], extra, opt.steps
    return state


@pytest.mark.parametrize("make, valid", OPTIMIZERS, ids=["SGD", "Adam"])
@SETTINGS
@given(data=st.data())
def test_optimizer_construction(make, valid, data):
    ws = [Value(1.0, label="w0"), Value(-2.0, label="w1")]
    key = data.draw(st.sampled_from(sorted(valid) + ["params", "params item"]))
    cls, value = data.draw(hostile())
    if key == "params":
        call = lambda: make(value, **valid)  # noqa: E731
    elif key == "params item":
        call = lambda: make([ws[0], value], **valid)  # noqa: E731
    else:
        call = lambda: make(ws, **replaced(valid, key, value))  # noqa: E731
    attempt(cls, (make.__name__, key), call)


@pytest.mark.parametrize("make, valid", OPTIMIZERS, ids=["SGD", "Adam"])
@SETTINGS
@given(data=st.data())
def test_optimizer_steps(make, valid, data):
    ws = [Value(1.0, label="w0"), Value(-2.0, label="w1"), Value(0.5, label="w2")]
    opt = make(ws, **valid)
    for g in (0.3, -0.2, 0.1):  # some state to keep
        for w in ws:
            w.grad = g
        opt.step()
    what = data.draw(st.sampled_from(["grad", "data", "hyperparameter"]))
    cls, value = data.draw(hostile())
    k = data.draw(st.integers(0, 2))
    if what == "grad":
        ws[k].grad = value
    elif what == "data":
        ws[k].data = value
    else:
        setattr(opt, data.draw(st.sampled_from(sorted(valid))), value)
    attempt(cls, (f"{make.__name__}",), opt.step, optimizer_state(opt))


# -- data sets -----------------------------------------------------------------------------

DATA = [
    (moons, {"n": 20, "noise": 0.1, "seed": 0, "labels": "signed"}),
    (circles, {"n": 20, "noise": 0.1, "seed": 0, "factor": 0.5, "labels": "signed"}),
    (xor, {"n": 20, "noise": 0.1, "seed": 0, "labels": "index"}),
    (spiral, {"n": 21, "noise": 0.2, "seed": 0, "classes": 3, "labels": "index",
              "turns": 0.65}),
]


@pytest.mark.parametrize("make, valid", DATA, ids=[f.__name__ for f, _ in DATA])
@SETTINGS
@given(data=st.data())
def test_data_sets(make, valid, data):
    key = data.draw(st.sampled_from(sorted(valid)))
    cls, value = data.draw(hostile())
    attempt(cls, (make.__name__,), lambda: make(**replaced(valid, key, value)))


@pytest.mark.parametrize("convert", [to_signed, to_index])
@SETTINGS
@given(data=st.data())
def test_label_conversions(convert, data):
    cls, value = data.draw(hostile())
    y = value if data.draw(st.booleans()) else [1, value, 0]
    outcome = attempt(cls, (convert.__name__,), lambda: convert(y))
    if outcome == "accepted":
        assert set(convert(y)) <= {-1, 0, 1}


# -- training ------------------------------------------------------------------------------

X6 = [[0.1, 0.2], [0.3, -0.4], [-0.5, 0.6], [0.7, -0.8], [-0.9, 0.1], [0.2, 0.3]]
Y6 = [1, -1, 1, -1, 1, -1]
FIT = {"loss": "hinge", "optimizer": "sgd", "epochs": 2, "batch_size": 2, "lr": 0.05,
       "l2": 0.001, "shuffle": True, "seed": 0, "verbose": False, "progress": None,
       "callback": None}


@SETTINGS
@given(data=st.data())
def test_fit(data):
    model = MLP(2, [3, 1], seed=0)
    key = data.draw(st.sampled_from(sorted(FIT) + ["X", "X row", "X item", "y", "y item"]))
    cls, value = data.draw(hostile([wrong_length(2)] if key == "X row" else []))
    X, y, kwargs = [list(r) for r in X6], list(Y6), dict(FIT)
    if key == "X":
        X = value
    elif key == "X row":
        X[data.draw(st.integers(0, 5))] = value
    elif key == "X item":
        X[data.draw(st.integers(0, 5))][data.draw(st.integers(0, 1))] = value
    elif key == "y":
        y = value
    elif key == "y item":
        y[data.draw(st.integers(0, 5))] = value
    else:
        kwargs[key] = value
    attempt(cls, ("fit", key), lambda: fit(model, X, y, **kwargs), params_state(model))


@SETTINGS
@given(data=st.data())
def test_accuracy_make_optimizer_and_resolve_loss(data):
    model = MLP(2, [3, 1], seed=0)
    cls, value = data.draw(hostile())
    which = data.draw(st.sampled_from(["accuracy X", "accuracy y item", "accuracy loss",
                                       "make_optimizer optimizer", "make_optimizer lr",
                                       "make_optimizer momentum", "make_optimizer params",
                                       "resolve_loss loss"]))
    ps = model.parameters()
    y_bad = list(Y6)
    y_bad[2] = value
    calls = {
        "accuracy X": (lambda: accuracy(model, value, Y6), ("accuracy",)),
        "accuracy y item": (lambda: accuracy(model, X6, y_bad), ("accuracy", "loss")),
        "accuracy loss": (lambda: accuracy(model, X6, Y6, loss=value), ("loss",)),
        "make_optimizer optimizer": (lambda: make_optimizer(value, ps, 0.1), ("optimizer",)),
        "make_optimizer lr": (lambda: make_optimizer("adam", ps, value), ("lr",)),
        "make_optimizer momentum": (lambda: make_optimizer("sgd", ps, 0.1, momentum=value),
                                    ("momentum",)),
        "make_optimizer params": (lambda: make_optimizer("sgd", value, 0.1), ("SGD",)),
        "resolve_loss loss": (lambda: resolve_loss(value, 1, Y6), ("loss",)),
    }
    call, who = calls[which]
    result = attempt(cls, who, call, params_state(model))
    if which == "accuracy y item" and result == "accepted":
        assert value in (1, -1, 0)  # a label; anything else is no class label
