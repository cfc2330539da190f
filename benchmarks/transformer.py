"""T1's model: a character-level transformer trained the way minimal-Value code does it.

Everything is scalar code over a Value class given as ``V``: token and
position embeddings, RMS norm, multi-head causal attention (each position
attends to the keys and values of the positions so far), an MLP block,
softmax cross-entropy and Adam, with Python's ``sum`` over products
throughout. Nothing here knows which engine it runs on: the benchmark builds
one model per Value class from the same seed and steps them side by side.

    python benchmarks/targets.py --only T1     # the timing (see targets.py)
"""

from __future__ import annotations

import random

# A small corpus of lower-case words; each training step reads one of them.
WORDS = (
    "amber basil cedar delta ember fable glade harbor indigo jasper kestrel lumen "
    "meadow nectar orchid pebble quartz raven saffron thistle umber velvet willow "
    "yarrow zephyr alder birch clover dune fern grove heron iris juniper kelp lotus "
    "maple nova opal pine quill reed sage tansy vale wren yew zinnia"
).split()
CHARS = sorted(set("".join(WORDS)))
BOS = len(CHARS)  # the token that starts and ends every word
VOCAB = len(CHARS) + 1

N_EMBD = 16
N_HEAD = 4
HEAD = N_EMBD // N_HEAD
N_LAYER = 1
BLOCK = 8


def tokens(word: str) -> list[int]:
    ids = [BOS] + [CHARS.index(c) for c in word] + [BOS]
    return ids[: BLOCK + 1]


def matrix(V, rng: random.Random, rows: int, cols: int, std: float = 0.1) -> list:
    return [[V(rng.gauss(0.0, std)) for _ in range(cols)] for _ in range(rows)]


def make_params(V, seed: int = 42) -> dict:
    rng = random.Random(seed)
    params = {"wte": matrix(V, rng, VOCAB, N_EMBD), "wpe": matrix(V, rng, BLOCK, N_EMBD)}
    for i in range(N_LAYER):
        for name in ("wq", "wk", "wv", "wo"):
            params[f"{name}{i}"] = matrix(V, rng, N_EMBD, N_EMBD)
        params[f"fc{i}"] = matrix(V, rng, 4 * N_EMBD, N_EMBD)
        params[f"proj{i}"] = matrix(V, rng, N_EMBD, 4 * N_EMBD)
    params["head"] = matrix(V, rng, VOCAB, N_EMBD)
    return params


def flat(params: dict) -> list:
    return [p for rows in params.values() for row in rows for p in row]


# -- the model, one scalar at a time ---------------------------------------------------

def linear(x: list, w: list) -> list:
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def rmsnorm(x: list) -> list:
    ms = sum(xi * xi for xi in x) / len(x)
    scale = (ms + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def softmax(logits: list) -> list:
    top = max(z.data for z in logits)
    exps = [(z - top).exp() for z in logits]
    total = sum(exps)
    return [e / total for e in exps]


def attention(q: list, keys: list, values: list) -> list:
    out = []
    for h in range(N_HEAD):
        lo, hi = h * HEAD, (h + 1) * HEAD
        qh = q[lo:hi]
        scores = [sum(a * b for a, b in zip(qh, k[lo:hi])) / HEAD**0.5 for k in keys]
        weights = softmax(scores)
        out.extend(sum(w * v[j] for w, v in zip(weights, values)) for j in range(lo, hi))
    return out


def forward(params: dict, token: int, pos: int, cache: list) -> list:
    """The logits for the next token; ``cache`` keeps each layer's keys and values."""
    x = [t + p for t, p in zip(params["wte"][token], params["wpe"][pos])]
    x = rmsnorm(x)
    for i in range(N_LAYER):
        residual = x
        x = rmsnorm(x)
        q, k, v = (linear(x, params[f"{n}{i}"]) for n in ("wq", "wk", "wv"))
        keys, values = cache[i]
        keys.append(k)
        values.append(v)
        x = linear(attention(q, keys, values), params[f"wo{i}"])
        x = [a + b for a, b in zip(x, residual)]
        residual = x
        x = rmsnorm(x)
        x = [h.relu() for h in linear(x, params[f"fc{i}"])]
        x = linear(x, params[f"proj{i}"])
        x = [a + b for a, b in zip(x, residual)]
    return linear(x, params["head"])


def loss_of(params: dict, word: str):
    ids = tokens(word)
    cache = [([], []) for _ in range(N_LAYER)]
    losses = []
    for pos, (token, target) in enumerate(zip(ids, ids[1:])):
        probs = softmax(forward(params, token, pos, cache))
        losses.append(-probs[target].log())
    return (1 / len(losses)) * sum(losses)


class Adam:
    def __init__(self, params: list, lr: float = 0.01, b1: float = 0.85, b2: float = 0.99):
        self.params, self.lr, self.b1, self.b2 = params, lr, b1, b2
        self.m = [0.0] * len(params)
        self.v = [0.0] * len(params)
        self.t = 0

    def step(self) -> None:
        self.t += 1
        b1, b2, lr = self.b1, self.b2, self.lr
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for i, p in enumerate(self.params):
            g = p.grad
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
            p.data -= lr * (self.m[i] / c1) / ((self.v[i] / c2) ** 0.5 + 1e-8)
            p.grad = 0


class Model:
    """One model on one Value class; ``step(word)`` is one training step."""

    def __init__(self, V, seed: int = 42):
        self.params = make_params(V, seed)
        self.optimizer = Adam(flat(self.params))

    def step(self, word: str) -> float:
        loss = loss_of(self.params, word)
        loss.backward()
        self.optimizer.step()
        return loss.data
