"""W1 of issue 7: one training step of an MLP 2-16-16-1, three (or four) ways.

    python benchmarks/train_step.py              # W1 table (about 40 s)
    python benchmarks/train_step.py --engine     # W1, then W2-W4 from engine.py
    python benchmarks/train_step.py --profile    # cProfile of chaingrad's step

The step: forward over 100 moons points, micrograd's demo loss
mean(relu(1 - y * score)) + 1e-4 * sum(p * p), backward, SGD update. The
network has ReLU hidden layers and a linear output. Engines, in this process,
on the same data and the same starting weights (copied into each):

  chaingrad   built here from autograd Values alone (one ``dot(w, q, b)``
              node per neuron, the mean and the L2 term as n-ary nodes), so
              the benchmark measures the engine
  chaingrad nn.MLP
              the same network as ``nn.MLP(2, [16, 16, 1])``, what a user of
              the nn package gets (it adds only its own call overhead)
  micrograd   micrograd 0.1.0 from PyPI, its own nn.MLP, its demo's loss code
  plain float forward and backward written by hand on floats, textbook
              form (every sample and unit, zero gradients not skipped): no
              autodiff, the interpreter's honest limit for a scalar engine
  tight float the same by hand, as tight as we can write it
              (``float_baseline.py``): C-level loops, zero gradients skipped
  torch       PyTorch on 0-d tensors, when it is importable

Before timing, the gradients of every parameter are compared across engines
(to 1e-9 relative); a mismatch stops the benchmark. Then each engine takes a
warm-up step, and ``--steps`` rounds follow: in each round every engine takes
one step, in alternating order. The table shows each engine's median step, and
the ratios are medians of the per-round ratios: both sides of a ratio come from
the same round, so a slow spell of a shared machine hits them alike.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the working tree's autograd
sys.path.insert(1, str(HERE))

from engine import HEADER, engine_rows, machine, markdown  # noqa: E402
from float_baseline import TightFloatNet  # noqa: E402

import autograd  # noqa: E402

SIZES = (2, 16, 16, 1)
N_POINTS = 100
ALPHA = 1e-4
LR = 0.05


# -- data and weights ------------------------------------------------------------------

def moons(n: int = N_POINTS, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles (as sklearn's make_moons), labels -1 and +1."""
    rng = random.Random(seed)
    half = n // 2
    xs, ys = [], []
    for i in range(n):
        if i < half:
            t = math.pi * i / (half - 1)
            x, y, label = math.cos(t), math.sin(t), -1.0
        else:
            t = math.pi * (i - half) / (n - half - 1)
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1.0
        xs.append([x + rng.gauss(0, noise), y + rng.gauss(0, noise)])
        ys.append(label)
    return xs, ys


def initial_weights(seed: int = 1):
    """[(W, b)] per layer: W[j][i] from neuron j's input i, as plain floats."""
    rng = random.Random(seed)
    layers = []
    for nin, nout in zip(SIZES[:-1], SIZES[1:]):
        W = [[rng.uniform(-1, 1) for _ in range(nin)] for _ in range(nout)]
        b = [rng.uniform(-0.1, 0.1) for _ in range(nout)]
        layers.append((W, b))
    return layers


def copy_weights(model, layers) -> None:
    """Set an MLP's weights (nn's or micrograd's: both have .layers, .neurons, .w, .b)."""
    for layer, (W, b) in zip(model.layers, layers):
        for neuron, row, bj in zip(layer.neurons, W, b):
            for wv, w in zip(neuron.w, row):
                wv.data = w
            neuron.b.data = bj


def flat(layers):
    """Parameters in one order for every engine: per layer, per neuron, w then b."""
    return [x for W, b in layers for row, bj in zip(W, b) for x in (*row, bj)]


# -- chaingrad --------------------------------------------------------------------------

class ChaingradNet:
    def __init__(self, layers):
        V = autograd.Value
        self.layers = [([[V(w) for w in row] for row in W], [V(x) for x in b]) for W, b in layers]
        self.params = flat(self.layers)

    def score(self, x):
        last = len(self.layers) - 1
        for k, (W, b) in enumerate(self.layers):
            act = [autograd.dot(row, x, bj) for row, bj in zip(W, b)]
            x = act if k == last else [a.relu() for a in act]
        return x[0]

    def loss(self, X, Y):
        V = autograd.Value
        inputs = [[V(x) for x in row] for row in X]  # as micrograd's demo does
        losses = [(1 - y * self.score(x)).relu() for x, y in zip(inputs, Y)]
        data_loss = autograd.sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * autograd.dot(self.params, self.params)
        return data_loss + reg_loss

    def step(self, X, Y):
        for p in self.params:
            p.grad = 0.0
        loss = self.loss(X, Y)
        loss.backward()
        for p in self.params:
            p.data -= LR * p.grad
        return loss.data

    def grads(self, X, Y):
        for p in self.params:
            p.grad = 0.0
        loss = self.loss(X, Y)
        loss.backward()
        return loss.data, [p.grad for p in self.params]


