"""Loops as their authors wrote them, run compiled, eagerly and on their own engines.

    python benchmarks/real_loops.py            # the three loops, whole runs (~1-2 min)
    python benchmarks/real_loops.py --quick    # shorter runs

Each run is timed whole, every trace included, from a fresh ``compile``:

* **demo**: micrograd's ``demo.ipynb`` training loop (MLP 2-16-16-1 on 100 moons
  points, the SVM max-margin loss with 1e-4 L2, the accuracy computed inside the
  loss from ``scorei.data > 0``, 100 SGD steps with the rate falling from 1.0 to
  0.1), once on micrograd 0.1.0 itself and once on chaingrad: the loss is the
  demo's, written over a flat list of parameters (one ``dot`` per neuron) so that
  ``autograd.compile(loss, has_aux=True)`` differentiates it; the accuracy comes
  back as the aux. Eager is ``value_and_grad`` of the same loss.
* **microgpt**: ``transformer.py``'s character model, one document (a word of
  changing length and tokens) per Adam step: the tokens are ints, constants of
  a graph, so each new word would need a trace of its own. Its own engine is
  the 30-line minimal Value (``minimal_value.py``).
* **lecture**: the "building micrograd" lecture's loop: MLP(3, [4, 4, 1]) with tanh
  neurons on four samples, squared error, SGD with step 0.05; its own engine is
  a lecture-style Value (``_backward`` closures, a recursive topological sort).

Results are checked against eager (``value_and_grad``) to the bit on every step.
Times are CPU seconds of this process (``time.process_time``, the collector's work
included): on a shared machine the wall clock moves with the other processes.
Also reported: the generated lines per node and the first call's microseconds
per node for each loop's graph and for W1 (``compiled.py``'s one-sample graph).
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the working tree's autograd
sys.path.insert(1, str(HERE))

import minimal_value  # noqa: E402
import transformer  # noqa: E402
from compiled import score  # noqa: E402 - the MLP on a flat parameter list, as W1c has it
from engine import machine, markdown  # noqa: E402
from train_step import copy_weights, flat, initial_weights, moons  # noqa: E402

import autograd  # noqa: E402
from autograd import value_and_grad  # noqa: E402

# -- micrograd's demo -------------------------------------------------------------------


def demo_loss(params, Xb, yb):
    """demo.ipynb's loss() as written, over a flat list of parameters."""
    scores = [score(params, xrow) for xrow in Xb]
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum(p * p for p in params)
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
    return total_loss, sum(accuracy) / len(accuracy)


def demo_run(step_fn, params, X, y, steps):
    """The demo's loop: forward, backward, SGD with the falling rate; the history."""
    history = []
    for k in range(steps):
        (total_loss, acc), grads = step_fn(params, X, y)
        learning_rate = 1.0 - 0.9 * k / 100
        params = [p - learning_rate * g for p, g in zip(params, grads)]
        history.append((total_loss, acc))
    return history, params


def demo_eager_step(params, X, y):
    box = []

    def loss_only(p, Xb, yb):
        total, acc = demo_loss(p, Xb, yb)
        box.append(acc)
        return total

    value, grads = value_and_grad(loss_only)(params, X, y)
    return (value, float(box[0])), grads


def demo_micrograd(layers, X, y, steps, timed_steps):
    """micrograd's own run; only its first timed_steps steps are run (each step costs the
    same: no traces), the time scaled to steps."""
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(2, [16, 16, 1])
    copy_weights(model, layers)

    def loss():
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
        return data_loss + reg_loss, sum(accuracy) / len(accuracy)

    history = []
    for k in range(timed_steps):
        total_loss, acc = loss()
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        history.append((total_loss.data, acc))
    return history


