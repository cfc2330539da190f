"""Issue 16's targets T1-T4 in one run: chaingrad on code users bring.

    python benchmarks/targets.py                 # T1-T4 and bytes per node (about 1 min)
    python benchmarks/targets.py --only T1 T2    # some of them
    python benchmarks/targets.py --profile T1    # cProfile of chaingrad's side of one target
    python benchmarks/targets.py --collector frozen   # the collector's share (see below)
    python benchmarks/targets.py --sums chains   # sum() left as a chain of + (the merge's share)

  T1  a character-level transformer step written for a minimal Value
      (``transformer.py``), on that minimal Value (``minimal_value.py``) and
      on chaingrad's, only the class swapped; losses equal to 1e-12 on every
      step.                                               target: chaingrad >= 2x faster
  T2  micrograd's demo step with micrograd's own nn.py, on micrograd's Value
      and on chaingrad's (the module loaded a second time with its ``Value``
      swapped).                                           target: >= 50x faster
  T3  W1 with ``nn.MLP`` against tight hand-written float backprop
      (``float_baseline.py``), gradients checked first.   target: <= 2x its time
  T4  a chain of 10^6 ops y = y * c + d, forward and backward, against the same
      chain on floats with its derivative taped and multiplied back.
                                                          target: <= 25x its time

Each target interleaves its two sides in one process, the order alternating
between rounds, and reports the median of the per-round ratios, so that a slow
spell of a shared machine hits both sides of a ratio alike. In T1 and T2 each
side's clock includes a ``gc.collect()`` after its step: a graph built by a
recursive topological sort in a closure (the minimal Value's, micrograd's) is
cyclic garbage, freed only by the collector, and that cost belongs to the step
that made it. chaingrad's graphs are freed by reference counting alone.

The collector's cost depends on what the process holds, not only on the
engines: each full collection walks every tracked object, and a growing graph
triggers several. ``--collector frozen`` freezes everything built before the
timed rounds (modules, models) out of the collector; ``--collector off`` turns
the automatic collections off (the clocked ``gc.collect()`` still runs). Both
are for measuring the collector's share, not how users run.

``--sums chains`` turns off the merging of the + chains that Python's ``sum``
builds (``autograd.value._MERGE_SUMS``), to measure what that merge is worth.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import importlib.util
import io
import pstats
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the working tree's autograd
sys.path.insert(1, str(HERE))

import minimal_value  # noqa: E402
import transformer  # noqa: E402
from engine import bytes_per_node, machine, markdown  # noqa: E402
from float_baseline import TightFloatNet  # noqa: E402
from train_step import ALPHA, ChaingradMLPNet, initial_weights, moons  # noqa: E402

import autograd  # noqa: E402

# the minimal Value's recursive topological sort goes as deep as the graph
RECURSION_LIMIT = 20_000


def clocked(fn, collect: bool):
    """(seconds, result) of fn(), with the collection of its garbage on the clock if asked."""
    start = time.perf_counter()
    result = fn()
    if collect:
        gc.collect()
    return time.perf_counter() - start, result


def interleave(sides: dict, rounds: int, collect: bool, check=None) -> list[dict]:
    """Seconds per side per round; ``sides`` maps a name to a function of the round."""
    times = []
    names = list(sides)
    for r in range(rounds):
        got, results = {}, {}
        for name in names if r % 2 == 0 else names[::-1]:
            gc.collect()
            got[name], results[name] = clocked(lambda name=name, r=r: sides[name](r), collect)
        if check is not None:
            check(r, results)
        times.append(got)
    return times


def ratio(times: list[dict], a: str, b: str) -> float:
    return statistics.median(t[a] / t[b] for t in times)


def median_ms(times: list[dict], name: str) -> float:
    return 1000 * statistics.median(t[name] for t in times)


# -- T1 ------------------------------------------------------------------------------

def t1_sides() -> tuple[dict, object]:
    sys.setrecursionlimit(max(sys.getrecursionlimit(), RECURSION_LIMIT))
    models = {"minimal Value": transformer.Model(minimal_value.Value),
              "chaingrad": transformer.Model(autograd.Value)}
    words = transformer.WORDS

    def check(r, losses):
        a, b = losses.values()
        if abs(a - b) > 1e-12:
            sys.exit(f"T1: the losses differ at step {r}: {a!r} and {b!r}")

    sides = {name: (lambda r, m=m: m.step(words[r % len(words)])) for name, m in models.items()}
    return sides, check


# -- T2 ------------------------------------------------------------------------------

def micrograd_nn(Value):
    """micrograd's nn.py loaded as a module of its own, with ``Value`` swapped in."""
    spec = importlib.util.find_spec("micrograd.nn")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.Value = Value
    return module