class ChaingradMLPNet(ChaingradNet):
    """The same network as nn.MLP, the same loss: the path a user of nn takes."""

    def __init__(self, layers):
        from nn import MLP

        self.model = MLP(SIZES[0], list(SIZES[1:]), seed=0)
        copy_weights(self.model, layers)
        self.params = self.model.parameters()  # the same order as flat()

    def score(self, x):
        return self.model(x)


# -- micrograd 0.1.0, as its demo writes it ------------------------------------------------

class MicrogradNet:
    def __init__(self, layers):
        from micrograd.nn import MLP

        self.Value = __import__("micrograd.engine", fromlist=["Value"]).Value
        self.model = MLP(SIZES[0], list(SIZES[1:]))
        copy_weights(self.model, layers)
        self.params = self.model.parameters()  # the same order as flat()

    def loss(self, X, Y):
        model, Value = self.model, self.Value
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(Y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        return data_loss + reg_loss

    def step(self, X, Y):
        self.model.zero_grad()
        loss = self.loss(X, Y)
        loss.backward()
        for p in self.params:
            p.data -= LR * p.grad
        return loss.data

    def grads(self, X, Y):
        self.model.zero_grad()
        loss = self.loss(X, Y)
        loss.backward()
        return loss.data, [float(p.grad) for p in self.params]


# -- plain floats, backprop by hand ------------------------------------------------------------

class PlainNet:
    def __init__(self, layers):
        self.layers = [([list(row) for row in W], list(b)) for W, b in layers]

    def loss_and_grads(self, X, Y):
        layers = self.layers
        last = len(layers) - 1
        dWs = [[[0.0] * len(row) for row in W] for W, _ in layers]
        dbs = [[0.0] * len(b) for _, b in layers]
        scale = 1.0 / len(X)
        data_loss = 0.0
        for x, y in zip(X, Y):
            # forward, keeping each layer's input and pre-activation
            ins, pres = [], []
            h = x
            for k, (W, b) in enumerate(layers):
                z = [sum(w * hi for w, hi in zip(row, h)) + bj for row, bj in zip(W, b)]
                ins.append(h)
                pres.append(z)
                h = z if k == last else [zi if zi > 0 else 0.0 for zi in z]
            margin = 1.0 - y * h[0]
            data_loss += margin if margin > 0 else 0.0
            # backward, textbook form: delta = W^T delta * relu'(z), every
            # sample and unit included (no skipping of zero gradients)
            dz = [-y * scale if margin > 0 else 0.0]  # d loss / d score
            for k in range(last, -1, -1):
                W = layers[k][0]
                h_in, dW, db = ins[k], dWs[k], dbs[k]
                for j, dzj in enumerate(dz):
                    row = dW[j]
                    for i, hi in enumerate(h_in):
                        row[i] += dzj * hi
                    db[j] += dzj
                if k:
                    z_in = pres[k - 1]
                    dz = [
                        sum(dzj * W[j][i] for j, dzj in enumerate(dz))
                        * (1.0 if z_in[i] > 0 else 0.0)
                        for i in range(len(h_in))
                    ]
        # L2: d(alpha * sum p^2)/dp = 2 alpha p
        reg = 0.0
        for (W, b), dW, db in zip(layers, dWs, dbs):
            for row, drow in zip(W, dW):
                for i, w in enumerate(row):
                    reg += w * w
                    drow[i] += 2 * ALPHA * w
            for j, bj in enumerate(b):
                reg += bj * bj
                db[j] += 2 * ALPHA * bj
        return data_loss * scale + ALPHA * reg, dWs, dbs

    def step(self, X, Y):
        loss, dWs, dbs = self.loss_and_grads(X, Y)
        for (W, b), dW, db in zip(self.layers, dWs, dbs):
            for row, drow in zip(W, dW):
                for i, g in enumerate(drow):
                    row[i] -= LR * g
            for j, g in enumerate(db):
                b[j] -= LR * g
        return loss

    def grads(self, X, Y):
        loss, dWs, dbs = self.loss_and_grads(X, Y)
        return loss, flat(list(zip(dWs, dbs)))


# -- PyTorch on 0-d tensors, when available -------------------------------------------------

class TorchNet:
    def __init__(self, layers):
        import torch

        self.torch = torch
        t = lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True)  # noqa: E731
        self.layers = [([[t(w) for w in row] for row in W], [t(x) for x in b]) for W, b in layers]
        self.params = flat(self.layers)

    def loss(self, X, Y):
        last = len(self.layers) - 1
        losses = []
        for x, y in zip(X, Y):
            h = x
            for k, (W, b) in enumerate(self.layers):
                z = [sum(w * hi for w, hi in zip(row, h)) + bj for row, bj in zip(W, b)]
                h = z if k == last else [zi.relu() for zi in z]
            losses.append((1 - y * h[0]).relu())
        return sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in self.params)

    def step(self, X, Y):
        for p in self.params:
            p.grad = None
        loss = self.loss(X, Y)
        loss.backward()
        with self.torch.no_grad():
            for p in self.params:
                p -= LR * p.grad
        return loss.item()

    def grads(self, X, Y):
        for p in self.params:
            p.grad = None
        loss = self.loss(X, Y)
        loss.backward()
        return loss.item(), [p.grad.item() for p in self.params]