def run_demo(steps: int, own_steps: int) -> dict:
    X, y = moons()
    layers = initial_weights()
    params = flat(layers)
    out = {}
    start = time.process_time()
    compiled = autograd.compile(demo_loss, has_aux=True)
    h_c, p_c = demo_run(compiled, params, X, y, steps)
    out["compiled"] = time.process_time() - start
    gc.collect()
    start = time.process_time()
    h_e, p_e = demo_run(demo_eager_step, params, X, y, steps)
    out["eager"] = time.process_time() - start
    gc.collect()
    own_steps = min(own_steps, steps)
    start = time.process_time()
    h_m = demo_micrograd(layers, X, y, steps, own_steps)
    out["own"] = (time.process_time() - start) * steps / own_steps
    assert h_c == h_e and p_c == p_e, "compiled differs from eager"
    assert all(math.isclose(a, b, rel_tol=1e-9) and c == d
               for (a, c), (b, d) in zip(h_c, h_m)), "chaingrad differs from micrograd"
    out.update(traces=compiled.traces, equal=True, graph=compiled)
    return out


# -- microgpt-style: one document per step, tokens changing -----------------------------


def shapes_of(params: dict) -> list[tuple[str, int, int]]:
    return [(name, len(rows), len(rows[0])) for name, rows in params.items()]


def unflat(ws, shapes):
    params, k = {}, 0
    for name, rows, cols in shapes:
        params[name] = [ws[k + r * cols:k + (r + 1) * cols] for r in range(rows)]
        k += rows * cols
    return params


class GptRun:
    """Adam over one word per step; the loss is transformer.loss_of on a flat list."""

    def __init__(self, mode: str, seed: int = 42):
        start = transformer.make_params(float, seed)
        self.shapes = shapes_of(start)
        self.ws = transformer.flat(start)
        self.m = [0.0] * len(self.ws)
        self.v = [0.0] * len(self.ws)
        self.t = 0

        def loss(ws, ids):
            return gpt_loss(unflat(ws, self.shapes), ids)

        self.loss = loss
        self.step_fn = autograd.compile(loss) if mode == "compiled" else value_and_grad(loss)

    def step(self, word: str) -> float:
        value, grads = self.step_fn(self.ws, transformer.tokens(word))
        self.t += 1
        b1, b2, lr = 0.85, 0.99, 0.01
        c1, c2 = 1 - b1**self.t, 1 - b2**self.t
        for i, g in enumerate(grads):
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
            self.ws[i] -= lr * (self.m[i] / c1) / ((self.v[i] / c2) ** 0.5 + 1e-8)
        return value


def gpt_loss(params: dict, ids: list):
    """transformer.loss_of, with the tokens given (the document's ints)."""
    cache = [([], []) for _ in range(transformer.N_LAYER)]
    losses = []
    for pos, (token, target) in enumerate(zip(ids, ids[1:])):
        probs = transformer.softmax(transformer.forward(params, token, pos, cache))
        losses.append(-probs[target].log())
    return (1 / len(losses)) * sum(losses)


