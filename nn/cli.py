"""The ``chaingrad`` command: train a network on a toy data set, or watch one gradient.

    $ chaingrad demo                       # document 003's chain x0 -> x1 -> x2 -> x3, backward
    $ chaingrad train --dataset moons --hidden 16 16 --activation relu \\
          --epochs 100 --lr 0.05 --seed 0 --out runs/moons
    $ chaingrad tour --network mlp --out out/tour

``train`` writes OUT/model.json (load it with ``nn.MLP.load``), OUT/loss.png
(loss and accuracy per epoch), OUT/boundary.png (the decision boundary over
the data) and OUT/training.html (the training page: the run step by step; open it
in a browser), each atomically: a file is the old one or the new one, never half.
The two PNGs need matplotlib (the ``plot`` extra); without it ``train`` says so
in one line before training and writes model.json and training.html only.

Before any work, ``train`` checks every number (finite; in range; see the
``MAX_*`` constants and ``--help``), what one step and the boundary plot would
cost (a scalar engine: a step's graph takes about 50 bytes per sample and
parameter), and ``--out`` (created if needed, then a file is really written in
it). Ctrl-C during training saves the model as it was after the last completed
epoch into OUT/model.json (atomically), says so in one line and exits with 130;
interrupted before the first epoch ends, it writes nothing. A SIGTERM (``kill``,
``timeout``, a container stopping) is handled the same way and exits with 143.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from autograd import Value, forward_order

from . import tour
from ._files import prepare_folder, printable, remove_empty, replacing
from .data import DATASETS, digits
from .layers import ACTIVATIONS, MLP, check_activation
from .module import MAX_PARAMETERS, Module
from .plot import plot_boundary, plot_history, plotting_problem
from .train import LOSSES, accuracy, fit, make_optimizer

PROG = "chaingrad"

DIVERGED_LOSS = 1e6
"""A final loss above this (or grown more than DIVERGED_GROWTH times) gets a warning."""
DIVERGED_GROWTH = 100.0

BINARY_SETS = ("moons", "circles", "xor")
OUTPUTS = ("model.json", "loss.png", "boundary.png", "training.html")
DIGITS_OUTPUTS = ("model.json", "loss.png", "training.html")  # 64 pixels: no boundary
DIGITS_TRAIN = 1438  # images in the digits training split

TRAIN_DEFAULTS = {
    # option: (its default for the toy sets in 2-D, for digits)
    "n": (100, DIGITS_TRAIN),
    "hidden": ([16, 16], [32]),
    "epochs": (100, 10),
    "batch_size": (None, 32),
}
"""The train options whose default depends on the data set (the parser leaves them None)."""
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM

MAX_SAMPLES = 100_000
MAX_EPOCHS = 1_000_000
MAX_CLASSES = 100
MAX_NOISE = 10.0  # the data sets have unit scale: more noise than this hides any pattern
MAX_GRID = 500  # the boundary plot is 500 pixels wide: more points than pixels show nothing
MAX_STEP_WORK = 10_000_000
"""Samples per step x parameters: one step's graph (about 0.5 GB and 30 s at the limit)."""
MAX_PLOT_WORK = 100_000_000
"""grid^2 x parameters: the boundary plot's evaluations (about 15 s at the limit)."""
MAX_TOTAL_WORK = 10_000_000_000
"""epochs x samples x parameters: the whole run (about 3 µs each: some 8 hours at the limit)."""


# -- argument types --------------------------------------------------------------


def _int_in(low: int, high: int | None = None) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            what = "a positive integer" if low == 1 else f"an integer >= {low}"
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"at most {high:,} allowed, got {value:,}")
        return value

    convert.__name__ = "int"
    return convert


