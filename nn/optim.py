"""Optimizers with PyTorch's update rules, on the ``.data`` and ``.grad`` of Values.

    >>> from autograd import Value
    >>> w = Value(1.0); opt = SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = 0.5; opt.step(); w.data
    0.95

SGD (per parameter p with gradient g = p.grad + weight_decay·p):
    buf ← momentum·buf + g   (buf = g at the first step)
    p   ← p − lr·buf          (p − lr·g when momentum is 0)

Adam (t counts a parameter's steps from 1):
    g ← p.grad + weight_decay·p
    m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²
    m̂ = m / (1 − β₁ᵗ),       v̂ = v / (1 − β₂ᵗ)
    p ← p − lr·m̂ / (√v̂ + ε)

Adam keeps √v (``rms``) rather than v: ``rms ← hypot(√β₂·rms, √(1 − β₂)·g)`` is
the same number, but g² overflows for |g| > 1.3e154 and √v never does for a
finite g. (PyTorch keeps v: there v becomes inf and that weight never moves
again.) ``opt.v`` gives v back, as PyTorch's ``exp_avg_sq``.

A step is all or nothing: every new value (parameters, momentum buffers, moments)
is computed and checked first, and if any would not be finite, or a grad is not
a finite number, or a hyperparameter was set to a bad value, the step raises
naming the parameter and changes NOTHING. A parameter whose ``.grad`` is None is
skipped, as in PyTorch (``zero_grad(set_to_none=True)``). ``lr`` and the other
hyperparameters are plain attributes: change them between steps for a schedule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from autograd import Value

from . import _checks

__all__ = [
    "Adam",
    "Optimizer",
    "SGD",
]

_isfinite = math.isfinite


class Optimizer:
    """Base: holds the parameter list; ``zero_grad()`` sets each ``.grad`` to 0.

        >>> class Plain(Optimizer):
        ...     def step(self): [setattr(p, "data", p.data - 0.1 * p.grad) for p in self.params]
        >>> w = Value(1.0); w.grad = 1.0; Plain([w]).step(); w.data
        0.9
    """

    def __init__(self, params: Iterable[Value]) -> None:
        self.params = _parameter_list(params, type(self).__name__)
        self.steps = 0

    def zero_grad(self, set_to_none: bool = False) -> None:
        """Set every parameter's ``.grad`` to 0.0 (to None with ``set_to_none=True``).

            >>> w = Value(1.0); w.grad = 3.0; SGD([w], lr=0.1).zero_grad(); w.grad
            0.0
        """
        zero = None if _checks.flag(set_to_none, "zero_grad set_to_none") else 0.0
        for p in self.params:
            p.grad = zero

    def step(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _name(self, i: int) -> str:
        label = self.params[i].label
        return f"{label!r} (index {i})" if label else f"#{i} (index {i})"

    def _gradients(self) -> list[tuple[int, float, float]]:
        """(index, data, grad) of every parameter with a grad, all checked; else raise."""
        out = []
        for i, p in enumerate(self.params):
            g, d = p.grad, p.data
            if g is None:
                continue
            if g.__class__ is not float or not _isfinite(g):
                g = self._usable(g, i, "grad")
            if d.__class__ is not float or not _isfinite(d):
                d = self._usable(d, i, "data")
            out.append((i, d, g))
        return out

    def _usable(self, x: Any, i: int, what: str) -> float:
        """x as a finite float, or the error naming the step, the parameter and x."""
        try:
            return _checks.finite(x, what)
        except (TypeError, ValueError, OverflowError) as error:
            raise type(error)(
                f"{type(self).__name__}.step: parameter {self._name(i)} has a {what} that is "
                f"not a finite number ({_checks.show(x)}): {error}; no parameter was updated"
            ) from None

    def _refuse(self, i: int, what: str, value: float) -> None:
        who = type(self).__name__
        raise OverflowError(
            f"{who}.step: the update would make {what} of parameter {self._name(i)} "
            f"{value!r} (grad {self.params[i].grad!r}, data {self.params[i].data!r}, "
            f"lr {self.lr!r}); no parameter was updated"
        )


def _parameter_list(params: Any, who: str) -> list[Value]:
    """params as a list of distinct Values, or an error that says what to pass."""
    if isinstance(params, Value):
        raise TypeError(f"{who}: expected a list of parameters, got one Value "
                        f"(write {who}([w], ...))")
    if hasattr(params, "parameters") and callable(params.parameters):
        raise TypeError(
            f"{who}: expected the parameters, got a {type(params).__name__} "
            f"(write {who}(model.parameters(), ...))"
        )
    if isinstance(params, (str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(
            f"{who}: expected an iterable of Values, got {type(params).__name__} "
            f"{_checks.show(params)}"
        )
    out = list(params)
    if not out:
        raise ValueError(f"{who}: got an empty parameter list")
    seen: dict[int, int] = {}
    for i, p in enumerate(out):
        if not isinstance(p, Value):
            raise TypeError(
                f"{who}: parameters must be Values, got {type(p).__name__} "
                f"{_checks.show(p)} at index {i}"
            )
        if id(p) in seen:  # it would be updated twice per step
            raise ValueError(
                f"{who}: parameter {p.label or '#' + str(i)} appears twice "
                f"(index {seen[id(p)]} and {i})"
            )
        seen[id(p)] = i
    return out


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and (L2) weight decay.

        >>> w = Value(1.0); w.grad = 0.5; SGD([w], lr=0.1).step(); w.data
        0.95
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self._hyperparameters()
        self.buffers: list[float | None] = [None] * len(self.params)

    def _hyperparameters(self) -> tuple[float, float, float]:
        """(lr, momentum, weight_decay) checked: they are plain attributes, set by anyone."""
        return (
            _checks.finite(self.lr, "SGD lr", 0.0),
            _checks.finite(self.momentum, "SGD momentum", 0.0),
            _checks.finite(self.weight_decay, "SGD weight_decay", 0.0),
        )

    def step(self) -> None:
        """One update of every parameter with a grad: all computed and checked, then written."""
        lr, mu, wd = self._hyperparameters()
        bufs = self.buffers
        new = []
        for i, d, g in self._gradients():
            if wd:
                g = g + wd * d
            if mu:
                b = bufs[i]
                g = g if b is None else mu * b + g
            p = d - lr * g
            if not _isfinite(p):
                self._refuse(i, "the data", p)
            if not _isfinite(g):
                self._refuse(i, "the momentum buffer", g)
            new.append((i, p, g))
        params = self.params
        for i, p, g in new:  # nothing can fail from here on
            params[i].data = p
            if mu:
                bufs[i] = g
        self.steps += 1


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, as ``torch.optim.Adam``.

        >>> w = Value(1.0); opt = Adam([w], lr=0.01)
        >>> w.grad = 0.5; opt.step(); round(w.data, 6)          # first step: lr · sign(g)
        0.99
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params)
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self._hyperparameters()
        self.m = [0.0] * len(self.params)
        self.rms = [0.0] * len(self.params)  # √v, see the module docstring
        self.t = [0] * len(self.params)  # each parameter's own step count, as in PyTorch

    @property
    def v(self) -> list[float]:
        """The second moments v = rms² (as PyTorch's exp_avg_sq; inf where v overflows)."""
        return [r * r for r in self.rms]

    def _hyperparameters(self) -> tuple[float, float, float, float, float]:
        """(lr, β₁, β₂, eps, weight_decay) checked: they are plain attributes."""
        betas = self.betas
        if isinstance(betas, (str, bytes)) or not isinstance(betas, (tuple, list)) or len(
            betas
        ) != 2:
            raise TypeError(f"Adam betas must be a pair (beta1, beta2), got {_checks.show(betas)}")
        eps = _checks.finite(self.eps, "Adam eps", 0.0)
        if eps <= 0.0:
            raise ValueError(f"Adam eps must be > 0 (it keeps the update's denominator "
                             f"nonzero), got {self.eps!r}")
        return (
            _checks.finite(self.lr, "Adam lr", 0.0),
            _checks.finite(betas[0], "Adam beta1", 0.0, 1.0, open_high=True),
            _checks.finite(betas[1], "Adam beta2", 0.0, 1.0, open_high=True),
            eps,
            _checks.finite(self.weight_decay, "Adam weight_decay", 0.0),
        )

    def step(self) -> None:
        """One update of every parameter with a grad: all computed and checked, then written."""
        lr, b1, b2, eps, wd = self._hyperparameters()
        s2, s1 = math.sqrt(b2), math.sqrt(1.0 - b2)
        m, rms, t = self.m, self.rms, self.t
        new = []
        for i, d, g in self._gradients():
            if wd:
                g = g + wd * d
            ti = t[i] + 1
            mi = b1 * m[i] + (1.0 - b1) * g
            ri = math.hypot(s2 * rms[i], s1 * g)  # √(β₂·v + (1 − β₂)·g²), never overflowing
            p = d - lr * (mi / (1.0 - b1**ti)) / (ri / math.sqrt(1.0 - b2**ti) + eps)
            if not _isfinite(p):
                self._refuse(i, "the data", p)
            if not (_isfinite(mi) and _isfinite(ri)):  # bounded by max |g|: never, in fact
                self._refuse(i, "the moments", mi if not _isfinite(mi) else ri)
            new.append((i, p, mi, ri, ti))
        params = self.params
        for i, p, mi, ri, ti in new:  # nothing can fail from here on
            params[i].data = p
            m[i], rms[i], t[i] = mi, ri, ti
        self.steps += 1
