"""Graphs the viz tests share: document 003's chains, a plain-Value MLP, random graphs."""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass

from autograd import Value, dot
from nn.tour import LINEAR_CHAIN, linear_chain_nodes


@dataclass
class Chain:
    C: Value
    nodes: dict[str, Value]


def linear_chain(x0: float = LINEAR_CHAIN.x0, y: float = LINEAR_CHAIN.y,
                 w=LINEAR_CHAIN.w) -> Chain:
    """Document 003, section I: x_{i+1} = w_{i,i+1} x_i, C = (x3 - y)²/2 (nn's one builder)."""
    n = linear_chain_nodes(x0, y, tuple(w))
    return Chain(n["C"], n)


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def nonlinear_chain(x0: float = 1.5, y: float = 0.2, w=(0.8, -1.2, 2.0)) -> Chain:
    """Section II: p0 = x0, q_i = σ(p_i), p_{i+1} = w_{i,i+1} q_i, C = (q3 - y)²/2."""
    n = {"p0": Value(x0, label="p0")}
    for name, v in zip(("w01", "w12", "w23"), w):
        n[name] = Value(v, label=name)
    ws = ["w01", "w12", "w23"]
    for i in range(4):
        n[f"q{i}"] = n[f"p{i}"].sigmoid()
        if i < 3:
            n[f"p{i + 1}"] = n[ws[i]] * n[f"q{i}"]
    n["e"] = n["q3"] - y
    n["e2"] = n["e"] ** 2
    n["C"] = n["e2"] / 2
    for k, v in n.items():
        v.label = k
    return Chain(n["C"], n)


@dataclass
class PlainMLP:
    C: Value
    xs: list[Value]
    weights: list[list[list[Value]]]  # [layer][neuron][input]
    biases: list[list[Value]]
    p: list[list[Value]]  # pre-activations per layer (dot(w, q, b), or dot(w, q) + b)
    q: list[list[Value]]


def plain_mlp(sizes: list[int], seed: int = 0, act: str = "tanh", y: float = 0.5,
              bias_in_dot: bool = False) -> PlainMLP:
    """An MLP made of Values only: p = dot(w, q) + b, q = act(p), linear last layer.

    With ``bias_in_dot`` each p is one node, ``dot(w, q, b)``, as nn builds it.
    """
    rng = random.Random(seed)
    xs = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(sizes[0])]
    q = xs
    W, B, P, Q = [], [], [], []
    last = len(sizes) - 1
    for layer, (nin, nout) in enumerate(zip(sizes[:-1], sizes[1:]), 1):
        lw, lb, lp, lq = [], [], [], []
        for _ in range(nout):
            w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
            b = Value(rng.uniform(-0.1, 0.1))
            p = dot(w, q, b) if bias_in_dot else dot(w, q) + b
            lw.append(w)
            lb.append(b)
            lp.append(p)
            lq.append(getattr(p, act)() if layer < last else p)
        W.append(lw)
        B.append(lb)
        P.append(lp)
        Q.append(lq)
        q = lq
    C = (q[0] - y) ** 2 / 2
    return PlainMLP(C, xs, W, B, P, Q)


def random_graph(seed: int, n_leaves: int = 3, n_ops: int = 12) -> tuple[Value, list[Value]]:
    """A random DAG with reuse (diamonds, duplicates) over safe ops; returns (root, leaves)."""
    rng = random.Random(seed)
    leaves = [Value(rng.uniform(-1.5, 1.5), label=f"a{i}") for i in range(n_leaves)]
    nodes = list(leaves)
    for _ in range(n_ops):
        kind = rng.choice(["+", "-", "*", "tanh", "sigmoid", "c*", "+c", "sum", "dot", "neg"])
        a, b = rng.choice(nodes), rng.choice(nodes)
        if kind == "+":
            v = a + b
        elif kind == "-":
            v = a - b
        elif kind == "*":
            v = a * b
        elif kind == "tanh":
            v = a.tanh()
        elif kind == "sigmoid":
            v = a.sigmoid()
        elif kind == "c*":
            v = rng.uniform(-2, 2) * a
        elif kind == "+c":
            v = a + rng.uniform(-1, 1)
        elif kind == "neg":
            v = -a
        elif kind == "sum":
            v = __import__("autograd").sum([a, b, rng.choice(nodes), 1.0])
        else:
            v = dot([a, b], [rng.choice(nodes), 0.5])
        nodes.append(v)
    root = nodes[-1]
    for extra in nodes[-4:-1]:  # make sure most of the graph feeds the root
        root = root + extra
    return root, leaves


# -- reading DOT source -----------------------------------------------------------------

_NODE = re.compile(r"^\t+(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$")
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|<.*?>(?= \w+=|$)|[^ ]+)')


def attrs(text: str) -> dict[str, str]:
    out = {}
    for key, value in _ATTR.findall(text or ""):
        out[key] = value[1:-1] if value.startswith('"') else value
    return out


def parse_dot(source: str) -> tuple[dict[str, dict[str, str]], list[tuple[str, str, dict]]]:
    """The node statements (id -> attributes) and edge statements of a Digraph's source."""
    nodes: dict[str, dict[str, str]] = {}
    edges: list[tuple[str, str, dict]] = []
    for line in source.splitlines():
        m = _EDGE.match(line)
        if m:
            edges.append((m.group(1), m.group(2), attrs(m.group(3))))
            continue
        m = _NODE.match(line)
        if m and m.group(1) not in ("node", "edge", "graph"):
            nodes[m.group(1)] = attrs(m.group(2))
    return nodes, edges