def _float_in(low: float = -math.inf, high: float = math.inf, *, strict: bool = False,
              below: bool = False) -> Callable[[str], float]:
    """A finite float in [low, high]; ``strict`` excludes low, ``below`` excludes high."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
        if value < low or (strict and value == low):
            what = f"> {low:g}" if strict else f">= {low:g}"
            raise argparse.ArgumentTypeError(f"expected a number {what}, got {value:g}")
        if value > high or (below and value == high):
            what = f"< {high:g}" if below else f"<= {high:g}"
            raise argparse.ArgumentTypeError(f"expected a number {what}, got {value:g}")
        return value

    convert.__name__ = "float"
    return convert


def _activation(text: str) -> str:
    """An activation name (leaky_relu and elu also with a number: 'leaky_relu(0.2)')."""
    try:
        return check_activation(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


_activation.__name__ = "activation"
positive_int = _int_in(1)
positive_float = _float_in(0.0, strict=True)
nonnegative_float = _float_in(0.0)
finite_float = _float_in()


# -- train: arguments and the checks made before any work ----------------------------


TRAIN_DESCRIPTION = (
    "Train an MLP on a toy data set made in code, with a progress bar, and write "
    "OUT/model.json, OUT/training.html (the training page: the run step by step), "
    "OUT/loss.png (loss and accuracy per epoch) and OUT/boundary.png (the decision "
    "boundary over the data). The PNGs need matplotlib, the plot extra "
    "(python -m pip install 'chaingrad[plot]'): without it, train says so before "
    "training and writes the other files. Ctrl-C saves the "
    "model of the last completed epoch and exits with 130 (a SIGTERM: the same, 143). "
    "Refused before any work: "
    f"more than {MAX_PARAMETERS:,} parameters, more than {MAX_STEP_WORK:,} samples x "
    f"parameters per step, more than {MAX_PLOT_WORK:,} grid points x parameters, "
    f"more than {MAX_TOTAL_WORK:,} epochs x samples x parameters in all."
)


def _add_train(sub: Any) -> None:
    p = sub.add_parser(
        "train",
        help="train an MLP on a toy data set; write model.json, training.html and PNG plots",
        description=TRAIN_DESCRIPTION,
        epilog=(
            "example: chaingrad train --dataset moons --hidden 16 16 --activation relu "
            "--epochs 100 --lr 0.05 --seed 0 --out runs/moons"
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--dataset", choices=[*sorted(DATASETS), "digits"], default="moons",
                   help="data set (digits: scikit-learn's handwritten digits, 8x8 pixels)")
    p.add_argument("--n", type=_int_in(1, MAX_SAMPLES), default=None,
                   help=f"number of samples, at most {MAX_SAMPLES:,}; when not given, 100 "
                        "(digits: all 1438 training images)")
    p.add_argument("--noise", type=_float_in(0.0, MAX_NOISE), default=None,
                   help=f"data noise, at most {MAX_NOISE:g}; when not given, the data set's own")
    p.add_argument("--classes", type=_int_in(2, MAX_CLASSES), default=3,
                   help=f"spiral only: number of arms (at most {MAX_CLASSES})")
    p.add_argument("--hidden", type=positive_int, nargs="*", default=None, metavar="H",
                   help="hidden layer sizes; when not given, 16 16 (digits: 32)")
    p.add_argument("--activation", nargs="+", default=["relu"], metavar="NAME",
                   help=(f"hidden activation ({', '.join(ACTIVATIONS)}; with a number: "
                         "'leaky_relu(0.2)' is the slope, 'elu(0.5)' alpha); or one per "
                         "hidden layer; or one per layer, the output layer included"))
    p.add_argument("--input-activation", default=None, type=_activation, metavar="NAME",
                   help="sigma_0, applied to the inputs (any --activation name)")
    p.add_argument("--loss", default="auto", choices=["auto", *LOSSES],
                   help="auto: hinge for the binary sets (labels -1/+1), cross_entropy for spiral")
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "adam"], help="optimizer")
    p.add_argument("--lr", type=positive_float, default=0.05, help="learning rate")
    p.add_argument("--momentum", type=_float_in(0.0, 1.0, below=True), default=0.9,
                   help="SGD momentum, in [0, 1)")
    p.add_argument("--l2", type=nonnegative_float, default=1e-4,
                   help="L2 penalty lambda on the weights")
    p.add_argument("--epochs", type=_int_in(1, MAX_EPOCHS), default=None,
                   help=f"passes over the data, at most {MAX_EPOCHS:,}; when not given, 100 "
                        "(digits: 10)")
    p.add_argument("--batch-size", type=_int_in(1, MAX_SAMPLES), default=None,
                   help="samples per step; when not given, all of them (full batch; digits: 32)")
    p.add_argument("--seed", type=int, default=0, help="seed for data, weights and shuffling")
    p.add_argument("--grid", type=_int_in(2, MAX_GRID), default=80,
                   help=f"boundary plot resolution (points a side, at most {MAX_GRID})")
    p.add_argument("--record-every", type=_int_in(1, MAX_EPOCHS * MAX_SAMPLES), default=None,
                   metavar="K",
                   help="keep a snapshot every K steps for training.html (default: about 50)")
    p.add_argument("--out", default="chaingrad-run", help="output folder (created if needed)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run_train)


def _loss_problem(dataset: str, loss: str) -> str | None:
    """Why ``loss`` cannot train on ``dataset`` (None when it can)."""
    if dataset == "digits" and loss not in ("auto", "cross_entropy"):
        return (f"--loss {loss} needs one output per sample, but digits has 10 classes (one "
                "output each); use --loss cross_entropy or auto")
    if dataset in BINARY_SETS and loss == "cross_entropy":
        return (f"--loss cross_entropy needs several outputs and class indices, but {dataset} "
                f"is a binary set (one output, labels -1/+1); use --loss hinge, bce, mse "
                f"or auto")
    if dataset == "spiral" and loss in ("mse", "hinge", "bce"):
        return (f"--loss {loss} needs one output per sample, but spiral gives class indices "
                f"(one output per class); use --loss cross_entropy or auto")
    return None


def _nout(args: argparse.Namespace) -> int:
    if args.dataset == "digits":
        return 10
    return args.classes if args.dataset == "spiral" else 1


def _nin(args: argparse.Namespace) -> int:
    return 64 if args.dataset == "digits" else 2


def _outputs(args: argparse.Namespace) -> tuple[str, ...]:
    """The files this run will write, decided before any work (no PNGs without matplotlib)."""
    names = DIGITS_OUTPUTS if args.dataset == "digits" else OUTPUTS
    return tuple(n for n in names if args.plots or not n.endswith(".png"))


def _decide_plots(args: argparse.Namespace) -> None:
    """Set ``args.plots``: whether the PNGs can be drawn here; if not, say so in one line."""
    problem = plotting_problem()
    args.plots = problem is None
    if problem is not None:
        pngs = [n for n in (DIGITS_OUTPUTS if args.dataset == "digits" else OUTPUTS)
                if n.endswith(".png")]
        old = [n for n in pngs if os.path.exists(os.path.join(args.out, n))]
        left = f" ({' and '.join(old)} in --out {'are' if len(old) > 1 else 'is'} from an " \
            "earlier run, left as it was)" if old else ""
        _say(f"{PROG} train: no {' or '.join(pngs)}: {problem}; writing "
             f"{' and '.join(_outputs(args))} only{left}")


def _fill_defaults(args: argparse.Namespace) -> None:
    """Give every option of TRAIN_DEFAULTS that was not on the command line its default."""
    which = 1 if args.dataset == "digits" else 0
    for name, values in TRAIN_DEFAULTS.items():
        if getattr(args, name, None) is None:
            setattr(args, name, values[which])


def _size_problem(args: argparse.Namespace) -> str | None:
    """Why the run is too big to start (None when it is not), from the numbers alone."""
    if args.dataset == "spiral" and args.classes > args.n:
        return f"--classes {args.classes} needs at least as many samples: --n is {args.n}"
    if args.dataset == "digits" and args.noise is not None:
        return "--noise applies to the data sets made in code, not to digits"
    if args.dataset == "digits" and args.n > DIGITS_TRAIN:
        return f"--n {args.n}: digits has {DIGITS_TRAIN} training images"
    count = Module.parameter_count({"nin": _nin(args), "nouts": [*args.hidden, _nout(args)]})
    if count > MAX_PARAMETERS:
        return (f"--hidden {' '.join(map(str, args.hidden))} makes {count:,} parameters; "
                f"at most {MAX_PARAMETERS:,} (nn.MAX_PARAMETERS, what a model file may hold)")
    batch = min(args.batch_size or args.n, args.n)
    if batch * count > MAX_STEP_WORK:
        return (f"one step would build a graph of {batch:,} samples x {count:,} parameters "
                f"(about {batch * count * 50 / 1e9:.1f} GB); at most {MAX_STEP_WORK:,}: "
                f"use a smaller --batch-size, --n or --hidden")
    total = args.epochs * args.n * count
    if total > MAX_TOTAL_WORK:
        return (f"{args.epochs:,} epochs x {args.n:,} samples x {count:,} parameters is "
                f"{total:,.3g} sample-parameter steps; at most {MAX_TOTAL_WORK:,.0e} "
                f"(MAX_TOTAL_WORK, some 8 hours): use fewer --epochs, --n or a smaller --hidden")
    if args.dataset != "digits" and args.grid**2 * count > MAX_PLOT_WORK:
        return (f"the boundary plot would evaluate the model {args.grid**2:,} times with "
                f"{count:,} parameters; at most {MAX_PLOT_WORK:,} parameter-evaluations: "
                f"use a smaller --grid")
    return None


def _divergence_warning(losses: list[float]) -> str | None:
    """A warning when the recorded losses look like a diverging run, else None."""
    if not losses:
        return None
    first, final = losses[0], losses[-1]
    if final > DIVERGED_LOSS:
        why = f"the final loss {final:.4g} is above {DIVERGED_LOSS:g}"
    elif first > 0 and final > DIVERGED_GROWTH * first:
        why = f"the loss grew from {first:.4g} to {final:.4g}"
    else:
        return None
    return f"{PROG} train: warning: {why}; training seems to diverge; try a smaller --lr"


def _say(text: str) -> None:
    # a line of its own, even when a progress bar was cut off mid-line by a Ctrl-C
    start = "" if getattr(sys.stderr, "at_line_start", True) else "\n"
    try:
        sys.stderr.write(start + text + "\n")  # one write: a Ctrl-C cannot split the line
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # stderr closed: the run goes on without it
        pass


class _Stderr:
    """sys.stderr during a run: it knows whether its last line is finished (a progress bar
    cut off by a Ctrl-C is not), and a stderr closed meanwhile (a reader that left) stops
    nothing: what cannot be written is dropped."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.at_line_start = True

    def write(self, text: str) -> int:
        if text:
            self.at_line_start = text.endswith("\n")
        try:
            return self.stream.write(text)
        except (OSError, ValueError):
            return len(text)

    def flush(self) -> None:
        try:
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


