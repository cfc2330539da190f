"""A training loop with a progress bar: ``fit``, and ``accuracy`` for evaluation.

    >>> from nn import MLP, Adam, moons
    >>> X, y = moons(100, seed=0); model = MLP(2, [8, 8, 1], seed=0)
    >>> history = fit(model, X, y, loss="hinge", optimizer=Adam(model.parameters(), lr=0.05),
    ...               epochs=60, verbose=False)
    >>> accuracy(model, X, y) > 0.9
    True

Each step builds the graph of a batch's mean loss (plus an optional L2 penalty
on the weights), zeroes the grads, runs backward and lets the optimizer step.
The bar (tqdm, on stderr) shows the epoch's loss and accuracy; ``verbose=False``
silences it. The history is a dict of lists, one entry per epoch.

``fit`` checks every argument, every input row and every target (against the
loss: hinge labels ±1, bce targets in [0, 1], class indices below the output
count) before the first step. A step that fails (an overflow in the engine, an
optimizer refusing a non-finite update) raises naming the epoch and step; the
model keeps the weights of the last step that completed, and the error's
``.history`` holds the epochs that did.
"""

from __future__ import annotations

import math
import numbers
import random
import signal
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Set
from contextlib import contextmanager
from typing import Any

from autograd import CompileError, Value, no_grad
from autograd import sum as vsum

from . import _checks
from ._compiled import CompiledLoss
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

_OWN = {"mse": mse, "hinge": hinge, "cross_entropy": cross_entropy, "bce": binary_cross_entropy}


def _is_number(t: Any) -> bool:
    return isinstance(t, numbers.Real) and not isinstance(t, bool)


def _labels_in(y: Sequence[Any], allowed: set) -> bool:
    return all(_is_number(t) and t in allowed for t in y)