# -- running -----------------------------------------------------------------------------------

def build_engines(layers):
    nets = {"chaingrad": ChaingradNet(layers), "chaingrad nn.MLP": ChaingradMLPNet(layers)}
    try:
        nets["micrograd"] = MicrogradNet(layers)
    except ImportError:
        print(f"micrograd is not installed ({sys.executable} -m pip install -e '.[bench]'): "
              "its column is empty")
    nets["plain float"] = PlainNet(layers)
    nets["tight float"] = TightFloatNet(layers)
    try:
        nets["torch"] = TorchNet(layers)
    except ImportError:
        pass
    return nets


def same_gradients(nets, X, Y, rtol: float = 1e-9) -> None:
    """Refuse to time engines that do not compute the same thing."""
    reference_loss, reference = nets["plain float"].grads(X, Y)
    assert any(g != 0.0 for g in reference)
    for name, net in nets.items():
        loss, grads = net.grads(X, Y)
        bad = [
            (i, g, r) for i, (g, r) in enumerate(zip(grads, reference))
            if abs(g - r) > rtol * max(abs(g), abs(r)) + 1e-15
        ]
        if len(grads) != len(reference) or bad or abs(loss - reference_loss) > rtol * abs(loss):
            sys.exit(
                f"refusing to time: {name}'s gradients differ from the plain-float ones "
                f"(loss {loss!r} vs {reference_loss!r}; first differences {bad[:3]})"
            )
    print(f"gradients agree to {rtol:g} relative across {', '.join(nets)} "
          f"({len(reference)} parameters, loss {reference_loss:.6f})\n")


def time_steps(nets, X, Y, rounds: int) -> list[dict]:
    """Seconds per step, one dict per round; every engine steps once per round."""
    for net in nets.values():
        net.step(X, Y)  # warm-up
    order = list(nets)
    times = []
    for r in range(rounds):
        this_round = {}
        for name in order if r % 2 == 0 else order[::-1]:
            gc.collect()
            start = time.perf_counter()
            nets[name].step(X, Y)
            this_round[name] = time.perf_counter() - start
        times.append(this_round)
    return times


def median_ratio(times: list[dict], a: str, b: str) -> float:
    """The median over rounds of time(a) / time(b)."""
    return statistics.median(r[a] / r[b] for r in times)


def profile(X, Y, layers, steps: int = 5, top: int = 25) -> None:
    net = ChaingradNet(layers)
    net.step(X, Y)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(steps):
        net.step(X, Y)
    profiler.disable()
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key).print_stats(top)
        print(f"## chaingrad W1 step x{steps}, sorted by {key}\n")
        print(out.getvalue().strip() + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=15, help="timed rounds (a step per engine)")
    parser.add_argument("--profile", action="store_true", help="cProfile chaingrad's step")
    parser.add_argument("--engine", action="store_true", help="also run W2-W4 (engine.py)")
    args = parser.parse_args(argv)
    X, Y = moons()
    layers = initial_weights()
    if args.profile:
        profile(X, Y, layers)
        return
    nets = build_engines(layers)
    print(f"# W1: one training step, MLP {'-'.join(map(str, SIZES))}, {len(X)} moons points\n")
    print(machine())
    print(f"command: python {' '.join(sys.argv)}\n")
    same_gradients(nets, X, Y)
    times = time_steps(nets, X, Y, args.steps)
    rows = []
    for name in nets:
        seconds = statistics.median(r[name] for r in times)
        rows.append([
            name, f"{seconds * 1000:.1f} ms",
            f"{median_ratio(times, name, 'chaingrad'):.2f}x",
            f"{median_ratio(times, 'chaingrad', name):.2f}x",
        ])
    print(f"{args.steps} rounds after a warm-up, engines interleaved; median step, "
          "median per-round ratios\n")
    print(markdown(["engine", "step", "engine / chaingrad", "chaingrad / engine"], rows))
    plain = median_ratio(times, "chaingrad", "plain float")
    if "micrograd" in nets:
        faster = median_ratio(times, "micrograd", "chaingrad")
        print(f"\nchaingrad is {faster:.1f}x faster than micrograd (target >= 25x) and "
              f"{plain:.2f}x the plain-float time (target <= 3x); nn.MLP is "
              f"{median_ratio(times, 'micrograd', 'chaingrad nn.MLP'):.1f}x faster than "
              f"micrograd and {median_ratio(times, 'chaingrad nn.MLP', 'plain float'):.2f}x "
              "the plain-float time, "
              f"{median_ratio(times, 'chaingrad nn.MLP', 'tight float'):.2f}x the tight-float "
              "time (issue 16's T3: <= 2x)")
    if args.engine:
        print("\n# W2-W4\n")
        print(markdown(HEADER, engine_rows(10**6, 10**5, 10**5, 1)))


if __name__ == "__main__":
    main()