@contextmanager
def _watched_stderr() -> Iterator[None]:
    previous = sys.stderr
    sys.stderr = _Stderr(previous)
    try:
        yield
    finally:
        sys.stderr = previous


def _load_progress_bar() -> None:
    """Import tqdm and make its locks now, before training, rather than in its first second.

    A Ctrl-C that lands inside an import can be lost (Python ignores an exception raised in
    the import lock's cleanup), and tqdm's first bar starts multiprocessing's helper process.
    """
    from tqdm import tqdm

    tqdm.get_lock()


def _forget_caught_interrupt() -> None:
    """Keep exit status 130 for a Ctrl-C we handled.

    CPython (3.11) records a KeyboardInterrupt raised inside ``exec`` of a string (which
    namedtuple and dataclass creation do during imports) and at exit kills the process with
    SIGINT, even though the interrupt was caught. Any later ``exec`` of a string that
    succeeds clears that record.
    """
    exec("None")


# -- train: the run -----------------------------------------------------------------


class _Snapshot:
    """The parameters as they were after the last completed epoch, kept for Ctrl-C.

    An interrupt can land halfway through an optimizer step; the model saved then is
    this snapshot, never a half-updated one. Copying is one float per parameter per
    epoch, small next to the epoch itself (a forward and a backward pass per sample).
    """

    def __init__(self, model: MLP) -> None:
        self.params = model.parameters()
        self.state: tuple[int, list[float] | None] = (0, None)  # (epochs done, their values)

    @property
    def epochs(self) -> int:
        return self.state[0]

    @property
    def values(self) -> list[float] | None:
        return self.state[1]

    def record(self, epoch: int, history: dict[str, list]) -> None:
        # one assignment: an interrupt leaves the count and the values of the same epoch
        self.state = (epoch + 1, [p.data for p in self.params])

    def restore(self) -> None:
        for p, v in zip(self.params, self.values or ()):
            p.data = v


