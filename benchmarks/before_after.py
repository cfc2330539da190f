"""The engine before and after a change, in one process: ratios after / before.

    git archive <commit> autograd | tar -x -C /tmp/before     # the old engine
    python benchmarks/before_after.py /tmp/before             # about a minute
    python benchmarks/before_after.py /tmp/before --rounds 31

The old ``autograd`` package is loaded a second time under the name
``autograd_before``, beside the working tree's, and both run the same
workloads, interleaved (the order alternates between rounds):

  W2   a chain y = y * 1.000001 + 0.000001 of 2·10^5 ops: forward, backward
  MLP  a step of an MLP 2-16-16-1 written as the micrograd lecture writes it:
       sum(w * q for ...) + b per neuron, tanh, hinge loss on 50 points
  W1   the same network as one ``dot(w, q, b)`` node per neuron, relu, micrograd's
       demo loss on 100 points and an SGD update (train_step.py's engine column)
  W4   bytes per binary-op node (tracemalloc), as engine.py measures it

Clocks are CPU time (``time.process_time``): on a shared machine the wall clock
mostly measures the other processes. Each ratio is the median of the per-round
ratios, so both sides of a ratio come from the same round.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import random
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the working tree's autograd

from engine import bytes_per_node  # noqa: E402

import autograd  # noqa: E402

SIZES = (2, 16, 16, 1)


def load_before(tree: Path) -> ModuleType:
    """The ``autograd`` package under ``tree``, imported as ``autograd_before``."""
    package = tree / "autograd"
    spec = importlib.util.spec_from_file_location(
        "autograd_before", package / "__init__.py", submodule_search_locations=[str(package)])
    if spec is None or spec.loader is None or not (package / "__init__.py").exists():
        sys.exit(f"no autograd package in {tree}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["autograd_before"] = module
    spec.loader.exec_module(module)
    return module


def timed(build):
    """CPU seconds of the forward (build) and of backward on what it returns."""
    start = time.process_time()
    root = build()
    middle = time.process_time()
    root.backward()
    return middle - start, time.process_time() - middle


def chain(ag, n: int = 200_000):
    def build():
        y = ag.Value(1.0)
        for _ in range(n // 2):
            y = y * 1.000001 + 0.000001
        return y

    return timed(build)


def _network(ag, rng):
    return [[([ag.Value(rng.uniform(-1, 1)) for _ in range(a)], ag.Value(0.0)) for _ in range(b)]
            for a, b in zip(SIZES, SIZES[1:])]


def _points(rng, n):
    return [([rng.uniform(-2, 2), rng.uniform(-2, 2)], rng.choice((-1.0, 1.0))) for _ in range(n)]


def lecture_mlp(ag, n_points: int = 50):
    rng = random.Random(0)
    layers, points = _network(ag, rng), _points(rng, n_points)

    def build():
        losses = []
        for x, y in points:
            q = [ag.Value(v) for v in x]
            for k, layer in enumerate(layers):
                p = [sum((wi * qi for wi, qi in zip(w, q)), b) for w, b in layer]
                q = [v.tanh() for v in p] if k < len(layers) - 1 else p
            losses.append((1 + -y * q[0]).relu())
        return sum(losses) * (1.0 / n_points)

    return timed(build)


def dot_step(ag, n_points: int = 100):
    rng = random.Random(0)
    layers, points = _network(ag, rng), _points(rng, n_points)
    params = [v for layer in layers for w, b in layer for v in (*w, b)]

    def build():
        losses = []
        for x, y in points:
            q = [ag.Value(v) for v in x]
            for k, layer in enumerate(layers):
                p = [ag.dot(w, q, b) for w, b in layer]
                q = [v.relu() for v in p] if k < len(layers) - 1 else p
            losses.append((1 - y * q[0]).relu())
        return ag.sum(losses) * (1.0 / n_points) + 1e-4 * ag.sum([v * v for v in params])

    result = timed(build)
    for v in params:
        v.data -= 0.05 * v.grad
    return result


WORKLOADS = {"W2 chain of 2·10^5 ops": chain, "MLP lecture-style step": lecture_mlp,
             "W1 dot/relu step": dot_step}


def run(before: ModuleType, rounds: int) -> list[str]:
    seconds: dict = {}
    for r in range(rounds):
        for name, fn in WORKLOADS.items():
            sides = [("before", before), ("after", autograd)]
            for side, ag in sides if r % 2 == 0 else sides[::-1]:
                gc.collect()
                seconds.setdefault((name, side), []).append(fn(ag))
    rows = []
    for name in WORKLOADS:
        old, new = seconds[(name, "before")], seconds[(name, "after")]
        for i, phase in enumerate(("forward", "backward")):
            ratio = statistics.median(n[i] / o[i] for o, n in zip(old, new))
            rows.append(f"| {name}: {phase} | {statistics.median(o[i] for o in old) * 1e3:.1f} ms "
                        f"| {statistics.median(n[i] for n in new) * 1e3:.1f} ms | {ratio:.3f} |")
    for number, what in ((False, "Value"), (True, "number")):
        rows.append(f"| W4 bytes per binary-op node ({what} operand) | "
                    f"{bytes_per_node(before.Value, 10**5, number):.0f} | "
                    f"{bytes_per_node(autograd.Value, 10**5, number):.0f} | |")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="a folder holding the old autograd package")
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    args = parser.parse_args(argv)
    before = load_before(args.before)
    print(f"Python {sys.version.split()[0]}; CPU time; {args.rounds} rounds, interleaved; "
          f"ratio = after / before, the median of the per-round ratios\n")
    print("| workload | before | after | after / before |\n|---|---|---|---|")
    print("\n".join(run(before, args.rounds)))


if __name__ == "__main__":
    main()
