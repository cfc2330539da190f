"""W1 with autograd.compile: a training step run as generated straight-line Python.

    python benchmarks/compiled.py              # compile times, then the W1 table (about 30 s)
    python benchmarks/compiled.py --steps 31   # more rounds

W1 is ``train_step.py``'s step (MLP 2-16-16-1, 100 moons points, micrograd's
demo loss, SGD). The compiled engines build the network from ``autograd``
Values over a flat list of parameters, and compile the loss of a chunk of k
samples with ``autograd.compile``: k = 1 is one sample's graph (a call per
sample, the gradients summed in Python), k = 10 ten samples per call, k = 100
the whole batch as one function. The L2 term and the SGD update are plain
Python in every engine. The others: the tight hand-written float backprop
(``float_baseline.py``, issue 16's T3 baseline), train_step's textbook float backprop, chaingrad
eager (``autograd`` Values, one ``dot`` node per neuron) and micrograd 0.1.0.

First the time of each compiled engine's first call (trace, code, ``exec``),
then the gradients of every engine are checked against the plain-float ones
(1e-9 relative), then rounds in which every engine takes one step, the order
alternating; each ratio is the median of the per-round ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from operator import add, mul
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the working tree's autograd
sys.path.insert(1, str(HERE))

from engine import machine, markdown  # noqa: E402
from float_baseline import TightFloatNet  # noqa: E402
from train_step import (  # noqa: E402
    ALPHA,
    LR,
    SIZES,
    ChaingradNet,
    MicrogradNet,
    PlainNet,
    flat,
    initial_weights,
    median_ratio,
    moons,
    same_gradients,
    time_steps,
)

import autograd  # noqa: E402


def score(params, x):
    """The network on one input, its weights read in flat()'s order from ``params``."""
    k = 0
    q = x
    last = len(SIZES) - 2
    for layer, (nin, nout) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        outs = []
        for _ in range(nout):
            outs.append(autograd.dot(params[k:k + nin], q, params[k + nin]))
            k += nin + 1
        q = outs if layer == last else [p.relu() for p in outs]
    return q[0]


def chunk_loss(params, X, Y):
    """Σ relu(1 - y·score) over a chunk of samples: the data part of W1's loss."""
    return autograd.sum([(1 - y * score(params, x)).relu() for x, y in zip(X, Y)])


class CompiledNet:
    """W1 with the loss of every k samples computed by one compiled function."""

    def __init__(self, layers, k: int):
        self.params = flat(layers)
        self.k = k
        self.run = autograd.compile(chunk_loss)
        self.compile_seconds = None

    def first_call(self, X, Y) -> float:
        """The first two calls: the first records the graph, the second writes it as code."""
        start = time.perf_counter()
        self.run(self.params, X[: self.k], Y[: self.k])
        self.run(self.params, X[: self.k], Y[: self.k])
        self.compile_seconds = time.perf_counter() - start
        return self.compile_seconds

    def loss_and_grads(self, X, Y):
        params, k = self.params, self.k
        total, acc = 0.0, None
        for start in range(0, len(X), k):
            loss, grads = self.run(params, X[start:start + k], Y[start:start + k])
            total += loss
            acc = grads if acc is None else list(map(add, acc, grads))
        scale = 1.0 / len(X)
        reg = sum(map(mul, params, params))
        grads = [a * scale + 2 * ALPHA * p for a, p in zip(acc, params)]
        return total * scale + ALPHA * reg, grads

    def step(self, X, Y):
        loss, grads = self.loss_and_grads(X, Y)
        self.params[:] = [p - LR * g for p, g in zip(self.params, grads)]
        return loss

    def grads(self, X, Y):
        return self.loss_and_grads(X, Y)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=15, help="timed rounds (a step per engine)")
    args = parser.parse_args(argv)
    X, Y = moons()
    layers = initial_weights()
    print(f"# W1 compiled: one training step, MLP {'-'.join(map(str, SIZES))}, {len(X)} points\n")
    print(machine())
    print(f"command: python {' '.join(sys.argv)}\n")
    compiled = {f"compiled, {k} per call": CompiledNet(layers, k) for k in (1, 10, 100)}
    rows = []
    for name, net in compiled.items():
        seconds = net.first_call(X, Y)
        lines = net.run.source.count("\n")
        rows.append([name, f"{seconds:.3f} s", f"{lines:,}"])
    print("first two calls (record; write, compile, check):\n")
    print(markdown(["engine", "first two calls", "lines of source"], rows))
    print()
    nets = {**compiled, "tight float": TightFloatNet(layers), "plain float": PlainNet(layers),
            "chaingrad eager": ChaingradNet(layers)}
    try:
        nets["micrograd"] = MicrogradNet(layers)
    except ImportError:
        print(f"micrograd is not installed ({sys.executable} -m pip install -e '.[bench]'): "
              "its column is empty")
    same_gradients(nets, X, Y)
    times = time_steps(nets, X, Y, args.steps)
    rows = [[name, f"{statistics.median(r[name] for r in times) * 1000:.2f} ms",
             f"{median_ratio(times, name, 'tight float'):.2f}x"] for name in nets]
    print(f"{args.steps} rounds after a warm-up, engines interleaved; median step, median "
          "per-round ratio\n")
    print(markdown(["engine", "step", "engine / tight float"], rows))
    print()
    for name in compiled:
        line = f"{name}: {median_ratio(times, name, 'tight float'):.2f}x the tight float step"
        if "micrograd" in nets:
            line += f", {median_ratio(times, 'micrograd', name):.0f}x faster than micrograd"
        line += f", {median_ratio(times, 'chaingrad eager', name):.1f}x faster than eager"
        print(line)


if __name__ == "__main__":
    main()