def _make_data(args: argparse.Namespace) -> tuple[list, list]:
    if args.dataset == "digits":
        return digits("train", n=args.n, seed=args.seed)
    kw: dict[str, Any] = {"n": args.n, "seed": args.seed}
    if args.noise is not None:
        kw["noise"] = args.noise
    if args.loss == "bce":  # binary cross-entropy wants labels 0/1, not -1/+1
        kw["labels"] = "index"
    if args.dataset == "spiral":
        kw["classes"] = args.classes
    return DATASETS[args.dataset](**kw)


def _make_model(args: argparse.Namespace) -> tuple[MLP, Any]:
    acts: Any = args.activation
    if len(acts) == 1:
        acts = acts[0]
    elif len(acts) == len(args.hidden):  # hidden layers only: the output stays linear
        acts = [*acts, "identity"]
    model = MLP(_nin(args), [*args.hidden, _nout(args)], activation=acts, seed=args.seed,
                input_activation=args.input_activation)
    return model, make_optimizer(args.optimizer, model.parameters(), args.lr,
                                 momentum=args.momentum)


def run_train(args: argparse.Namespace) -> int:
    """``chaingrad train``: check everything, train, then write the three files.

        >>> main(['train', '--dataset', 'xor', '--epochs', '20', '--out', 'runs/xor'])
        ... # doctest: +ELLIPSIS
        final loss ...
        wrote runs/xor/model.json
        wrote runs/xor/loss.png
        wrote runs/xor/boundary.png
        wrote runs/xor/training.html
        0
    """
    _fill_defaults(args)
    problem = _loss_problem(args.dataset, args.loss) or _size_problem(args)
    if problem is not None:
        _say(f"{PROG} train: {problem}")
        return 2
    _decide_plots(args)  # before any work: which files this run writes
    created: list[str] = []  # the folders made for this run, removed if it writes nothing
    written: list[str] = []  # every file written so far: what a line said at any moment names
    with _Signals() as signals, _watched_stderr():
        try:
            _load_progress_bar()
            try:
                created += prepare_folder(args.out, files=_outputs(args))
            except (OSError, ValueError) as error:
                _say(f"{PROG} train: --out: {error}")
                return 2
            code = _train(args, created, signals, written)
        except KeyboardInterrupt:  # a moment no phase handles itself: say what is on disk
            code = _interrupted(created, written)
    return EXIT_TERMINATED if signals.terminated else code