def resolve_loss(loss: str | LossFn, nout: int, y: Sequence[Any]) -> tuple[str, LossFn]:
    """(name, per-sample loss function) for ``fit``'s ``loss`` argument.

        >>> resolve_loss('auto', 1, [-1, 1])[0], resolve_loss('auto', 3, [0, 2])[0]
        ('hinge', 'cross_entropy')

    "auto": cross_entropy for several outputs, hinge for labels in {−1, +1}, bce
    for labels in {0, 1}, mse otherwise.
    """
    if callable(loss):
        for name, fn in _OWN.items():
            if loss is fn:  # nn's own loss function: its targets are checked as by name
                return name, LOSSES[name]
        return getattr(loss, "__name__", "custom"), loss
    if not isinstance(loss, str):
        raise _checks.ArgumentTypeError(
            f"loss must be a name or a callable, got {type(loss).__name__} {_checks.show(loss)}"
        )
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

        >>> from nn import MLP, xor
        >>> X, y = xor(20, seed=0); 0.0 <= accuracy(MLP(2, [4, 1], seed=0), X, y) <= 1.0
        True
    """
    X, y = _data_lists(X, y, "accuracy")
    outs = [_forward_data(model, x) for x in X]
    nout = len(outs[0]) if outs and isinstance(outs[0], list) else 1
    name, _ = resolve_loss(loss, nout, y)
    correct = _predictor(name, y, nout)
    if correct is None:
        raise ValueError("accuracy: the targets are not class labels")
    return sum(correct(o, t) for o, t in zip(outs, y)) / len(y)


def _data_lists(X: Any, y: Any, who: str) -> tuple[list, list]:
    """X and y as lists of equal, nonzero length."""
    for name, data in (("X", X), ("y", y)):
        if isinstance(data, (str, bytes, Mapping, Set)) or not isinstance(data, Iterable):
            raise _checks.ArgumentTypeError(
                f"{who}: {name} must be a list, got {type(data).__name__} {_checks.show(data)}"
            )
    X, y = list(X), list(y)
    if len(X) != len(y):
        raise ValueError(f"{who}: {len(X)} inputs but {len(y)} targets")
    if not X:
        raise ValueError(f"{who}: no data")
    return X, y


def make_optimizer(optimizer: str | Optimizer | type | None, params: list[Value], lr: float | None,
                   momentum: float = 0.0, weight_decay: float = 0.0) -> Optimizer:
    """An optimizer from a name ("sgd", "adam"), a class, or None (Adam); an instance as is.

        >>> from nn import MLP
        >>> make_optimizer("sgd", MLP(2, [3, 1], seed=0).parameters(), lr=0.1, momentum=0.9).lr
        0.1

    Given an instance, ``lr`` must be None (set ``opt.lr`` instead): it would be ignored.
    """
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            raise ValueError(f"make_optimizer: lr={_checks.show(lr)} is given but the optimizer "
                             "is already built (set its .lr instead)")
        return optimizer
    if isinstance(optimizer, type) and issubclass(optimizer, Optimizer):
        return optimizer(params, lr=(0.05 if optimizer is SGD else 0.01) if lr is None else lr)
    if optimizer is not None and not isinstance(optimizer, str):
        raise _checks.ArgumentTypeError(
            f"optimizer must be 'sgd', 'adam', an Optimizer or None, got "
            f"{type(optimizer).__name__} {_checks.show(optimizer)}"
        )
    name = (optimizer or "adam").lower()
    if name == "sgd":
        return SGD(params, lr=0.05 if lr is None else lr, momentum=momentum,
                   weight_decay=weight_decay)
    if name == "adam":
        return Adam(params, lr=0.01 if lr is None else lr, weight_decay=weight_decay)
    raise ValueError(f"unknown optimizer {optimizer!r}; known: sgd, adam (or an Optimizer)")


def _check_callables(model: Any, callback: Any) -> None:
    if callback is not None and not callable(callback):
        raise _checks.ArgumentTypeError(
            f"fit: callback must be callable, got {_checks.show(callback)}"
        )
    if not callable(model) or not callable(getattr(model, "parameters", None)):
        raise _checks.ArgumentTypeError(f"fit: model must be a Module, got {type(model).__name__}")


def _check_rows(X: list, nin: int | None) -> None:
    """Every input row: a number or a list of finite numbers, all of one length (nin)."""
    width = nin
    for i, row in enumerate(X):
        items = [row] if _is_number(row) or isinstance(row, Value) else row
        if isinstance(items, (str, bytes, Mapping, Set)) or not isinstance(items, Iterable):
            raise _checks.ArgumentTypeError(
                f"fit: X[{i}] must be a list of numbers, got {type(row).__name__} "
                f"{_checks.show(row)}"
            )
        items = list(items)
        for k, v in enumerate(items):
            if not isinstance(v, Value):
                _checks.finite(v, f"fit: X[{i}][{k}]")
        if width is None:
            width = len(items)
        if len(items) != width:
            raise ValueError(f"fit: X[{i}] has {len(items)} numbers, expected {width}")


def _check_targets(loss_name: str, y: list, nout: int) -> None:
    """The targets fit the loss (checked before any step, so none fails mid-training)."""
    for i, t in enumerate(y):
        what = f"fit: y[{i}]"
        if loss_name == "cross_entropy":
            if isinstance(t, float) and t.is_integer():
                t = int(t)
            _checks.integer(t, what + " (a class index)", 0, nout - 1)
        elif loss_name == "hinge":
            if _checks.finite(t, what) not in (-1.0, 1.0):
                raise ValueError(f"{what} is {_checks.show(t)}; hinge labels must be -1 or +1 "
                                 "(to_signed turns 0/1 labels into them)")
        elif loss_name == "bce":
            _checks.finite(t, what + " (a bce target)", 0.0, 1.0)
        elif loss_name == "mse":
            items = t if isinstance(t, (list, tuple)) else [t]
            if len(items) != nout:
                raise ValueError(f"{what} has {len(items)} numbers for {nout} outputs")
            for k, v in enumerate(items):
                _checks.finite(v, f"{what}[{k}]" if isinstance(t, (list, tuple)) else what)


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
    compile: bool = False,  # noqa: A002 - autograd.compile's name
) -> dict[str, list]:
    """Train ``model`` on (X, y); return the history: ``{"loss", "accuracy", "lr"}`` lists.

        >>> from nn import MLP, moons
        >>> X, y = moons(40, seed=0); model = MLP(2, [8, 1], seed=0)
        >>> history = fit(model, X, y, loss="hinge", epochs=5, verbose=False)
        >>> len(history["loss"]), 0.0 <= history["accuracy"][-1] <= 1.0
        (5, True)

    loss         a name ("auto", "mse", "hinge", "cross_entropy", "bce") or a
                 callable ``loss(output, target) -> Value`` for one sample
    optimizer    an Optimizer, or "sgd"/"adam" with ``lr`` (default Adam, lr 0.01)
    batch_size   samples per step (an int ≥ 1); None means the whole set (full-batch)
    l2           adds ``l2_penalty(model, l2)`` (weights only) to every step's loss
    verbose      False (or ``progress=False``) silences the progress bar
    callback     called as ``callback(epoch, history)`` after each epoch
    record_every keep a snapshot every k optimizer steps (and of the last) for the
                 training page: ``history["page"]`` is then an ``nn.TrainingPage`` (loss,
                 boundary, weights and grads per kept step); needs an ``MLP``
    record_limit keep at most this many snapshots (thinned evenly; fewer when large)
    compile      True: each sample runs as code written by ``autograd.compile`` (nn/_compiled)

    An epoch's loss is the sample-weighted mean of its batch losses (L2 included); its
    accuracy is over the outputs computed during it (None for regression targets).
    """
    X, y = _data_lists(X, y, "fit")
    epochs, bs, l2, shuffle, show, rng = _loop_settings(
        len(X), epochs, batch_size, l2, shuffle, verbose, progress, seed)
    loss_name, loss_fn, nout = _check_problem(model, X, y, loss, callback)
    opt = make_optimizer(optimizer, model.parameters(), lr)
    correct = _predictor(loss_name, y, nout)
    step = _Step(model, X, y, loss_fn, opt, l2, correct)
    if _checks.flag(compile, "fit: compile"):
        step.compiled = CompiledLoss(model, loss_fn, loss_name)
    if record_every is not None:  # checked here, before any training
        step.recorder = _recorder(step, record_every, record_limit, bs, loss_name, nout,
                                  epochs * -(-len(X) // bs))
    history = _epochs(step, epochs, bs, shuffle, rng, show, loss_name, callback)
    if step.recorder is not None:
        history["page"] = step.recorder.page(history)  # type: ignore[assignment]
    return history


def _loop_settings(n: int, epochs: Any, batch_size: Any, l2: Any, shuffle: Any, verbose: Any,
                   progress: Any, seed: Any) -> tuple[int, int, float, bool, bool, random.Random]:
    """fit's loop settings, checked: epochs, batch size, l2, shuffle, show the bar, the rng."""
    epochs = _checks.integer(epochs, "fit: epochs", 0, 10**9)
    bs = n if batch_size is None else _checks.integer(batch_size, "fit: batch_size", 1)
    l2 = _checks.finite(l2, "fit: l2", 0.0)
    shuffle = _checks.flag(shuffle, "fit: shuffle")
    show = _checks.flag(verbose if progress is None else progress,
                        "fit: verbose" if progress is None else "fit: progress")
    rng = random.Random(_checks.seed(seed, "fit: seed"))
    return epochs, bs, l2, shuffle, show, rng


