"""W1's training step on plain floats, backprop written by hand as tightly as I could.

    python benchmarks/float_baseline.py        # checks it against train_step.py's, times both

The network and the step are W1's (``train_step.py``): an MLP 2-16-16-1, ReLU
hidden layers, micrograd's demo loss mean(relu(1 - y·score)) + 1e-4·Σp² over
100 moons points, SGD. ``train_step.PlainNet`` is the textbook form (every
sample and unit, zero gradients not skipped, loops and generators); this one is
what a careful hand writes for speed in pure Python, one sample at a time:

* each layer's forward is one comprehension; a dot product of the 16-wide layer
  is ``sum(map(mul, row, q))``, the loop in C;
* a sample whose margin is not positive contributes nothing and is skipped after
  its forward pass; a unit whose ReLU is off sends no gradient and its row of
  weight gradients is not touched;
* each active unit's weight-gradient row is updated by one comprehension; the
  backward through W is a product with the transposed matrix, made once a step.

It is the baseline ``compiled.py`` measures autograd.compile against (issue 17:
"at most 1.0x the tight hand-written float backprop"). Anyone who writes a
faster one is welcome to replace it.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from operator import add, mul
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from train_step import ALPHA, LR, PlainNet, initial_weights, moons  # noqa: E402


class TightNet:
    """W1's network as lists of floats: per layer, W as rows of weights and b."""

    def __init__(self, layers):
        self.layers = [([list(row) for row in W], list(b)) for W, b in layers]

    def loss_and_grads(self, X, Y):
        (W1, B1), (W2, B2), (W3, B3) = self.layers
        w3, b3 = W3[0], B3[0]
        W2T = [list(column) for column in zip(*W2)]
        scale = 1.0 / len(X)
        gW1 = [[0.0, 0.0] for _ in W1]
        gB1 = [0.0] * len(B1)
        gW2 = [[0.0] * len(row) for row in W2]
        gB2 = [0.0] * len(B2)
        gw3 = [0.0] * len(w3)
        gb3 = 0.0
        data_loss = 0.0
        for (x0, x1), y in zip(X, Y):
            p1 = [w0 * x0 + w1 * x1 + b for (w0, w1), b in zip(W1, B1)]
            q1 = [p if p > 0.0 else 0.0 for p in p1]
            p2 = [sum(map(mul, row, q1)) + b for row, b in zip(W2, B2)]
            q2 = [p if p > 0.0 else 0.0 for p in p2]
            margin = 1.0 - y * (sum(map(mul, w3, q2)) + b3)
            if margin <= 0.0:
                continue  # relu(margin) = 0: no loss, no gradient
            data_loss += margin
            d3 = -y * scale  # d loss / d score
            gw3 = [g + d3 * q for g, q in zip(gw3, q2)]
            gb3 += d3
            d2 = [d3 * w if p > 0.0 else 0.0 for w, p in zip(w3, p2)]
            for j, d in enumerate(d2):
                if d:
                    gW2[j] = [g + d * q for g, q in zip(gW2[j], q1)]
            gB2 = list(map(add, gB2, d2))
            d1 = [sum(map(mul, column, d2)) if p > 0.0 else 0.0 for column, p in zip(W2T, p1)]
            for g, d in zip(gW1, d1):
                if d:
                    g[0] += d * x0
                    g[1] += d * x1
            gB1 = list(map(add, gB1, d1))
        return self._with_l2(data_loss * scale, [(gW1, gB1), (gW2, gB2), ([gw3], [gb3])])

    def _with_l2(self, data_loss, grads):
        """Add ALPHA·Σp² to the loss and 2·ALPHA·p to each gradient."""
        reg = 0.0
        for (W, B), (gW, gB) in zip(self.layers, grads):
            for row, grow in zip(W, gW):
                reg += sum(map(mul, row, row))
                grow[:] = [g + 2 * ALPHA * w for g, w in zip(grow, row)]
            reg += sum(map(mul, B, B))
            gB[:] = [g + 2 * ALPHA * b for g, b in zip(gB, B)]
        return data_loss + ALPHA * reg, grads

    def step(self, X, Y):
        loss, grads = self.loss_and_grads(X, Y)
        for (W, B), (gW, gB) in zip(self.layers, grads):
            for row, grow in zip(W, gW):
                row[:] = [w - LR * g for w, g in zip(row, grow)]
            B[:] = [b - LR * g for b, g in zip(B, gB)]
        return loss

    def grads(self, X, Y):
        """(loss, gradients in train_step.flat's order: per layer, per neuron, w then b)."""
        loss, grads = self.loss_and_grads(X, Y)
        flat = [x for gW, gB in grads for grow, gb in zip(gW, gB) for x in (*grow, gb)]
        return loss, flat


def main() -> None:
    X, Y = moons()
    layers = initial_weights()
    tight, plain = TightNet(layers), PlainNet(layers)
    (loss, grads), (ref_loss, ref) = tight.grads(X, Y), plain.grads(X, Y)
    worst = max(abs(g - r) / max(abs(r), 1e-12) for g, r in zip(grads, ref) if g or r)
    assert abs(loss - ref_loss) <= 1e-12 * abs(ref_loss) and worst <= 1e-9, worst
    print(f"gradients agree with train_step.PlainNet ({len(ref)} parameters, worst {worst:.1e})")
    times = {"tight": [], "plain": []}
    for r in range(15):
        for name, net in (("tight", tight), ("plain", plain))[:: 1 if r % 2 else -1]:
            gc.collect()
            start = time.perf_counter()
            net.loss_and_grads(X, Y)
            times[name].append(time.perf_counter() - start)
    ratio = statistics.median(p / t for p, t in zip(times["plain"], times["tight"]))
    print(f"tight {statistics.median(times['tight']) * 1e3:.2f} ms, textbook "
          f"{statistics.median(times['plain']) * 1e3:.2f} ms per step (loss and gradients): "
          f"the textbook form takes {ratio:.2f}x the tight one's time")


if __name__ == "__main__":
    main()