def _interrupted(created: list[str], written: list[str]) -> int:
    if written:
        _say(f"{PROG} train: interrupted; wrote {', '.join(map(printable, written))}; the "
             "other files are as they were")
    else:
        remove_empty(created)
        _say(f"{PROG} train: interrupted before training; nothing written")
    return EXIT_INTERRUPTED


class _Signals:
    """SIGINT and SIGTERM during ``train``: the first interrupts, those right after it wait.

    By default each Ctrl-C raises KeyboardInterrupt wherever the program is, also inside
    the code that handles the one before (a second Ctrl-C pressed at once ended the run
    with a traceback and no word of what was saved). Here the first signal raises
    KeyboardInterrupt and disarms the handler: later ones are noted, until ``armed()``
    opens a block they may interrupt (a save a second Ctrl-C aborts), raising at once
    for one that came meanwhile. A SIGTERM (``kill``, ``timeout``, a container
    stopping) is a Ctrl-C too; ``terminated`` then makes the exit status 143. The
    handlers are installed only in the main thread and only over Python's defaults (a
    handler of one's own stays in place).
    """

    def __init__(self) -> None:
        self.came: list[int] = []
        self._armed = True
        self._acted_on = 0  # how many of self.came have raised already
        self._previous: dict[int, Any] = {}

    @property
    def terminated(self) -> bool:
        return signal.SIGTERM in self.came

    def _handle(self, signum: int, frame: Any) -> None:
        self.came.append(signum)
        if self._armed:
            self._armed = False
            self._acted_on = len(self.came)
            raise KeyboardInterrupt

    @contextmanager
    def armed(self) -> Iterator[None]:
        """A block a further signal interrupts; one that came since the last is raised now."""
        if len(self.came) > self._acted_on:
            self._acted_on = len(self.came)
            raise KeyboardInterrupt
        was, self._armed = self._armed, True
        try:
            yield
        finally:
            self._armed = was and self._armed

    def __enter__(self) -> _Signals:
        if threading.current_thread() is threading.main_thread():
            for sig, default in ((signal.SIGINT, signal.default_int_handler),
                                 (signal.SIGTERM, signal.SIG_DFL)):
                if signal.getsignal(sig) == default:
                    self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        self._armed = False  # from here on a signal is only noted (a SIGTERM: exit 143)
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)


