"""Optimizers with PyTorch's update rules, on the ``.data`` and ``.grad`` of Values.

    >>> opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
    >>> opt.zero_grad(); loss.backward(); opt.step()

SGD (per parameter p with gradient g = p.grad + weight_decay·p):
    buf ← momentum·buf + g   (buf = g at the first step)
    p   ← p − lr·buf          (p − lr·g when momentum is 0)

Adam (t counts steps from 1):
    g ← p.grad + weight_decay·p
    m ← β₁·m + (1 − β₁)·g,   v ← β₂·v + (1 − β₂)·g²
    m̂ = m / (1 − β₁ᵗ),       v̂ = v / (1 − β₂ᵗ)
    p ← p − lr·m̂ / (√v̂ + ε)

``lr`` is a plain attribute: change it between steps for a schedule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from autograd import Value

__all__ = [
    "Adam",
    "Optimizer",
    "SGD",
]


def _number(x: float, what: str, low: float = 0.0, high: float | None = None) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{what} must be a finite number, got {type(x).__name__} {x!r}")
    if not math.isfinite(x):
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    if x < low or (high is not None and x >= high):
        bound = f"in [{low}, {high})" if high is not None else f">= {low}"
        raise ValueError(f"{what} must be {bound}, got {x!r}")
    return float(x)


class Optimizer:
    """Base: holds the parameter list; ``zero_grad()`` sets each ``.grad`` to 0.

        >>> class Plain(Optimizer):
        ...     def step(self): [setattr(p, "data", p.data - 0.1 * p.grad) for p in self.params]
    """

    def __init__(self, params: Iterable[Value]) -> None:
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(
                    f"{type(self).__name__}: parameters must be Values, got {type(p).__name__}"
                )
        self.steps = 0

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0.

            >>> opt.zero_grad(); model.parameters()[0].grad
            0.0
        """
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_grads(self) -> None:
        """Raise ValueError, before anything is updated, if some parameter's grad is not finite."""
        for i, p in enumerate(self.params):
            g = p.grad
            if not isinstance(g, (int, float)) or not math.isfinite(g):
                name = f"{p.label!r}" if getattr(p, "label", "") else f"#{i}"
                raise ValueError(
                    f"{type(self).__name__}.step: parameter {name} (index {i}) has a "
                    f"non-finite grad {g!r}; no parameter was updated"
                )


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
        self.lr = _number(lr, "SGD lr")
        self.momentum = _number(momentum, "SGD momentum")
        self.weight_decay = _number(weight_decay, "SGD weight_decay")
        self.buffers: list[float | None] = [None] * len(self.params)

    def step(self) -> None:
        """One update of every parameter from its current ``.grad`` (all checked finite first)."""
        self._check_grads()
        lr, mu, wd = self.lr, self.momentum, self.weight_decay
        bufs = self.buffers
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data if wd else p.grad
            if mu:
                b = bufs[i]
                g = g if b is None else mu * b + g
                bufs[i] = g
            p.data -= lr * g
        self.steps += 1


class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, as ``torch.optim.Adam``.

        >>> opt = Adam(model.parameters(), lr=0.01)
        >>> opt.zero_grad(); loss.backward(); opt.step()
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
        self.lr = _number(lr, "Adam lr")
        b1, b2 = betas
        self.betas = (_number(b1, "Adam beta1", 0.0, 1.0), _number(b2, "Adam beta2", 0.0, 1.0))
        self.eps = _number(eps, "Adam eps")
        if self.eps <= 0.0:
            raise ValueError(f"Adam eps must be > 0 (it keeps the update's denominator "
                             f"nonzero), got {eps!r}")
        self.weight_decay = _number(weight_decay, "Adam weight_decay")
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self) -> None:
        """One update of every parameter from its current ``.grad`` (all checked finite first)."""
        self._check_grads()
        self.steps += 1
        t = self.steps
        b1, b2 = self.betas
        lr, eps, wd = self.lr, self.eps, self.weight_decay
        c1 = 1.0 - b1**t
        c2 = 1.0 - b2**t
        m, v = self.m, self.v
        for i, p in enumerate(self.params):
            g = p.grad + wd * p.data if wd else p.grad
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + eps)
