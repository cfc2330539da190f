"""T3's baseline: W1's training step as tight hand-written backprop on plain floats.

The network of W1 (two ReLU hidden layers, a linear output, micrograd's demo
loss mean(relu(1 - y·score)) + α·Σp², one SGD step), written the fastest way
we know in pure Python: per sample, straight-line code over the three layers,
C-level loops (``map(operator.mul, ...)``, ``sum``) wherever a row meets a
vector, list comprehensions and no generators, and a sample whose margin is
already met (zero gradient) skipped. No autodiff: it is the bar a scalar
engine is held to. Anyone who can write it faster, please do; the benchmark
checks every gradient against the engines' before it times anything.
"""

from __future__ import annotations

from operator import mul


class TightFloatNet:
    """W1's step on floats. ``layers`` is [(W, b)] per layer, W[j][i] from input i to unit j."""

    def __init__(self, layers, alpha: float = 1e-4, lr: float = 0.05):
        (W1, b1), (W2, b2), (W3, b3) = layers  # 3 layers: hidden, hidden, one output unit
        self.W1, self.b1 = [list(r) for r in W1], list(b1)
        self.W2, self.b2 = [list(r) for r in W2], list(b2)
        self.w3, self.b3 = list(W3[0]), b3[0]
        self.alpha, self.lr = alpha, lr

    def loss_and_grads(self, X, Y):
        W1, b1, W2, b2, w3, b3 = self.W1, self.b1, self.W2, self.b2, self.w3, self.b3
        W2T = [list(col) for col in zip(*W2)]  # dh1 = W2ᵀ dz2: one row per input
        gW1 = [[0.0] * len(r) for r in W1]
        gb1 = [0.0] * len(b1)
        gW2 = [[0.0] * len(r) for r in W2]
        gb2 = [0.0] * len(b2)
        gw3 = [0.0] * len(w3)
        gb3 = 0.0
        data_loss = 0.0
        for x, y in zip(X, Y):
            z1 = [sum(map(mul, w, x), b) for w, b in zip(W1, b1)]
            h1 = [z if z > 0.0 else 0.0 for z in z1]
            z2 = [sum(map(mul, w, h1), b) for w, b in zip(W2, b2)]
            h2 = [z if z > 0.0 else 0.0 for z in z2]
            margin = 1.0 - y * sum(map(mul, w3, h2), b3)
            if margin <= 0.0:
                continue  # relu(margin) = 0: this sample sends no gradient
            data_loss += margin
            d = -y  # d margin / d score; the 1/n is applied once at the end
            gw3 = [g + d * h for g, h in zip(gw3, h2)]
            gb3 += d
            dz2 = [d * w if z > 0.0 else 0.0 for w, z in zip(w3, z2)]
            for j, dz in enumerate(dz2):
                if dz != 0.0:
                    gW2[j] = [g + dz * h for g, h in zip(gW2[j], h1)]
                    gb2[j] += dz
            dz1 = [sum(map(mul, dz2, col)) if z > 0.0 else 0.0 for col, z in zip(W2T, z1)]
            for j, dz in enumerate(dz1):
                if dz != 0.0:
                    gW1[j] = [g + dz * xi for g, xi in zip(gW1[j], x)]
                    gb1[j] += dz
        scale, a2 = 1.0 / len(X), 2.0 * self.alpha

        def total(g: list, p: list) -> list:  # the data term's mean plus the L2 term's 2αp
            return [gi * scale + a2 * pi for gi, pi in zip(g, p)]

        reg = sum([sum(map(mul, p, p)) for p in (*W1, b1, *W2, b2, w3)]) + b3 * b3
        grads = (
            [total(g, p) for g, p in zip(gW1, W1)], total(gb1, b1),
            [total(g, p) for g, p in zip(gW2, W2)], total(gb2, b2),
            total(gw3, w3), gb3 * scale + a2 * b3,
        )
        return data_loss * scale + self.alpha * reg, grads

    def step(self, X, Y) -> float:
        loss, (gW1, gb1, gW2, gb2, gw3, gb3) = self.loss_and_grads(X, Y)
        lr = self.lr
        self.W1 = [[p - lr * g for p, g in zip(r, gr)] for r, gr in zip(self.W1, gW1)]
        self.b1 = [p - lr * g for p, g in zip(self.b1, gb1)]
        self.W2 = [[p - lr * g for p, g in zip(r, gr)] for r, gr in zip(self.W2, gW2)]
        self.b2 = [p - lr * g for p, g in zip(self.b2, gb2)]
        self.w3 = [p - lr * g for p, g in zip(self.w3, gw3)]
        self.b3 -= lr * gb3
        return loss

    def grads(self, X, Y):
        """The loss and every gradient, in W1's parameter order (per unit: w then b)."""
        loss, (gW1, gb1, gW2, gb2, gw3, gb3) = self.loss_and_grads(X, Y)
        flat = [g for r, b in zip(gW1, gb1) for g in (*r, b)]
        flat += [g for r, b in zip(gW2, gb2) for g in (*r, b)]
        return loss, [*flat, *gw3, gb3]