def _train(args: argparse.Namespace, created: list[str], signals: _Signals,
           written: list[str]) -> int:
    try:
        X, y = _make_data(args)
        model, opt = _make_model(args)
    except (TypeError, ValueError, ImportError) as error:  # ImportError: digits without sklearn
        remove_empty(created)
        _say(f"{PROG} train: {error}")
        return 2
    held = f"{len(X)} training images, 359 held out" if args.dataset == "digits" \
        else f"{len(X)} samples"
    snapshot = _Snapshot(model)
    digit_set = args.dataset == "digits"
    if digit_set:
        args.loss = "cross_entropy"
    record = args.record_every or _record_every(args, len(X))
    start = time.perf_counter()
    try:
        _say(f"{PROG} train: {args.dataset} ({held}), model {model!r}, "
             f"{model.num_parameters()} parameters")
        history = fit(model, X, y, loss=args.loss, optimizer=opt, epochs=args.epochs,
                      batch_size=args.batch_size, l2=args.l2, seed=args.seed,
                      verbose=not args.quiet, callback=snapshot.record, record_every=record)
        args.seconds = time.perf_counter() - start
        bad = [name for name, p in model.named_parameters() if not math.isfinite(p.data)]
        if bad:
            raise OverflowError(f"parameter {bad[0]!r} is not finite")
        acc = accuracy(model, X, y, loss=args.loss)
    except KeyboardInterrupt:
        return _save_interrupted(model, snapshot, args, created, signals, written)
    except (OverflowError, ValueError, ZeroDivisionError, FloatingPointError) as error:
        remove_empty(created)
        _say(f"{PROG} train: training diverged at epoch "
             f"{min(snapshot.epochs + 1, args.epochs)}: {error}; try a smaller --lr")
        return 1
    return _write_outputs(args, model, history, acc, X, y, written)


def _save_interrupted(model: MLP, snapshot: _Snapshot, args: argparse.Namespace,
                      created: list[str], signals: _Signals, written: list[str]) -> int:
    """Ctrl-C during training: save the last completed epoch's model, say so in one line."""
    done = snapshot.epochs
    where = (f"interrupted during epoch {done + 1} of {args.epochs}" if done < args.epochs
             else f"interrupted after the last epoch ({done})")
    path = os.path.join(args.out, "model.json")
    if snapshot.values is None:
        remove_empty(created)
        _say(f"{PROG} train: {where}; nothing saved (no epoch completed)")
        return EXIT_INTERRUPTED
    snapshot.restore()
    try:
        with signals.armed():  # a second Ctrl-C (or one that came since the first) aborts it
            model.save(path)
        written.append(path)
    except KeyboardInterrupt:
        _say(f"{PROG} train: {where}, and again while saving: nothing written, {path} "
             "is as it was")
        return EXIT_INTERRUPTED
    except (OSError, ValueError) as error:
        _say(f"{PROG} train: {where}; the model could not be saved: {error}")
        return EXIT_INTERRUPTED
    _say(f"{PROG} train: {where}; saved the model after epoch {snapshot.epochs} to {path} "
         "(no plots)")
    return EXIT_INTERRUPTED


def _write_outputs(args: argparse.Namespace, model: MLP, history: dict[str, list], acc: float,
                   X: list, y: list, written: list[str]) -> int:
    """Write model.json, loss.png, boundary.png and training.html, each atomically, in order.

    ``written`` gets each file once it is whole: a Ctrl-C while the results are printed
    is then told what is on disk (``run_train``)."""
    paths = {name: os.path.join(args.out, name) for name in OUTPUTS}
    try:
        model.save(paths["model.json"])
        written.append(paths["model.json"])
        if args.plots:
            with replacing(paths["loss.png"], "plot") as tmp:
                plot_history(history, tmp, title=f"{args.dataset}: {model!r}")
            written.append(paths["loss.png"])
        if args.dataset == "digits":  # 64 pixels: no boundary to draw; the page draws them
            _training_page(history, args, model, paths, written, image=(8, 8))
            return _report(args, history, acc, written, _digits_test(model, args))
        if args.plots:
            with replacing(paths["boundary.png"], "plot") as tmp:
                plot_boundary(model, X, y, tmp, grid=args.grid,
                              title=f"{args.dataset}: decision boundary")
            written.append(paths["boundary.png"])
        _training_page(history, args, model, paths, written)
    except (KeyboardInterrupt, OSError) as error:
        done = f"wrote {', '.join(map(printable, written))}" if written else "nothing written"
        why = "interrupted while writing" if isinstance(error, KeyboardInterrupt) else str(error)
        _say(f"{PROG} train: {why}; {done}; the other files are as they were")
        return EXIT_INTERRUPTED if isinstance(error, KeyboardInterrupt) else 1
    return _report(args, history, acc, written)


