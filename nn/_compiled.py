"""A model's per-sample loss compiled with ``autograd.compile``, for ``fit(compile=True)``.

One sample's graph (the network on one input, then the loss) is traced once
and written as straight-line Python; every sample of every step then runs that
code on plain floats: the weights (all the model's parameters, in
``parameters()`` order), the input and the target. The gradient of a batch is
the mean of the samples' gradients, as ``backward()`` of the mean loss gives it
(the same numbers to about 1e-15, as the sums run in another order).

A loss whose graph depends on the data (bce branches on the logit's sign,
cross_entropy's stabiliser is the largest logit) gets one compiled graph per
branch; ``autograd.compile`` checks, on every call, that the sample takes the
branch its graph was traced with.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value, compile, dot

from ._checks import show
from .layers import MLP, Layer, Neuron, _Arithmetic, activate

_add = operator.add

# losses whose target is a number of the data (compile then follows it); any
# other target (a class index) is a constant of the graph, one graph per class
_NUMBER_TARGETS = ("mse", "hinge", "bce")


class _NotAValue(TypeError):
    """The loss of a sample is not a Value (a float, say): eager fit refuses it too."""


class CompiledLoss:
    """(loss of a batch, d loss / d parameter for each parameter, outputs), compiled."""

    def __init__(self, model: Any, loss_fn: Callable[[Any, Any], Value], loss_name: str) -> None:
        if not isinstance(model, (MLP, Layer, Neuron)):
            raise TypeError(
                f"fit: compile=True trains nn's MLP, Layer and Neuron; got "
                f"{type(model).__name__} (train it with compile=False)"
            )
        self.model = model
        self.params = model.parameters()
        self.loss_fn = loss_fn
        self.number_target = loss_name in _NUMBER_TARGETS

        def sample(weights: list[Value], x: Any, target: Any) -> tuple[Value, Any]:
            # loss_fn in this closure: compile checks on every call what it reads (a
            # global or a closure a callback rescales), and traces anew when it changed
            return self._sample(weights, x, target, loss_fn)

        self.run = compile(sample, has_aux=True)

    def _sample(self, weights: list[Value], x: Any, target: Any,
                loss_fn: Callable[[Any, Any], Value]) -> tuple[Value, Any]:
        """One sample's loss, the model computed with ``weights`` in place of its own."""
        for w, p in zip(weights, self.params):
            w.label = p.label  # names as the model's: w1_0_0, b1_0, ...
        swap = dict(zip(self.params, weights))

        def swapped_dot(ws: Sequence[Value], q: Sequence[Any], b: Value) -> Value:
            return dot([swap[w] for w in ws], q, swap[b])

        on = _Arithmetic(swapped_dot, activate)
        model = self.model
        inputs = x if isinstance(x, (list, tuple)) else [x]
        if isinstance(model, MLP):
            q = model._forward([Value(xi, label=f"p0_{k}") for k, xi in enumerate(inputs)], on)
        else:
            q = model._forward(list(inputs), on)
        out = q if isinstance(model, Neuron) else (q[0] if len(q) == 1 else q)
        if self.number_target:  # a Value of the data, so the graph follows it
            target = ([Value(t) for t in target] if isinstance(target, (list, tuple))
                      else Value(target))
        loss = loss_fn(out, target)
        if not isinstance(loss, Value):  # as eager fit refuses it (zero gradients else)
            raise _NotAValue(loss)
        return loss, out

    def __call__(self, X: list, y: list, idx: list[int]) -> tuple[float, list[float], list]:
        """The batch's mean loss, its gradient (one float per parameter) and the outputs."""
        weights = [p.data for p in self.params]
        total, grads, outs = 0.0, [0.0] * len(weights), []
        for i in idx:
            try:
                (loss, out), g = self.run(weights, X[i], y[i])
            except _NotAValue as error:
                one = error.args[0]
                raise TypeError(f"the loss of sample {i} is {type(one).__name__} "
                                f"{show(one)}, not a Value") from None
            total += loss
            grads = list(map(_add, grads, g))
            outs.append(out)
        scale = 1.0 / len(idx)
        return total * scale, [g * scale for g in grads], outs