def run_gpt(docs: int) -> dict:
    """Compiled and eager side by side, a step each per document (the order alternating,
    so that the machine's drift falls on both), then the minimal Value's run."""
    rng = random.Random(0)
    words = [rng.choice(transformer.WORDS) for _ in range(docs)]
    runs = {"compiled": GptRun("compiled"), "eager": GptRun("eager")}
    out = {"compiled": 0.0, "eager": 0.0}
    losses = {"compiled": [], "eager": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k, word in enumerate(words):
            for mode in (("compiled", "eager") if k % 2 else ("eager", "compiled")):
                start = time.process_time()
                losses[mode].append(runs[mode].step(word))
                out[mode] += time.process_time() - start
    compiled = runs["compiled"].step_fn
    out.update(traces=compiled.traces, eager_calls=compiled.eager_calls,
               warnings=[str(w.message) for w in caught], graph=compiled)
    gc.collect()
    model = transformer.Model(minimal_value.Value)
    start = time.process_time()
    for w in words:
        model.step(w)
        gc.collect()  # its recursive sort leaves cyclic garbage: its cost (see targets.py)
    out["own"] = time.process_time() - start
    assert losses["compiled"] == losses["eager"], "compiled differs from eager"
    out["equal"] = True
    return out


# -- the lecture's MLP loop ----------------------------------------------------------------


class LectureValue:
    """A Value as the lecture builds it: _backward closures and a recursive sort."""

    def __init__(self, data, _children=(), _op=""):
        self.data, self.grad = data, 0.0
        self._backward = lambda: None
        self._prev, self._op = set(_children), _op

    def __add__(self, other):
        other = other if isinstance(other, LectureValue) else LectureValue(other)
        out = LectureValue(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += out.grad
            other.grad += out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, LectureValue) else LectureValue(other)
        out = LectureValue(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def __pow__(self, k):
        out = LectureValue(self.data**k, (self,), f"**{k}")

        def _backward():
            self.grad += k * self.data ** (k - 1) * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = (math.exp(2 * self.data) - 1) / (math.exp(2 * self.data) + 1)
        out = LectureValue(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t**2) * out.grad
        out._backward = _backward
        return out

    def __neg__(self):
        return self * -1

    def __sub__(self, other):
        return self + (-other)

    def __radd__(self, other):
        return self + other

    def __rmul__(self, other):
        return self * other

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()


LECTURE_XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
LECTURE_YS = [1.0, -1.0, -1.0, 1.0]
LECTURE_SIZES = (3, 4, 4, 1)


def lecture_mlp(params, x):
    """The lecture's MLP: each neuron tanh(sum(wi*xi) + b), weights read in order."""
    k = 0
    for nin, nout in zip(LECTURE_SIZES[:-1], LECTURE_SIZES[1:]):
        outs = []
        for _ in range(nout):
            w, b = params[k:k + nin], params[k + nin]
            outs.append((sum((wi * xi for wi, xi in zip(w, x)), b)).tanh())
            k += nin + 1
        x = outs
    return x[0]


def lecture_loss(params, xs, ys):
    ypred = [lecture_mlp(params, x) for x in xs]
    return sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))


def lecture_params(seed: int = 0) -> list[float]:
    rng = random.Random(seed)
    n = sum((nin + 1) * nout for nin, nout in zip(LECTURE_SIZES[:-1], LECTURE_SIZES[1:]))
    return [rng.uniform(-1, 1) for _ in range(n)]


def lecture_run(step_fn, steps: int) -> list[float]:
    params, history = lecture_params(), []
    for _ in range(steps):
        loss, grads = step_fn(params, LECTURE_XS, LECTURE_YS)
        params = [p - 0.05 * g for p, g in zip(params, grads)]
        history.append(loss)
    return history


def lecture_own(steps: int) -> list[float]:
    params = [LectureValue(p) for p in lecture_params()]
    history = []
    for _ in range(steps):
        loss = lecture_loss(params, LECTURE_XS, LECTURE_YS)
        for p in params:
            p.grad = 0.0
        loss.backward()
        for p in params:
            p.data += -0.05 * p.grad
        history.append(loss.data)
    return history


def run_lecture(steps: int) -> dict:
    out = {}
    gc.collect()
    start = time.process_time()
    compiled = autograd.compile(lecture_loss)
    h_c = lecture_run(compiled, steps)
    out["compiled"] = time.process_time() - start
    gc.collect()
    start = time.process_time()
    h_e = lecture_run(value_and_grad(lecture_loss), steps)
    out["eager"] = time.process_time() - start
    gc.collect()
    start = time.process_time()
    h_o = lecture_own(steps)
    out["own"] = time.process_time() - start
    assert h_c == h_e, "compiled differs from eager"
    assert all(math.isclose(a, b, rel_tol=1e-9) for a, b in zip(h_c, h_o)), "differs from own"
    out.update(traces=compiled.traces, equal=True, graph=compiled)
    return out


