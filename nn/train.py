"""A training loop with a progress bar: ``fit``, and ``accuracy`` for evaluation.

    >>> X, y = moons(100, seed=0); model = MLP(2, [8, 8, 1], seed=0)
    >>> history = fit(model, X, y, loss="hinge", optimizer=Adam(model.parameters(), lr=0.05),
    ...               epochs=60, verbose=False)

Each step builds the graph of a batch's mean loss (plus an optional L2 penalty
on the weights), zeroes the grads, runs backward and lets the optimizer step.
The bar (tqdm, on stderr) shows the epoch's loss and accuracy; ``verbose=False``
silences it. The history is a dict of lists, one entry per epoch.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable, Sequence
from typing import Any

from autograd import Value, no_grad
from autograd import sum as vsum

from .losses import binary_cross_entropy, cross_entropy, hinge, l2_penalty, mse
from .module import Module
from .optim import SGD, Adam, Optimizer

__all__ = [
    "LOSSES",
    "accuracy",
    "fit",
    "make_optimizer",
    "resolve_loss",
]

LossFn = Callable[[Any, Any], Value]

LOSSES: dict[str, LossFn] = {
    "mse": lambda out, t: mse(out, t),
    "hinge": lambda out, t: hinge(out, t),
    "cross_entropy": lambda out, t: cross_entropy(out, t),
    "bce": lambda out, t: binary_cross_entropy(out, t),
}
"""Per-sample losses by name, for ``fit(loss=...)``; "auto" picks one from the data."""


def _labels_in(y: Sequence[Any], allowed: set) -> bool:
    return all(not isinstance(t, (list, tuple)) and t in allowed for t in y)


def resolve_loss(loss: str | LossFn, nout: int, y: Sequence[Any]) -> tuple[str, LossFn]:
    """(name, per-sample loss function) for ``fit``'s ``loss`` argument.

        >>> resolve_loss('auto', 1, [-1, 1])[0], resolve_loss('auto', 3, [0, 2])[0]
        ('hinge', 'cross_entropy')

    "auto": cross_entropy for several outputs, hinge for labels in {−1, +1}, bce
    for labels in {0, 1}, mse otherwise.
    """
    if callable(loss):
        return getattr(loss, "__name__", "custom"), loss
    if loss == "auto":
        if nout > 1 and all(isinstance(t, int) for t in y):
            loss = "cross_entropy"
        elif _labels_in(y, {-1, 1}):
            loss = "hinge"
        elif _labels_in(y, {0, 1}):
            loss = "bce"
        else:
            loss = "mse"
    if loss == "binary_cross_entropy":
        loss = "bce"
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; known: auto, {', '.join(LOSSES)}, or a callable")
    return loss, LOSSES[loss]


def _predictor(
    loss_name: str, y: Sequence[Any], nout: int = 1
) -> Callable[[Any, Any], bool] | None:
    """correct(output_data, target) for classification losses, None for regression."""

    def argmax(out: Any, t: Any) -> bool:
        if isinstance(t, (list, tuple)):
            t = max(range(len(t)), key=t.__getitem__)
        return max(range(len(out)), key=out.__getitem__) == t

    def sign(out: float, t: Any) -> bool:
        return (1 if out > 0 else -1) == t

    def positive(out: float, t: Any) -> bool:
        return (1 if out > 0 else 0) == t

    def half(out: float, t: Any) -> bool:
        return (1 if out > 0.5 else 0) == t

    if not y:
        return None
    if isinstance(y[0], (list, tuple)) or loss_name == "cross_entropy":
        return argmax
    if nout > 1:
        return argmax if all(isinstance(t, int) for t in y) else None
    if _labels_in(y, {-1, 1}):
        return sign
    if _labels_in(y, {0, 1}):
        return positive if loss_name in ("bce", "hinge") else half
    return None


def _data(out: Any) -> Any:
    return [o.data for o in out] if isinstance(out, list) else out.data


def _forward_data(model: Any, x: Any) -> Any:
    fast = getattr(model, "forward_floats", None)
    if fast is not None:
        return fast(x)
    with no_grad():
        return _data(model(x))


def accuracy(model: Any, X: Sequence[Any], y: Sequence[Any], loss: str = "auto") -> float:
    """The fraction of samples classified right (sign, threshold or argmax, as ``fit``).

        >>> accuracy(model, X, y)
        0.98
    """
    if len(X) != len(y):
        raise ValueError(f"accuracy: {len(X)} inputs but {len(y)} labels")
    outs = [_forward_data(model, x) for x in X]
    nout = len(outs[0]) if outs and isinstance(outs[0], list) else 1
    name, _ = resolve_loss(loss, nout, y)
    correct = _predictor(name, y, nout)
    if correct is None:
        raise ValueError("accuracy: the targets are not class labels")
    return sum(correct(o, t) for o, t in zip(outs, y)) / len(y)


def make_optimizer(optimizer: str | Optimizer | type | None, params: list[Value], lr: float | None,
                   momentum: float = 0.0, weight_decay: float = 0.0) -> Optimizer:
    """An optimizer from a name ("sgd", "adam"), a class, or None (Adam); an instance as is.

        >>> make_optimizer("sgd", model.parameters(), lr=0.1, momentum=0.9)
    """
    if isinstance(optimizer, Optimizer):
        return optimizer
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer(params, lr=(0.05 if optimizer is SGD else 0.01) if lr is None else lr)
    name = (optimizer or "adam").lower()
    if name == "sgd":
        return SGD(params, lr=0.05 if lr is None else lr, momentum=momentum,
                   weight_decay=weight_decay)
    if name == "adam":
        return Adam(params, lr=0.01 if lr is None else lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {optimizer!r}; known: sgd, adam (or an Optimizer)")


def fit(
    model: Module,
    X: Sequence[Any],
    y: Sequence[Any],
    loss: str | LossFn = "auto",
    optimizer: str | Optimizer | type | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    *,
    lr: float | None = None,
    l2: float = 0.0,
    shuffle: bool = True,
    seed: int | None = 0,
    verbose: bool = True,
    progress: bool | None = None,
    callback: Callable[[int, dict[str, list]], Any] | None = None,
    record_every: int | None = None,
    record_limit: int = 100,
) -> dict[str, list]:
    """Train ``model`` on (X, y); return the history: ``{"loss", "accuracy", "lr"}`` lists.

        >>> history = fit(model, X, y, loss="hinge", epochs=50, verbose=False)
        >>> history["accuracy"][-1]

    loss         a name ("auto", "mse", "hinge", "cross_entropy", "bce") or a
                 callable ``loss(output, target) -> Value`` for one sample
    optimizer    an Optimizer, or "sgd"/"adam" with ``lr`` (default Adam, lr 0.01)
    batch_size   samples per step; None means the whole set (full-batch)
    l2           adds ``l2_penalty(model, l2)`` (weights only) to every step's loss
    verbose      False (or ``progress=False``) silences the progress bar
    callback     called as ``callback(epoch, history)`` after each epoch
    record_every record the run every k optimizer steps (and its last step) for a
                 replay: ``history["replay"]`` is then an ``nn.Replay`` page (loss,
                 boundary, weights and grads per recorded step); needs an ``MLP``
    record_limit keep at most this many snapshots (thinned evenly; fewer when large)

    The recorded loss of an epoch is the sample-weighted mean of its batch losses
    (L2 term included); the accuracy is over the outputs computed during the epoch
    (None for regression targets).
    """
    from tqdm import tqdm

    X, y = list(X), list(y)
    if len(X) != len(y):
        raise ValueError(f"fit: {len(X)} inputs but {len(y)} targets")
    if not X:
        raise ValueError("fit: no data")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be a nonnegative int, got {epochs!r}")
    n = len(X)
    bs = n if batch_size is None else int(batch_size)
    if bs < 1:
        raise ValueError(f"fit: batch_size must be at least 1, got {batch_size!r}")
    first = _forward_data(model, X[0])
    nout = len(first) if isinstance(first, list) else 1
    loss_name, loss_fn = resolve_loss(loss, nout, y)
    correct = _predictor(loss_name, y, nout)
    params = model.parameters()
    opt = make_optimizer(optimizer, params, lr)
    show = verbose if progress is None else progress
    rng = random.Random(seed)
    order = list(range(n))
    history: dict[str, list] = {"loss": [], "accuracy": [], "lr": []}
    recorder = None
    if record_every is not None:  # checked here, before any training
        from .replay import Recorder, threshold_for

        recorder = Recorder(model, X, y, every=record_every, limit=record_limit,
                            batch=min(bs, n), l2=l2, loss=loss_name,
                            threshold=threshold_for(correct, nout))
    step = 0

    bar = tqdm(range(epochs), desc=f"train {loss_name}", unit="epoch", disable=not show,
               file=sys.stderr, dynamic_ncols=True, leave=True)
    for epoch in bar:
        if shuffle:
            rng.shuffle(order)
        total, right = 0.0, 0
        for start in range(0, n, bs):
            idx = order[start:start + bs]
            tracing = recorder is not None and recorder.due(
                step, last=epoch == epochs - 1 and start + bs >= n)
            outs = recorder.forward(idx) if tracing else [model(X[i]) for i in idx]
            data_loss = vsum([loss_fn(o, y[i]) for o, i in zip(outs, idx)]) * (1.0 / len(idx))
            cost = data_loss + l2_penalty(model, l2) if l2 else data_loss
            opt.zero_grad()
            cost.backward()
            if tracing:
                batch_right = None if correct is None else sum(
                    correct(_data(o), y[i]) for o, i in zip(outs, idx)) / len(idx)
                recorder.capture(step, epoch, cost.data, batch_right)
            history_lr = opt.lr
            opt.step()
            step += 1
            total += cost.data * len(idx)
            if correct is not None:
                right += sum(correct(_data(o), y[i]) for o, i in zip(outs, idx))
        epoch_loss = total / n
        acc = right / n if correct is not None else None
        history["loss"].append(epoch_loss)
        history["accuracy"].append(acc)
        history["lr"].append(history_lr)
        if show:
            post = {"loss": f"{epoch_loss:.4f}"}
            if acc is not None:
                post["acc"] = f"{acc:.3f}"
            bar.set_postfix(post, refresh=False)
        if not math.isfinite(epoch_loss):
            bar.close()
            raise FloatingPointError(f"fit: the loss became {epoch_loss} at epoch {epoch}")
        if callback is not None:
            callback(epoch, history)
    bar.close()
    if recorder is not None:
        history["replay"] = recorder.replay(history)  # type: ignore[assignment]
    return history