def _check_problem(model: Any, X: list, y: list, loss: str | LossFn,
                   callback: Any) -> tuple[str, LossFn, int]:
    """The model, the rows and the targets checked against each other and the loss:
    (the loss's name, the loss for one sample, the model's output count)."""
    _check_callables(model, callback)
    _check_rows(X, getattr(model, "nin", None))
    try:  # one forward pass tells the outputs' number, before any step
        first = _forward_data(model, X[0])
    except (ArithmeticError, ValueError) as error:
        raise type(error)(f"fit: X[0]: {error}") from None
    nout = len(first) if isinstance(first, list) else 1
    loss_name, loss_fn = resolve_loss(loss, nout, y)
    if loss_name in LOSSES:
        _check_targets(loss_name, y, nout)
    return loss_name, loss_fn, nout


def _recorder(step: _Step, every: Any, limit: Any, bs: int, loss_name: str, nout: int,
              steps: int) -> Any:
    """The nn.Snapshots that keeps snapshots for the training page (it checks every and limit)."""
    from .training_page import Snapshots, threshold_for

    return Snapshots(step.model, step.X, step.y, every=every, limit=limit,
                    batch=min(bs, len(step.X)), l2=step.l2, loss=loss_name,
                    threshold=threshold_for(step.correct, nout),
                    classify=step.correct is not None, steps=steps)