# -- trace cost: lines and microseconds per node -----------------------------------------


def trace_cost(f, *args, has_aux: bool = False) -> tuple[int, float, float, float]:
    """(nodes, generated lines per node, first call and second call µs per node, CPU time):
    the first call records the graph and answers from it; the second writes it as code,
    compiles it and checks it against value_and_grad once."""
    gc.collect()
    c = autograd.compile(f, has_aux=has_aux)
    start = time.process_time()
    c(*args)
    first = time.process_time() - start
    start = time.process_time()
    c(*args)
    second = time.process_time() - start
    nodes = count_nodes(f, args, has_aux)
    lines = c.source.count("\n")
    return nodes, lines / nodes, first / nodes * 1e6, second / nodes * 1e6


def count_nodes(f, args, has_aux: bool) -> int:
    from autograd.graph import topo_order

    box = []

    def g(*a):
        out = f(*a)
        out = out[0] if has_aux else out
        box.append(out)
        return out

    value_and_grad(g)(*args)  # nested? no: plain numbers in, the graph kept in box
    return len(topo_order(box[0]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--micrograd-steps", type=int, default=10,
                        help="micrograd steps timed (its time is scaled to the run's steps)")
    args = parser.parse_args(argv)
    demo_steps, docs, lecture_steps = (20, 30, 20) if args.quick else (100, 100, 100)
    print("# Loops as written: compiled, eager and their own engines (whole runs)\n")
    print(machine())
    print(f"command: python {' '.join(sys.argv)}\n")
    rows = []
    demo = run_demo(demo_steps, args.micrograd_steps)
    own = f"micrograd 0.1.0, {min(args.micrograd_steps, demo_steps)} steps scaled"
    rows.append(row(f"demo.ipynb, {demo_steps} steps", demo, own))
    gpt = run_gpt(docs)
    rows.append(row(f"microgpt-style, {docs} documents", gpt, "minimal Value"))
    lecture = run_lecture(lecture_steps)
    rows.append(row(f"lecture MLP, {lecture_steps} steps", lecture, "lecture Value"))
    print(markdown(["loop", "compiled", "eager", "own engine", "traces", "eager / compiled",
                    "own / compiled", "compiled / eager", "equal to eager"], rows))
    for message in gpt["warnings"]:
        print(f"\nmicrogpt warned: {message}")
    print("\ntrace cost:\n")
    X, y = moons()
    params = flat(initial_weights())
    run = GptRun("compiled")
    cost_rows = []
    for name, f, fargs, aux in [
        ("demo loss, 100 samples", demo_loss, (params, X, y), True),
        ("microgpt, one word", run.loss, (run.ws, transformer.tokens("kestrel")), False),
        ("lecture loss", lecture_loss, (lecture_params(), LECTURE_XS, LECTURE_YS), False),
        ("W1, one sample", lambda p, x, t: (1 - t * score(p, x)).relu(),
         (params, X[0], y[0]), False),
    ]:
        nodes, per_line, first, second = trace_cost(f, *fargs, has_aux=aux)
        cost_rows.append([name, f"{nodes:,}", f"{per_line:.2f}", f"{first:.1f}",
                          f"{second:.1f}"])
    print(markdown(["graph", "nodes", "lines / node", "first call µs / node (record)",
                    "second call µs / node (write, compile, check)"], cost_rows))
    print("\n(all times: CPU seconds of this process, time.process_time)")


def row(name: str, r: dict, own: str) -> list[str]:
    return [name, f"{r['compiled']:.3f} s", f"{r['eager']:.3f} s", f"{r['own']:.3f} s ({own})",
            str(r["traces"]), f"{r['eager'] / r['compiled']:.1f}x",
            f"{r['own'] / r['compiled']:.1f}x", f"{r['compiled'] / r['eager']:.2f}",
            "yes" if r["equal"] else "NO"]


if __name__ == "__main__":
    main()
