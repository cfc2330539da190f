"""The ``chaingrad`` command: train a network on a toy data set, or watch one gradient.

    $ chaingrad demo                       # document 003's chain x0 -> x1 -> x2 -> x3, backward
    $ chaingrad train --dataset moons --hidden 16 16 --activation relu \\
          --epochs 100 --lr 0.05 --seed 0 --out runs/moons

``train`` writes OUT/model.json (load it with ``nn.MLP.load``), OUT/loss.png
(loss and accuracy per epoch) and OUT/boundary.png (the decision boundary over
the data). ``tour`` runs the guided tour when ``nn.tour`` is installed.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

from autograd import Value, forward_order

from .data import DATASETS, digits
from .layers import ACTIVATIONS, MLP
from .plot import plot_boundary, plot_history
from .train import LOSSES, accuracy, fit, make_optimizer

PROG = "chaingrad"

DIVERGED_LOSS = 1e6
"""A final loss above this (or grown more than DIVERGED_GROWTH times) gets a warning."""
DIVERGED_GROWTH = 100.0

BINARY_SETS = ("moons", "circles", "xor")


# -- argument types --------------------------------------------------------------


def _int_at_least(low: int) -> Any:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            what = "a positive integer" if low == 1 else f"an integer >= {low}"
            raise argparse.ArgumentTypeError(f"expected {what}, got {value}")
        return value

    convert.__name__ = "int"
    return convert


def _float_in(low: float, *, strict: bool = False) -> Any:
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
        return value

    convert.__name__ = "float"
    return convert


positive_int = _int_at_least(1)
positive_float = _float_in(0.0, strict=True)
nonnegative_float = _float_in(0.0)


# -- train ----------------------------------------------------------------------


def _add_train(sub: Any) -> None:
    p = sub.add_parser(
        "train",
        help="train an MLP on a toy data set; write model.json, loss.png, boundary.png",
        description=(
            "Train an MLP on a toy data set made in code, with a progress bar, and write "
            "OUT/model.json, OUT/loss.png (loss and accuracy per epoch) and "
            "OUT/boundary.png (the decision boundary over the data)."
        ),
        epilog=(
            "example: chaingrad train --dataset moons --hidden 16 16 --activation relu "
            "--epochs 100 --lr 0.05 --seed 0 --out runs/moons"
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--dataset", choices=[*sorted(DATASETS), "digits"], default="moons",
                   help="data set (digits: scikit-learn's handwritten digits, 8x8 pixels)")
    p.add_argument("--n", type=positive_int, default=None,
                   help="number of samples; when not given, 100 (digits: all 1438 training "
                        "images)")
    p.add_argument("--noise", type=nonnegative_float, default=None,
                   help="data noise; when not given, the data set's own")
    p.add_argument("--classes", type=_int_at_least(2), default=3,
                   help="spiral only: number of arms")
    p.add_argument("--hidden", type=positive_int, nargs="*", default=None, metavar="H",
                   help="hidden layer sizes; when not given, 16 16 (digits: 32)")
    p.add_argument("--activation", nargs="+", default=["relu"], metavar="NAME",
                   help=(f"hidden activation ({', '.join(ACTIVATIONS)}); or one per hidden "
                         "layer; or one per layer, the output layer included"))
    p.add_argument("--input-activation", default=None, choices=ACTIVATIONS,
                   help="sigma_0, applied to the inputs")
    p.add_argument("--loss", default="auto", choices=["auto", *LOSSES],
                   help="auto: hinge for the binary sets (labels -1/+1), cross_entropy for spiral")
    p.add_argument("--optimizer", default="sgd", choices=["sgd", "adam"], help="optimizer")
    p.add_argument("--lr", type=positive_float, default=0.05, help="learning rate")
    p.add_argument("--momentum", type=nonnegative_float, default=0.9, help="SGD momentum")
    p.add_argument("--l2", type=nonnegative_float, default=1e-4,
                   help="L2 penalty lambda on the weights")
    p.add_argument("--epochs", type=positive_int, default=None,
                   help="passes over the data; when not given, 100 (digits: 10)")
    p.add_argument("--batch-size", type=positive_int, default=None,
                   help="samples per step; when not given, all of them (full batch; digits: 32)")
    p.add_argument("--seed", type=int, default=0, help="seed for data, weights and shuffling")
    p.add_argument("--grid", type=_int_at_least(2), default=80,
                   help="boundary plot resolution (points a side)")
    p.add_argument("--out", default="chaingrad-run", help="output folder (created if needed)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run_train)


def _loss_problem(dataset: str, loss: str) -> str | None:
    """Why ``loss`` cannot train on ``dataset`` (None when it can)."""
    if dataset in BINARY_SETS and loss == "cross_entropy":
        return (f"--loss cross_entropy needs several outputs and class indices, but {dataset} "
                f"is a binary set (one output, labels -1/+1); use --loss hinge, bce, mse "
                f"or auto")
    if dataset == "spiral" and loss in ("mse", "hinge", "bce"):
        return (f"--loss {loss} needs one output per sample, but spiral gives class indices "
                f"(one output per class); use --loss cross_entropy or auto")
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


def run_train(args: argparse.Namespace) -> int:
    """``chaingrad train``: train, then write model.json, loss.png and boundary.png.

        >>> main(['train', '--dataset', 'xor', '--epochs', '20', '--out', 'runs/xor'])
    """
    _fill_defaults(args)
    if args.dataset == "digits":
        return run_train_digits(args)
    problem = _loss_problem(args.dataset, args.loss)
    if problem is not None:
        print(f"{PROG} train: {problem}", file=sys.stderr)
        return 2
    make = DATASETS[args.dataset]
    kw: dict[str, Any] = {"n": args.n, "seed": args.seed}
    if args.noise is not None:
        kw["noise"] = args.noise
    if args.loss == "bce":  # binary cross-entropy wants labels 0/1, not -1/+1
        kw["labels"] = "index"
    nout = 1
    if args.dataset == "spiral":
        kw["classes"] = args.classes
        nout = args.classes
    try:
        X, y = make(**kw)
    except (TypeError, ValueError) as error:
        print(f"{PROG} train: {error}", file=sys.stderr)
        return 2
    acts: Any = args.activation
    if len(acts) == 1:
        acts = acts[0]
    elif len(acts) == len(args.hidden):  # hidden layers only: the output stays linear
        acts = [*acts, "identity"]
    try:
        model = MLP(2, [*args.hidden, nout], activation=acts, seed=args.seed,
                    input_activation=args.input_activation)
        opt = make_optimizer(args.optimizer, model.parameters(), args.lr,
                             momentum=args.momentum)
    except (TypeError, ValueError) as error:
        print(f"{PROG} train: {error}", file=sys.stderr)
        return 2
    print(f"{PROG} train: {args.dataset} ({len(X)} samples), model {model!r}, "
          f"{model.num_parameters()} parameters", file=sys.stderr)
    done = [0]  # epochs completed, counted by the callback

    def count(epoch: int, history: dict[str, list]) -> None:
        done[0] = epoch + 1

    try:
        history = fit(model, X, y, loss=args.loss, optimizer=opt, epochs=args.epochs,
                      batch_size=args.batch_size, l2=args.l2, seed=args.seed,
                      verbose=not args.quiet, callback=count)
        bad = [name for name, p in model.named_parameters() if not math.isfinite(p.data)]
        if bad:
            raise OverflowError(f"parameter {bad[0]!r} is not finite")
        acc = accuracy(model, X, y, loss=args.loss)
    except (OverflowError, ValueError, ZeroDivisionError, FloatingPointError) as error:
        print(f"{PROG} train: training diverged at epoch {min(done[0] + 1, args.epochs)}: "
              f"{error}; try a smaller --lr", file=sys.stderr)
        return 1
    os.makedirs(args.out, exist_ok=True)
    paths = {name: os.path.join(args.out, name)
             for name in ("model.json", "loss.png", "boundary.png")}
    model.save(paths["model.json"])
    plot_history(history, paths["loss.png"], title=f"{args.dataset}: {model!r}")
    plot_boundary(model, X, y, paths["boundary.png"], grid=args.grid,
                  title=f"{args.dataset}: decision boundary")
    final = history["loss"][-1] if history["loss"] else float("nan")
    print(f"final loss {final:.4f}, accuracy {acc:.3f}")
    for path in paths.values():
        print(f"wrote {path}")
    warning = _divergence_warning(history["loss"])
    if warning is not None:
        print(warning, file=sys.stderr)
    return 0


# -- train on the digits ---------------------------------------------------------------

TRAIN_DEFAULTS = {
    # option: (its value for the toy sets in 2-D, for digits); None for digits' n: all
    "n": (100, None),
    "hidden": ([16, 16], [32]),
    "epochs": (100, 10),
    "batch_size": (None, 32),
}
"""The train options whose default depends on the data set (the parser leaves them None)."""


def _fill_defaults(args: argparse.Namespace) -> None:
    """Give every option of TRAIN_DEFAULTS that was not on the command line its default."""
    which = 1 if args.dataset == "digits" else 0
    for name, values in TRAIN_DEFAULTS.items():
        if getattr(args, name, None) is None:
            setattr(args, name, values[which])


def run_train_digits(args: argparse.Namespace) -> int:
    """``chaingrad train --dataset digits``: a 64-32-10 MLP, softmax cross-entropy, test accuracy.

        >>> main(['train', '--dataset', 'digits', '--out', 'runs/digits'])  # doctest: +SKIP

    Trains on the training split (or its first ``--n`` images), reports the
    accuracy on the 359 held-out test images and the time training took, and
    writes OUT/model.json and OUT/loss.png (no boundary: the inputs have 64 pixels).
    """
    if args.loss not in ("auto", "cross_entropy"):
        print(f"{PROG} train: --loss {args.loss} needs one output per sample, but digits has "
              "10 classes (one output each); use --loss cross_entropy or auto", file=sys.stderr)
        return 2
    if args.noise is not None:
        print(f"{PROG} train: --noise applies to the data sets made in code, not to digits",
              file=sys.stderr)
        return 2
    try:
        X, y = digits("train", n=args.n, seed=args.seed)
        X_test, y_test = digits("test", seed=args.seed)
    except (ModuleNotFoundError, ValueError) as error:
        print(f"{PROG} train: {error}", file=sys.stderr)
        return 2
    acts: Any = args.activation
    if len(acts) == 1:
        acts = acts[0]
    elif len(acts) == len(args.hidden):  # hidden layers only: the output stays linear
        acts = [*acts, "identity"]
    try:
        model = MLP(64, [*args.hidden, 10], activation=acts, seed=args.seed,
                    input_activation=args.input_activation)
        opt = make_optimizer(args.optimizer, model.parameters(), args.lr,
                             momentum=args.momentum)
    except (TypeError, ValueError) as error:
        print(f"{PROG} train: {error}", file=sys.stderr)
        return 2
    print(f"{PROG} train: digits ({len(X)} training images, {len(X_test)} held out), model "
          f"{model!r}, {model.num_parameters()} parameters", file=sys.stderr)
    start = time.perf_counter()
    try:
        history = fit(model, X, y, loss="cross_entropy", optimizer=opt, epochs=args.epochs,
                      batch_size=args.batch_size, l2=args.l2, seed=args.seed,
                      verbose=not args.quiet)
    except (OverflowError, ValueError, ZeroDivisionError, FloatingPointError) as error:
        print(f"{PROG} train: training diverged: {error}; try a smaller --lr", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - start
    acc, test_acc = (accuracy(model, a, b, loss="cross_entropy")
                     for a, b in ((X, y), (X_test, y_test)))
    os.makedirs(args.out, exist_ok=True)
    paths = {name: os.path.join(args.out, name) for name in ("model.json", "loss.png")}
    model.save(paths["model.json"])
    plot_history(history, paths["loss.png"], title=f"digits: {model!r}")
    print(f"final loss {history['loss'][-1]:.4f}, accuracy {acc:.3f}, test accuracy "
          f"{test_acc:.3f} ({round(test_acc * len(y_test))} of {len(y_test)} held-out digits), "
          f"trained in {seconds:.1f} s")
    for path in paths.values():
        print(f"wrote {path}")
    return 0


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
    p.add_argument("--x0", type=float, default=1.5, help="the input")
    p.add_argument("--y", type=float, default=0.5, help="the target")
    p.add_argument("--w", type=float, nargs=3, default=[0.8, -1.2, 0.6],
                   metavar=("W01", "W12", "W23"), help="the three weights")
    p.set_defaults(func=run_demo)


def run_demo(args: argparse.Namespace) -> int:
    """``chaingrad demo``: the chain, its backward pass and the document's identities.

        >>> main(['demo', '--x0', '2', '--y', '1'])
    """
    x0 = Value(args.x0, label="x0")
    w01, w12, w23 = (Value(w, label=n) for w, n in zip(args.w, ("w01", "w12", "w23")))
    x1 = w01 * x0
    x1.label = "x1"
    x2 = w12 * x1
    x2.label = "x2"
    x3 = w23 * x2
    x3.label = "x3"
    e = x3 - args.y
    e.label = "e"
    sq = e**2
    sq.label = "e2"
    C = sq * 0.5
    C.label = "C"
    C.backward()

    print(f"document 003, section I: x1 = w01*x0, x2 = w12*x1, x3 = w23*x2, "
          f"C = (x3 - y)^2 / 2 with y = {args.y:g}")
    print(f"engine nodes: e = x3 - {args.y:g}, e2 = e**2, C = 0.5*e2 (each one node)\n")
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

    d0 = x3.data - args.y
    d1 = w23.data * d0
    d2 = w12.data * d1
    print("\nbackward chains: delta0 = x3 - y, delta1 = w23*delta0, delta2 = w12*delta1")
    print(f"delta0 = {d0:.6g}, delta1 = {d1:.6g}, delta2 = {d2:.6g}")
    checks = [("w23", w23, d0, x2), ("w12", w12, d1, x1), ("w01", w01, d2, x0)]
    ok = True
    for name, w, d, x in checks:
        hand = d * x.data
        same = abs(hand - w.grad) <= 1e-12 * max(1.0, abs(hand))
        ok &= same
        print(f"dC/d{name} = delta*{x.label} = {d:.6g} * {x.data:.6g} = {hand:.6g};  "
              f"backward gave {w.grad:.6g}  {'ok' if same else 'MISMATCH'}")
    return 0 if ok else 1


# -- tour (provided by nn.tour when present) ------------------------------------------


def _add_tour(sub: Any) -> None:
    try:
        from . import tour  # type: ignore[attr-defined]
    except ImportError as error:
        reason = str(error)
        p = sub.add_parser("tour", help="guided tour of forward and backward chains (unavailable)")
        p.set_defaults(func=lambda args: _tour_unavailable(reason))
        return
    p = sub.add_parser(
        "tour",
        help="a guided tour of a network's forward and backward chains",
        description=(tour.__doc__ or "A guided tour of a network's forward and backward chains.")
        .strip().splitlines()[0],
    )
    tour.add_arguments(p)
    p.set_defaults(func=tour.run)


def _tour_unavailable(reason: str) -> int:
    print(f"{PROG} tour: unavailable in this install (nn.tour could not be imported: {reason})",
          file=sys.stderr)
    return 2


# -- main -----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``chaingrad`` command.

        >>> build_parser().parse_args(['train', '--hidden', '8', '8']).hidden
        [8, 8]
    """
    parser = argparse.ArgumentParser(
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

        >>> main(['demo'])
        0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