class _Step:
    """One optimizer step on a batch: what fit repeats, with all its parts."""

    def __init__(self, model: Any, X: list, y: list, loss_fn: LossFn, opt: Optimizer,
                 l2: float, correct: Callable[[Any, Any], bool] | None) -> None:
        self.model, self.X, self.y, self.loss_fn = model, X, y, loss_fn
        self.opt, self.l2, self.correct = opt, l2, correct
        self.recorder: Any = None  # an nn.Snapshots when the run keeps a training page
        self.compiled: CompiledLoss | None = None  # fit(compile=True)
        self.count = 0  # optimizer steps taken

    def __call__(self, idx: list[int], epoch: int = 0, last: bool = False) -> tuple[float, int]:
        """(batch loss × batch size, samples classified right); the update applied."""
        model, X, y = self.model, self.X, self.y
        tracing = self.recorder is not None and self.recorder.due(self.count, last=last)
        if self.compiled is not None and not tracing:
            return self._compiled(idx)
        outs = self.recorder.forward(idx) if tracing else [model(X[i]) for i in idx]
        losses = [self.loss_fn(o, y[i]) for o, i in zip(outs, idx)]
        for i, one in zip(idx, losses):
            if not isinstance(one, Value):
                raise TypeError(f"the loss of sample {i} is {type(one).__name__} "
                                f"{_checks.show(one)}, not a Value")
        data_loss = vsum(losses) * (1.0 / len(idx))
        cost = data_loss + l2_penalty(model, self.l2) if self.l2 else data_loss
        if not math.isfinite(cost.data):
            raise FloatingPointError(f"the loss is {cost.data!r}")
        self.opt.zero_grad()
        cost.backward()
        right = 0
        if self.correct is not None:
            right = sum(self.correct(_data(o), y[i]) for o, i in zip(outs, idx))
        if tracing:  # the weights and grads of this step, before the update
            share = None if self.correct is None else right / len(idx)
            self.recorder.capture(self.count, epoch, cost.data, share)
        self.opt.step()
        self.count += 1
        return cost.data * len(idx), right

    def _compiled(self, idx: list[int]) -> tuple[float, int]:
        """The same step, each sample's loss and gradient run as compiled code."""
        try:
            data_loss, grads, outs = self.compiled(self.X, self.y, idx)
        except CompileError as error:  # its graph keeps changing: go on as eager does
            warnings.warn(f"fit: compile=True stops ({error}); training goes on uncompiled",
                          RuntimeWarning, stacklevel=4)
            self.compiled = None
            return self(idx)
        penalty = l2_penalty(self.model, self.l2) if self.l2 else None
        cost = data_loss + penalty.data if penalty is not None else data_loss
        if not math.isfinite(cost):
            raise FloatingPointError(f"the loss is {cost!r}")
        self.opt.zero_grad()
        for p, g in zip(self.compiled.params, grads):
            p.grad = g
        if penalty is not None:
            penalty.backward()
        right = 0
        if self.correct is not None:
            right = sum(self.correct(o, self.y[i]) for o, i in zip(outs, idx))
        self.opt.step()
        self.count += 1
        return cost * len(idx), right


def _epochs(step: _Step, epochs: int, bs: int, shuffle: bool, rng: random.Random, show: bool,
            loss_name: str, callback: Callable | None) -> dict[str, list]:
    """fit's loop: epochs of steps over shuffled batches, with the bar and the history."""
    from tqdm import tqdm

    n = len(step.X)
    order = list(range(n))
    history: dict[str, list] = {"loss": [], "accuracy": [], "lr": []}
    with _signals_held():  # a Ctrl-C inside tqdm's constructor leaves a bar with no .pos
        bar = tqdm(range(epochs), desc=f"train {loss_name}", unit="epoch", disable=not show,
                   file=sys.stderr, dynamic_ncols=True, leave=True)
    try:
        for epoch in bar:
            if shuffle:
                rng.shuffle(order)
            total, right, lr = 0.0, 0, step.opt.lr
            for k, start in enumerate(range(0, n, bs)):
                try:
                    last = epoch == epochs - 1 and start + bs >= n
                    batch_loss, batch_right = step(order[start:start + bs], epoch, last)
                except (ArithmeticError, ValueError, TypeError) as error:
                    stopped = _where(error, epoch, k)
                    stopped.history = history  # type: ignore[attr-defined]  # nothing lost
                    raise stopped from error
                total += batch_loss
                right += batch_right
            _record(history, total / n, right / n if step.correct is not None else None, lr)
            if show:
                _show(bar, history)
            if callback is not None:
                callback(epoch, history)
    finally:
        with _signals_held():
            bar.close()
    return history


_HELD = {getattr(signal, name) for name in ("SIGINT", "SIGTERM") if hasattr(signal, name)}


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for a moment; one that came meanwhile is delivered after.

    tqdm's constructor and ``close`` update its shared list of bars under a lock: a
    Ctrl-C in the middle left a bar without ``.pos``, whose ``__del__`` then failed
    with AttributeError. Only where the system can (``pthread_sigmask``, POSIX).
    """
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:  # pragma: no cover - Windows
        yield
        return
    old = mask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)


def _where(error: BaseException, epoch: int, k: int) -> BaseException:
    """error, its message saying where training stopped (same type when it can be built)."""
    message = (f"fit: epoch {epoch}, step {k}: {error}; the model keeps the weights of the "
               "last step that completed")
    try:
        return type(error)(message)
    except Exception:
        return error


def _record(history: dict[str, list], loss: float, acc: float | None, lr: float) -> None:
    history["loss"].append(loss)
    history["accuracy"].append(acc)
    history["lr"].append(lr)


def _show(bar: Any, history: dict[str, list]) -> None:
    post = {"loss": f"{history['loss'][-1]:.4f}"}
    if history["accuracy"][-1] is not None:
        post["acc"] = f"{history['accuracy'][-1]:.3f}"
    bar.set_postfix(post, refresh=False)
