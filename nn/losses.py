"""Losses built from the engine's nodes, with the documents' conventions.

    >>> from nn import mse, cross_entropy
    >>> C = mse(model([0.5]), 1.0); C.backward()        # ½ (ŷ − y)²
    >>> L = cross_entropy(model(x), 2)                  # log-sum-exp, stable at ±1000

Every loss accepts Values or plain numbers for predictions and returns a Value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from autograd import Value, dot
from autograd import sum as vsum

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


def _values(xs: Any) -> list[Value]:
    """xs (a Value, a number, or an iterable of them) as a list of Values."""
    if isinstance(xs, (Value, int, float)) and not isinstance(xs, bool):
        xs = [xs]
    return [x if isinstance(x, Value) else Value(x) for x in xs]


def _numbers(ys: Any, n: int, who: str) -> list[Any]:
    """Targets as floats; a target that is a Value stays one (the graph then reaches it)."""
    if isinstance(ys, (Value, int, float)) and not isinstance(ys, bool):
        ys = [ys]
    out = [y if isinstance(y, Value) else float(y) for y in ys]
    if len(out) != n:
        raise ValueError(f"{who}: {n} predictions but {len(out)} targets")
    return out


def _reduce(total: Value, n: int, reduction: str, who: str) -> Value:
    if reduction == "sum":
        return total
    if reduction == "mean":
        return total * (1.0 / n)
    raise ValueError(f"{who}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def mse(pred: Any, target: Any, reduction: str = "sum") -> Value:
    """½ Σ (ŷᵢ − yᵢ)², the documents' cost (``reduction="mean"``: ½ mean (ŷᵢ − yᵢ)²).

        >>> mse([Value(3.0), Value(1.0)], [1.0, 1.0]).data     # ½ (4 + 0)
        2.0

    The gradient with respect to ŷᵢ is (ŷᵢ − yᵢ) (divided by n for "mean"). The
    squares are one ``dot`` node of the differences with themselves.
    """
    preds = _values(pred)
    if not preds:
        raise ValueError("mse: no predictions")
    ys = _numbers(target, len(preds), "mse")
    diffs = [p - y for p, y in zip(preds, ys)]
    return _reduce(dot(diffs, diffs) * 0.5, len(preds), reduction, "mse")


def softmax(logits: Sequence[Any]) -> list[Value]:
    """exp(zᵢ − m) / Σⱼ exp(zⱼ − m) with m = max z (a constant), so nothing overflows.

        >>> [round(s.data, 4) for s in softmax([0.0, math.log(3.0)])]
        [0.25, 0.75]
    """
    zs = _values(logits)
    if not zs:
        raise ValueError("softmax: no logits")
    m = max(z.data for z in zs)
    exps = [(z - m).exp() for z in zs]
    total = vsum(exps)
    return [e / total for e in exps]


def logsumexp(logits: Sequence[Any]) -> Value:
    """log Σ exp(zᵢ), computed as m + log Σ exp(zᵢ − m) (m = max z as a plain float).

        >>> round(logsumexp([1000.0, 1000.0]).data, 6) == round(1000 + math.log(2), 6)
        True

    m is a constant to the graph; the result does not depend on it, so the
    gradient (softmax(z)) is exact.
    """
    zs = _values(logits)
    if not zs:
        raise ValueError("logsumexp: no logits")
    m = max(z.data for z in zs)
    return vsum([(z - m).exp() for z in zs]).log() + m


def _index(t: Any, k: int, who: str) -> int:
    if isinstance(t, bool) or not isinstance(t, int):
        if isinstance(t, float) and t.is_integer():
            t = int(t)
        else:
            raise TypeError(f"{who}: target index must be an int, got {type(t).__name__} {t!r}")
    if not 0 <= t < k:
        raise IndexError(f"{who}: target index {t} out of range for {k} logits")
    return t


def cross_entropy(logits: Any, target_index: Any, reduction: str = "mean") -> Value:
    """−log softmax(z)[t] = logsumexp(z) − z_t, stable at logits of ±1000.

        >>> round(cross_entropy([Value(2.0), Value(0.0)], 0).data, 4)
        0.1269

    The gradient with respect to zᵢ is softmax(z)ᵢ − [i = t]. Given a batch (a
    list of logit lists and a list of target indices) it returns the mean over
    the batch (``reduction="sum"``: the sum).
    """
    if isinstance(target_index, (list, tuple)):
        rows = list(logits)
        if len(rows) != len(target_index):
            raise ValueError(
                f"cross_entropy: {len(rows)} logit rows but {len(target_index)} targets"
            )
        if not rows:
            raise ValueError("cross_entropy: empty batch")
        total = vsum([cross_entropy(z, t) for z, t in zip(rows, target_index)])
        return _reduce(total, len(rows), reduction, "cross_entropy")
    zs = _values(logits)
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
    σ(z) − y everywhere, z = 0 included. Lists give the mean (or "sum").
    """
    zs = _values(logit)
    ys = _numbers(target, len(zs), "binary_cross_entropy")
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
    sum with ``reduction="sum"``.
    """
    ss = _values(score)
    ys = _numbers(target, len(ss), "hinge")
    terms = [(margin - s * y).relu() for s, y in zip(ss, ys)]
    if len(terms) == 1 and isinstance(score, (Value, int, float)):
        return terms[0]
    if not terms:
        raise ValueError("hinge: no scores")
    return _reduce(vsum(terms), len(terms), reduction, "hinge")


def l2_penalty(module_or_values: Module | Iterable[Value], lam: float) -> Value:
    """λ/2 Σ w²: over ``module.weights()`` for a Module (never biases), else over all values.

        >>> l2_penalty([Value(3.0), Value(4.0)], 0.1).data     # 0.05 · 25
        1.25

    One ``dot`` node of the weights with themselves, times λ/2; the gradient
    with respect to each w is λ·w.
    """
    if isinstance(lam, bool) or not isinstance(lam, (int, float)):
        raise TypeError(f"l2_penalty: lam must be a number, got {type(lam).__name__} {lam!r}")
    if not math.isfinite(lam):
        raise ValueError(f"l2_penalty: lam must be a finite number, got {lam!r}")
    if isinstance(module_or_values, Module):
        ws = module_or_values.weights()
    else:
        ws = list(module_or_values)
    return dot(ws, ws) * (lam / 2.0)