def _training_page(history: dict[str, list], args: argparse.Namespace, model: MLP,
                   paths: dict[str, str], written: list[str],
                   image: tuple[int, int] | None = None) -> None:
    """Write training.html, the run stepped through (no matplotlib needed)."""
    page = history["page"].titled(f"{args.dataset}: {model!r}", image=image)  # type: ignore[attr-defined]
    page.save(paths["training.html"])
    written.append(paths["training.html"])


def _digits_test(model: MLP, args: argparse.Namespace) -> str:
    """The accuracy on digits' held-out test images, said in words."""
    X_test, y_test = digits("test", seed=args.seed)
    test_acc = accuracy(model, X_test, y_test, loss="cross_entropy")
    return (f", test accuracy {test_acc:.3f} ({round(test_acc * len(y_test))} of {len(y_test)} "
            f"held-out digits), trained in {args.seconds:.1f} s")


def _report(args: argparse.Namespace, history: dict[str, list], acc: float,
            written: list[str], extra: str = "") -> int:
    final = history["loss"][-1] if history["loss"] else float("nan")
    print(f"final loss {final:.4f}, accuracy {acc:.3f}{extra}")
    for path in written:
        print(f"wrote {printable(path)}")
    warning = _divergence_warning(history["loss"])
    if warning is not None:
        _say(warning)
    return 0


def _record_every(args: argparse.Namespace, n: int) -> int:
    """Steps between recordings for about 50 of them over the run."""
    per_epoch = math.ceil(n / (args.batch_size or n))
    return max(1, math.ceil(args.epochs * per_epoch / 50))


# -- demo -------------------------------------------------------------------------