def demo_step(model, Value, X, Y, k: int) -> float:
    """One step of micrograd's demo.ipynb: its loss, backward, its SGD schedule."""
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(Y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total_loss.data


def t2_sides() -> tuple[dict, object]:
    from micrograd.engine import Value as MicroValue

    X, Y = moons()
    layers = initial_weights()
    sides = {}
    for name, V in (("micrograd", MicroValue), ("chaingrad", autograd.Value)):
        model = micrograd_nn(V).MLP(2, [16, 16, 1])
        for p, w in zip(model.parameters(), [x for W, b in layers for r, bj in zip(W, b)
                                             for x in (*r, bj)]):
            p.data = w
        sides[name] = lambda r, model=model, V=V: demo_step(model, V, X, Y, r)

    def check(r, losses):
        a, b = losses.values()
        if abs(a - b) > 1e-12:
            sys.exit(f"T2: the losses differ at step {r}: {a!r} and {b!r}")

    return sides, check


# -- T3 ------------------------------------------------------------------------------

def t3_sides() -> tuple[dict, object]:
    X, Y = moons()
    layers = initial_weights()
    nets = {"chaingrad nn.MLP": ChaingradMLPNet(layers), "tight float": TightFloatNet(layers)}
    (la, ga), (lb, gb) = (net.grads(X, Y) for net in nets.values())
    bad = [i for i, (a, b) in enumerate(zip(ga, gb)) if abs(a - b) > 1e-9 * max(abs(a), abs(b))
           + 1e-15]
    if len(ga) != len(gb) or bad or abs(la - lb) > 1e-9 * abs(la):
        sys.exit(f"T3: refusing to time: gradients differ at {bad[:5]} (loss {la} vs {lb})")
    return {name: (lambda r, net=net: net.step(X, Y)) for name, net in nets.items()}, None


# -- T4 ------------------------------------------------------------------------------

N_CHAIN = 10**6
C, D = 1.000001, 0.000001


def chain_on_values(r: int) -> float:
    x = autograd.Value(1.0)
    y = x
    for _ in range(N_CHAIN // 2):
        y = y * C + D
    y.backward()
    return x.grad


def chain_on_floats(r: int) -> float:
    """The same chain on floats, each op's local derivative taped, then multiplied back."""
    y = 1.0
    tape = []
    push = tape.append
    for _ in range(N_CHAIN // 2):
        t = y * C
        push(C)  # d(y·c)/dy
        y = t + D
        push(1.0)  # d(t + d)/dt
    grad = 1.0
    for local in reversed(tape):
        grad *= local
    return grad


def t4_sides() -> tuple[dict, object]:
    def check(r, grads):
        a, b = grads.values()
        if abs(a - b) > 1e-12 * abs(b):
            sys.exit(f"T4: dy/dx differs: {a!r} and {b!r}")

    return {"chaingrad": chain_on_values, "float": chain_on_floats}, check


# -- running ---------------------------------------------------------------------------

TARGETS = {
    # name: (sides, rounds, collect, slower side, faster side, target text, met)
    "T1": (t1_sides, 21, True, "minimal Value", "chaingrad", ">= 2x faster (aim 3x)",
           lambda x: x >= 2),
    "T2": (t2_sides, 9, True, "micrograd", "chaingrad", ">= 50x faster", lambda x: x >= 50),
    "T3": (t3_sides, 25, False, "chaingrad nn.MLP", "tight float", "<= 2x its time",
           lambda x: x <= 2),
    "T4": (t4_sides, 3, False, "chaingrad", "float", "<= 25x its time", lambda x: x <= 25),
}

WHAT = {
    "T1": "T1 transformer step, minimal-Value code",
    "T2": "T2 micrograd demo step, micrograd's nn.py",
    "T3": "T3 W1 step, nn.MLP vs tight float backprop",
    "T4": f"T4 chain of {N_CHAIN:,} ops, forward + backward",
}


def run(name: str, collector: str = "on") -> list[str]:
    make, rounds, collect, a, b, target, met = TARGETS[name]
    sides, check = make()
    for side in sides.values():  # warm-up (T1, T2: a training step each, both alike)
        side(0)
    gc.collect()
    if collector == "frozen":
        gc.freeze()  # what the process holds so far is left out of every collection
    elif collector == "off":
        gc.disable()  # no automatic collection; the clocked gc.collect() still runs
    try:
        times = interleave(sides, rounds, collect, check)
    finally:
        gc.unfreeze()
        gc.enable()
    x = ratio(times, a, b)
    return [WHAT[name], f"{a}: {median_ms(times, a):.1f} ms", f"{b}: {median_ms(times, b):.1f} ms",
            f"{x:.2f}x", target, "met" if met(x) else "NOT met"]


def profile(name: str, steps: int = 3) -> None:
    sides, _ = TARGETS[name][0]()
    side = sides["chaingrad" if "chaingrad" in sides else "chaingrad nn.MLP"]
    side(0)
    profiler = cProfile.Profile()
    profiler.enable()
    for r in range(steps):
        side(r)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime").print_stats(20)
    print(out.getvalue())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=list(TARGETS), default=list(TARGETS))
    parser.add_argument("--profile", choices=list(TARGETS), help="cProfile chaingrad's side")
    parser.add_argument(
        "--collector", choices=["on", "frozen", "off"], default="on",
        help="the cyclic collector while timing: on (as users run), frozen (gc.freeze() "
        "after setup: it sees only what the steps make) or off (gc.disable())")
    parser.add_argument(
        "--sums", choices=["merged", "chains"], default="merged",
        help="merged: sum() over Values merges its chain of + into one node where nobody "
        "holds the partial sums (as shipped); chains: leave it a chain of +")
    args = parser.parse_args(argv)
    if args.sums == "chains":
        autograd.value._MERGE_SUMS = False
    if args.profile:
        profile(args.profile)
        return
    print(f"# Issue 16 targets\n\n{machine()}\ncommand: python {' '.join(sys.argv)}\n"
          f"cyclic garbage collector while timing: {args.collector}; "
          f"sums: {args.sums}\n")
    rows = [run(name, args.collector) for name in args.only]
    print("medians of per-round ratios, sides interleaved\n")
    print(markdown(["workload", "slower side", "faster side", "ratio", "target", ""], rows))
    bytes_ = [bytes_per_node(autograd.Value, 10**5, number) for number in (False, True)]
    print(f"\nbytes per binary-op node (Value / number operand): {bytes_[0]:.0f} / "
          f"{bytes_[1]:.0f} (target <= 144: issue 23 lets a node take attributes of its own)")


if __name__ == "__main__":
    main()
