"""Losses built from the engine's nodes, with the documents' conventions.

    >>> from nn import MLP, mse, cross_entropy
    >>> model = MLP(1, [4, 3], seed=0)
    >>> C = mse(model([0.5]), [1.0, 0.0, 0.0]); C.backward()   # ½ Σ (ŷ − y)²
    >>> L = cross_entropy(model([0.5]), 2)                     # log-sum-exp, stable at ±1000

Every loss accepts Values or plain numbers for predictions and returns a Value.
Arguments are checked first: a prediction or target that is not a finite number
(nan, inf, a bool, a str, None), a label outside the loss's set (a hinge target
of 0, a binary target of 2), a mismatch in lengths or an unknown reduction raises
an error naming the loss, the argument and its position.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence, Set
from typing import Any

from autograd import Value, dot
from autograd import sum as vsum

from . import _checks
from .module import Module

__all__ = [
    "REDUCTIONS",
    "binary_cross_entropy",
    "cross_entropy",
    "hinge",
    "l2_penalty",
    "logsumexp",
    "mse",
    "softmax",
]

REDUCTIONS = ("sum", "mean")


def _listed(xs: Any, who: str, what: str) -> list:
    """xs as a list: one Value or number becomes [xs]; no order or no length is refused."""
    if isinstance(xs, (Value, int, float)):  # a bool too: its check then says why not
        return [xs]
    if isinstance(xs, (str, bytes, Mapping, Set)) or not isinstance(xs, Iterable):
        raise _checks.ArgumentTypeError(
            f"{who}: {what} must be a Value, a number or a list of them, got "
            f"{type(xs).__name__} {_checks.show(xs)}"
        )
    return list(xs)


def _values(xs: Any, who: str = "loss", what: str = "prediction") -> list[Value]:
    """xs (a Value, a number, or an iterable of them) as a list of Values, checked."""
    return [x if isinstance(x, Value) else Value(_checks.finite(x, f"{who}: {what} {i}"))
            for i, x in enumerate(_listed(xs, who, f"{what}s"))]


def _numbers(ys: Any, n: int, who: str) -> list[Any]:
    """Targets as finite floats; a target that is a Value stays one (the graph reaches it)."""
    out = [y if isinstance(y, Value) else _checks.finite(y, f"{who}: target {i}")
           for i, y in enumerate(_listed(ys, who, "targets"))]
    if len(out) != n:
        raise ValueError(f"{who}: {n} predictions but {len(out)} targets")
    return out


def _labels(ys: list[Any], allowed: tuple[float, ...], who: str) -> None:
    """Refuse a target (number or Value) outside ``allowed``."""
    for i, y in enumerate(ys):
        if (y.data if isinstance(y, Value) else y) not in allowed:
            raise ValueError(f"{who}: target {i} is {_checks.show(y)}; it must be one of "
                             f"{', '.join(f'{a:g}' for a in allowed)}")


def _reduction(reduction: Any, who: str) -> str:
    return _checks.choice(reduction, REDUCTIONS, f"{who}: reduction")


def _reduce(total: Value, n: int, reduction: str, who: str) -> Value:
    return total if _reduction(reduction, who) == "sum" else total * (1.0 / n)


def mse(pred: Any, target: Any, reduction: str = "sum") -> Value:
    """½ Σ (ŷᵢ − yᵢ)², the documents' cost (``reduction="mean"``: ½ mean (ŷᵢ − yᵢ)²).

        >>> mse([Value(3.0), Value(1.0)], [1.0, 1.0]).data     # ½ (4 + 0)
        2.0

    The gradient with respect to ŷᵢ is (ŷᵢ − yᵢ) (divided by n for "mean"). The
    squares are one ``dot`` node of the differences with themselves.
    """
    _reduction(reduction, "mse")
    preds = _values(pred, "mse")
    if not preds:
        raise ValueError("mse: no predictions")
    ys = _numbers(target, len(preds), "mse")
    diffs = [p - y for p, y in zip(preds, ys)]
    return _reduce(dot(diffs, diffs) * 0.5, len(preds), reduction, "mse")


_UNDERFLOW = -746.0  # exp(d) is exactly 0.0 for d below this: such a term adds nothing


def softmax(logits: Sequence[Any]) -> list[Value]:
    """exp(zᵢ − m) / Σⱼ exp(zⱼ − m) with m = max z (a constant), so nothing overflows.

        >>> import math
        >>> [round(s.data, 4) for s in softmax([0.0, math.log(3.0)])]
        [0.25, 0.75]

    A logit so far below the max that exp(zᵢ − m) is 0.0 in floats gets the
    output ``zᵢ·0`` (0, and a zero gradient, as float arithmetic gives) without
    computing zᵢ − m, which could overflow (softmax([1e308, -1e308]) works).
    """
    zs = _values(logits, "softmax", "logit")
    if not zs:
        raise ValueError("softmax: no logits")
    m = max(z.data for z in zs)
    exps = [(z - m).exp() if z.data - m >= _UNDERFLOW else None for z in zs]
    total = vsum([e for e in exps if e is not None])
    return [z * 0.0 if e is None else e / total for z, e in zip(zs, exps)]


def logsumexp(logits: Sequence[Any]) -> Value:
    """log Σ exp(zᵢ), computed as m + log Σ exp(zᵢ − m) (m = max z as a plain float).

        >>> import math
        >>> round(logsumexp([1000.0, 1000.0]).data, 6) == round(1000 + math.log(2), 6)
        True

    m is a constant to the graph; the result does not depend on it, so the
    gradient (softmax(z)) is exact. Terms with exp(zᵢ − m) = 0.0 in floats are
    left out (as in softmax), so logsumexp([1e308, -1e308]) is 1e308.
    """
    zs = _values(logits, "logsumexp", "logit")
    if not zs:
        raise ValueError("logsumexp: no logits")
    m = max(z.data for z in zs)
    return vsum([(z - m).exp() for z in zs if z.data - m >= _UNDERFLOW]).log() + m


def _index(t: Any, k: int, who: str) -> int:
    if isinstance(t, float) and t.is_integer():
        t = int(t)  # 2.0 is index 2; 2.5, nan and inf are refused below
    t = _checks.integer(t, f"{who}: target index")
    if not 0 <= t < k:
        raise IndexError(f"{who}: target index {_checks.show(t)} out of range for {k} logits")
    return t


def cross_entropy(logits: Any, target_index: Any, reduction: str = "mean") -> Value:
    """−log softmax(z)[t] = logsumexp(z) − z_t, stable at logits of ±1000.

        >>> round(cross_entropy([Value(2.0), Value(0.0)], 0).data, 4)
        0.1269

    The gradient with respect to zᵢ is softmax(z)ᵢ − [i = t]. Given a batch (a
    list of logit lists and a list of target indices) it returns the mean over
    the batch (``reduction="sum"``: the sum).
    """
    _reduction(reduction, "cross_entropy")
    if isinstance(target_index, (list, tuple)):
        rows = _listed(logits, "cross_entropy", "logit rows")
        if len(rows) != len(target_index):
            raise ValueError(
                f"cross_entropy: {len(rows)} logit rows but {len(target_index)} targets"
            )
        if not rows:
            raise ValueError("cross_entropy: empty batch")
        total = vsum([cross_entropy(z, t) for z, t in zip(rows, target_index)])
        return _reduce(total, len(rows), reduction, "cross_entropy")
    zs = _values(logits, "cross_entropy", "logit")
    if not zs:
        raise ValueError("cross_entropy: no logits")
    t = _index(target_index, len(zs), "cross_entropy")
    return logsumexp(zs) - zs[t]


def binary_cross_entropy(logit: Any, target: Any, reduction: str = "mean") -> Value:
    """−[y log σ(z) + (1 − y) log(1 − σ(z))] for a logit z and y in {0, 1}, stably.

        >>> round(binary_cross_entropy(Value(0.0), 1).data, 4)     # log 2
        0.6931

    Written as (1 − y)·z + log(1 + exp(−z)) for z ≥ 0 and log(1 + exp(z)) − y·z
    for z < 0 (the branch picked from z's value): exp never sees a positive
    argument, so nothing overflows, and the gradient with respect to z is exactly
    σ(z) − y everywhere, z = 0 included. Lists give the mean (or "sum"). A target
    may be any number in [0, 1] (a soft label), as in PyTorch.
    """
    who = "binary_cross_entropy"
    _reduction(reduction, who)
    zs = _values(logit, who, "logit")
    if not zs:
        raise ValueError(f"{who}: no logits")
    ys = _numbers(target, len(zs), who)
    for i, y in enumerate(ys):
        if not 0.0 <= (y.data if isinstance(y, Value) else y) <= 1.0:
            raise ValueError(f"{who}: target {i} is {_checks.show(y)}; it must be in [0, 1]")
    terms = [
        z * (1.0 - y) + ((-z).exp() + 1.0).log() if z.data >= 0 else (z.exp() + 1.0).log() - z * y
        for z, y in zip(zs, ys)
    ]
    if len(terms) == 1 and isinstance(logit, (Value, int, float)):
        return terms[0]
    return _reduce(vsum(terms), len(terms), reduction, "binary_cross_entropy")


def hinge(score: Any, target: Any, margin: float = 1.0, reduction: str = "mean") -> Value:
    """max(0, margin − y·s) for a score s and a label y in {−1, +1} (an SVM's loss).

        >>> hinge(Value(0.25), 1).data, hinge(Value(3.0), 1).data
        (0.75, 0.0)

    Lists of scores and labels give the mean over them (micrograd's demo), or the
    sum with ``reduction="sum"``. Labels must be −1 or +1 (a 0 would make the
    loss a constant margin: use ``to_signed`` on 0/1 labels); margin ≥ 0.
    """
    _reduction(reduction, "hinge")
    margin = _checks.finite(margin, "hinge: margin", 0.0)
    ss = _values(score, "hinge", "score")
    if not ss:
        raise ValueError("hinge: no scores")
    ys = _numbers(target, len(ss), "hinge")
    _labels(ys, (-1.0, 1.0), "hinge")
    terms = [(margin - s * y).relu() for s, y in zip(ss, ys)]
    if len(terms) == 1 and isinstance(score, (Value, int, float)):
        return terms[0]
    return _reduce(vsum(terms), len(terms), reduction, "hinge")


def l2_penalty(module_or_values: Module | Iterable[Value], lam: float) -> Value:
    """λ/2 Σ w²: over ``module.weights()`` for a Module (never biases), else over all values.

        >>> l2_penalty([Value(3.0), Value(4.0)], 0.1).data     # 0.05 · 25
        1.25

    One ``dot`` node of the weights with themselves, times λ/2; the gradient
    with respect to each w is λ·w. λ is a finite number ≥ 0 (a negative one
    would reward large weights).
    """
    lam = _checks.finite(lam, "l2_penalty: lam", 0.0)
    if isinstance(module_or_values, Module):
        ws = module_or_values.weights()
    else:
        if isinstance(module_or_values, Value):
            module_or_values = [module_or_values]
        ws = _listed(module_or_values, "l2_penalty", "the weights")
        for i, w in enumerate(ws):
            if not isinstance(w, Value):
                raise _checks.ArgumentTypeError(
                    f"l2_penalty: weight {i} is {type(w).__name__} {_checks.show(w)}, not a "
                    "Value (pass a model or its Values)"
                )
    return dot(ws, ws) * (lam / 2.0)