def _add_demo(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="document 003's chain x0 -> x1 -> x2 -> x3: forward, backward, every local derivative",
        description=(
            "Build document 003's linear chain x1 = w01 x0, x2 = w12 x1, x3 = w23 x2 and "
            "its cost C = (x3 - y)^2 / 2, run backward, and print every node's data, grad "
            "and local derivatives, then check dC/dw = delta * x against the document."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    chain = tour.LINEAR_CHAIN  # the tour's, notebook 01's and the tests' numbers too
    p.add_argument("--x0", type=finite_float, default=chain.x0, help="the input")
    p.add_argument("--y", type=finite_float, default=chain.y, help="the target")
    p.add_argument("--w", type=finite_float, nargs=3, default=list(chain.w),
                   metavar=("W01", "W12", "W23"), help="the three weights")
    p.set_defaults(func=run_demo)


def _chain(x0: float, y: float, w: Sequence[float]) -> tuple[Value, list[Value]]:
    """Document 003's chain as engine nodes: the cost C and [x0, x1, x2, x3, w01, w12, w23]."""
    n = tour.linear_chain_nodes(x0, y, tuple(w))
    return n["C"], [n[k] for k in ("x0", "x1", "x2", "x3", "w01", "w12", "w23")]


def run_demo(args: argparse.Namespace) -> int:
    """``chaingrad demo``: the chain, its backward pass and the document's identities.

        >>> main(['demo', '--x0', '2', '--y', '1'])  # doctest: +ELLIPSIS
        document 003, section I: ...
        0
    """
    try:
        C, (x0, x1, x2, x3, w01, w12, w23) = _chain(args.x0, args.y, args.w)
        C.backward()
    except (OverflowError, ValueError, ZeroDivisionError) as error:
        _say(f"{PROG} demo: these numbers do not fit in a float: {error}; try smaller "
             f"--x0, --y and --w")
        return 2
    print(f"document 003, section I: x1 = w01*x0, x2 = w12*x1, x3 = w23*x2, "
          f"C = (x3 - y)^2 / 2 with y = {args.y:g}")
    print(f"engine nodes: e = x3 - {args.y:g}, e2 = e**2, C = e2/2 (each one node)\n")
    _print_nodes(C)
    d0 = x3.data - args.y
    d1 = w23.data * d0
    d2 = w12.data * d1
    print("\nbackward chains: delta0 = x3 - y, delta1 = w23*delta0, delta2 = w12*delta1")
    print(f"delta0 = {d0:.6g}, delta1 = {d1:.6g}, delta2 = {d2:.6g}")
    ok = True
    for name, w, d, x in [("w23", w23, d0, x2), ("w12", w12, d1, x1), ("w01", w01, d2, x0)]:
        hand = d * x.data
        same = abs(hand - w.grad) <= 1e-12 * max(1.0, abs(hand))
        ok &= same
        print(f"dC/d{name} = delta*{x.label} = {d:.6g} * {x.data:.6g} = {hand:.6g};  "
              f"backward gave {w.grad:.6g}  {'ok' if same else 'MISMATCH'}")
    return 0 if ok else 1


def _print_nodes(C: Value) -> None:
    print(f"{'node':<10} {'op':<4} {'data':>12} {'grad dC/dnode':>14}   local derivatives")
    for node in forward_order(C):
        locals_ = ", ".join(
            f"d{node.label}/d{par.label or '?'} = {loc:.6g}"
            for par, loc in zip(node.parents, node.local_grads)
        )
        folded = [a for a in node.args if not isinstance(a, Value)]
        if folded:
            locals_ += f"  (constant {', '.join(f'{a:g}' for a in folded)} folded in)"
        print(f"{node.label:<10} {node.op or 'leaf':<4} {node.data:>12.6g} {node.grad:>14.6g}   "
              f"{locals_ or '(leaf)'}")


# -- tour -------------------------------------------------------------------------------


def _add_tour(sub: Any) -> None:
    p = sub.add_parser(
        "tour",
        help="a guided tour of a network's forward and backward chains",
        description=(tour.__doc__ or "").strip().splitlines()[0],
    )
    tour.add_arguments(p)
    p.set_defaults(func=tour.run)


# -- main -----------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that takes -1e-3 (and -inf, refused later with its reason) as a
    value: before Python 3.13, argparse's test for a negative number knows no exponent,
    so ``--w 0.8 -1e-3 0.6`` failed with "expected 3 arguments"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(
            r"^-(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^-(inf|infinity|nan)$", re.IGNORECASE)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``chaingrad`` command.

        >>> build_parser().parse_args(['train', '--hidden', '8', '8']).hidden
        [8, 8]
    """
    parser = _Parser(
        prog=PROG,
        description=(
            "chaingrad: scalar reverse-mode autodiff that shows every gradient as the "
            "product of its chains. Subcommands: demo (one chain, backward, by hand), "
            "train (an MLP on a toy data set, with plots), tour (the guided tour)."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="{demo,train,tour}")
    _add_demo(sub)
    _add_train(sub)
    _add_tour(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chaingrad`` console script; returns the exit status.

        >>> main(['demo']) == 0  # doctest: +ELLIPSIS
        document 003...
        True
    """
    _keep_standard_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        code = int(args.func(args) or 0)
    except KeyboardInterrupt:  # a subcommand without its own handling (demo, tour)
        _say(f"{PROG} {args.command}: interrupted")
        code = EXIT_INTERRUPTED
    except BrokenPipeError:  # `chaingrad demo | head`: the reader left; stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the exit flush cannot fail again
        return 1
    if code in (EXIT_INTERRUPTED, EXIT_TERMINATED):
        _forget_caught_interrupt()
    return code


def _keep_standard_streams() -> None:
    """A closed stdin, stdout or stderr (``2>&-``) does not stop a run: it becomes /dev/null.

    Python then starts with ``sys.stderr`` None, and the first file the run opens would
    take descriptor 2: whatever writes to it (a library's warning) would land in the
    model file. So each closed descriptor is given /dev/null first.
    """
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    for name in ("stdout", "stderr"):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))  # noqa: SIM115


if __name__ == "__main__":
    status = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # all is said: a late Ctrl-C changes nothing
    sys.exit(status)
