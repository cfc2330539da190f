"""A guided tour of one of document 003's networks, chain by chain (``chaingrad tour``).

The tour prints the forward chains (what the forward pass computes), then
each step of the reverse pass (``autograd.backward_steps``), then every
weight's gradient as backward chain × forward chain, δ × q, next to the
document's own formula worked out by hand on plain floats and the engine's
number. It writes one SVG per step of the reverse pass into ``--out``, a
drawing of the forward pass and one drawing per weight with its two chains
highlighted.

Networks: ``linear-chain`` (section I: x0 → w01 → x1 → w12 → x2 → w23 → x3,
C = (x3 - y)²/2), ``nonlinear-chain`` (section II: the same with σ at every
node, p_i → q_i = σ(p_i)), ``mlp`` (section IV: a small ``nn.MLP``).

    $ chaingrad tour --network nonlinear-chain --out out/tour

``--out`` is checked (created, a file really written in it) before the tour
starts; each drawing is written atomically. Without Graphviz the tour still
prints everything and says how to install it.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, TextIO

from autograd import Value, backward_steps, draw, explain, step_through, topo_order
from autograd.see import Trace, edge_symbol, node_names, render

from ._files import prepare_folder, printable, replacing
from .layers import MLP

NETWORKS = ("linear-chain", "nonlinear-chain", "mlp")
W3 = tuple[float, float, float]


class ChainNumbers(NamedTuple):
    """The numbers of document 003's linear chain: the input, the three weights, the target."""

    x0: float
    w: W3  # w01, w12, w23
    y: float


LINEAR_CHAIN = ChainNumbers(x0=1.5, w=(0.8, -1.2, 0.6), y=1.0)
"""Document 003's linear chain (section I), one set of numbers for the tour, ``chaingrad demo``,
notebook 01 and the tests: x1 = 1.2, x2 = -1.44, x3 = -0.864, C = 1.737248;
dC/dw01 = 2.01312, dC/dw12 = -1.34208, dC/dw23 = 2.68416."""


def linear_chain_nodes(x0: float = LINEAR_CHAIN.x0, y: float = LINEAR_CHAIN.y,
                       w: W3 = LINEAR_CHAIN.w) -> dict[str, Value]:
    """Document 003's linear chain as engine nodes, each labelled as the document names it.

        >>> n = linear_chain_nodes(); list(n)
        ['x0', 'w01', 'w12', 'w23', 'x1', 'x2', 'x3', 'e', 'e2', 'C']
        >>> round(n["x3"].data, 12), round(n["C"].data, 12)
        (-0.864, 1.737248)

    x1 = w01·x0, x2 = w12·x1, x3 = w23·x2, then the cost in three nodes: e = x3 - y,
    e2 = e², C = e2 / 2. The one builder of this chain: the tour, the demo and the tests.
    """
    n = {"x0": Value(x0, label="x0")}
    for name, v in zip(("w01", "w12", "w23"), w):
        n[name] = Value(v, label=name)
    n["x1"] = n["w01"] * n["x0"]
    n["x2"] = n["w12"] * n["x1"]
    n["x3"] = n["w23"] * n["x2"]
    n["e"] = n["x3"] - y
    n["e2"] = n["e"] ** 2
    n["C"] = n["e2"] / 2
    for name, node in n.items():
        node.label = name
    return n


@dataclass
class Weight:
    """One weight of the tour: its Value, the document's formula and number for dC/dw."""

    value: Value
    doc_formula: str
    doc_number: float


@dataclass
class Network:
    """A built network: cost ``C``, the forward chains to print, and ``finish``.

    ``finish()`` returns the weights with the documents' numbers, worked out on
    plain floats once the forward values are known.
    """

    title: str
    equations: list[str]
    C: Value
    forward: list[tuple[str, Value]]
    finish: Callable[[], list[Weight]]


def number(x: float, fmt: str = ".4g") -> str:
    """A number as the tour prints it (``-0`` printed as ``0``).

        >>> number(-0.0), number(0.123456)
        ('0', '0.1235')

    The same rule as the engine's traces use; ``autograd`` keeps its copy private
    (``nn`` imports only autograd's public names), so this is nn's one copy.
    """
    text = format(x, fmt)
    return "0" if text in ("-0", "-0.0") else text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The tour's options, added to ``parser`` (nn/cli.py registers the subcommand).

        >>> p = argparse.ArgumentParser(); add_arguments(p)
        >>> p.parse_args(['--network', 'mlp']).network
        'mlp'
    """
    parser.add_argument("--network", choices=NETWORKS, default="linear-chain",
                        help="which of document 003's networks to walk (default: linear-chain)")
    parser.add_argument("--out", default="out/tour", metavar="DIR",
                        help="where to write one SVG per backward step (default: out/tour)")
    parser.add_argument("--no-svg", action="store_true",
                        help="print only; write no drawings")
    parser.add_argument("--quiz", action="store_true",
                        help="index.html asks for each node's gradient before it shows it, "
                        "and names the mistake in a wrong answer")


def _sig(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def linear_chain(x0: float = LINEAR_CHAIN.x0, y: float = LINEAR_CHAIN.y,
                 w: W3 = LINEAR_CHAIN.w) -> Network:
    """Section I: x1 = w01·x0, x2 = w12·x1, x3 = w23·x2, C = (x3 - y)²/2.

        >>> net = linear_chain(); round(net.C.data, 4)
        1.7372
    """
    n = linear_chain_nodes(x0, y, w)
    X0, w01, w12, w23, x1, x2, x3, C = (n[k] for k in
                                        ("x0", "w01", "w12", "w23", "x1", "x2", "x3", "C"))

    def finish() -> list[Weight]:
        a, b, c = w
        f1 = a * x0
        f2 = b * f1
        f3 = c * f2
        d0 = f3 - y  # δ0 = x3 - y
        d1 = c * d0  # δ1 = w23 δ0
        d2 = b * d1  # δ2 = w12 δ1
        return [
            Weight(w01, f"δ2·x0 = (w12·w23·(x3 - y))·x0 = {number(d2)} × {number(x0)}", d2 * x0),
            Weight(w12, f"δ1·x1 = (w23·(x3 - y))·x1 = {number(d1)} × {number(f1)}", d1 * f1),
            Weight(w23, f"δ0·x2 = (x3 - y)·x2 = {number(d0)} × {number(f2)}", d0 * f2),
        ]

    return Network(
        "document 003, section I: a linear chain",
        ["x1 = w01·x0", "x2 = w12·x1", "x3 = w23·x2", f"C = (x3 - y)²/2 with y = {y:g}",
         "(the engine labels e = x3 - y and e2 = e²)"],
        C,
        [("x0", X0), ("x1 = w01·x0", x1), ("x2 = w12·w01·x0", x2), ("x3 = w23·w12·w01·x0", x3)],
        finish,
    )


def nonlinear_chain(x0: float = 1.5, y: float = 0.2, w: W3 = (0.8, -1.2, 2.0)) -> Network:
    """Section II: p0 = x0, q_i = σ(p_i), p_{i+1} = w_{i,i+1}·q_i, C = (q3 - y)²/2 (σ = sigmoid).

        >>> net = nonlinear_chain(); net.C.label
        'C'
    """
    p0 = Value(x0, label="p0")
    ws = [Value(v, label=n) for v, n in zip(w, ("w01", "w12", "w23"))]
    ps, qs = [p0], []
    for i in range(4):
        q = ps[i].sigmoid()
        q.label = f"q{i}"
        qs.append(q)
        if i < 3:
            p = ws[i] * q
            p.label = f"p{i + 1}"
            ps.append(p)
    e = qs[3] - y
    e.label = "e"
    e2 = e**2
    e2.label = "e2"
    C = e2 / 2
    C.label = "C"

    def finish() -> list[Weight]:
        pf, qf = [x0], [_sig(x0)]
        for i in range(3):
            pf.append(w[i] * qf[i])
            qf.append(_sig(pf[-1]))
        ds = [q * (1 - q) for q in qf]  # σ'(p_i) = q_i (1 - q_i)
        d0 = (qf[3] - y) * ds[3]  # δ0 = (q3 - y) σ3'(p3)
        d1 = d0 * w[2] * ds[2]  # δ1 = δ0 w23 σ2'(p2)
        d2 = d1 * w[1] * ds[1]  # δ2 = δ1 w12 σ1'(p1)
        return [
            Weight(ws[0], f"δ2·q0 = δ1·w12·σ1'(p1)·q0 = {number(d2)} × {number(qf[0])}",
                   d2 * qf[0]),
            Weight(ws[1], f"δ1·q1 = δ0·w23·σ2'(p2)·q1 = {number(d1)} × {number(qf[1])}",
                   d1 * qf[1]),
            Weight(ws[2], f"δ0·q2 = (q3 - y)·σ3'(p3)·q2 = {number(d0)} × {number(qf[2])}",
                   d0 * qf[2]),
        ]

    forward = []
    for i in range(4):
        forward.append((f"p{i}" + (" = x0" if i == 0 else f" = w{i - 1}{i}·q{i - 1}"), ps[i]))
        forward.append((f"q{i} = σ(p{i})", qs[i]))
    return Network(
        "document 003, section II: a chain with a non-linearity σ (sigmoid) at every node",
        ["p0 = x0, q0 = σ(p0)", "p1 = w01·q0, q1 = σ(p1)", "p2 = w12·q1, q2 = σ(p2)",
         "p3 = w23·q2, q3 = σ(p3)", f"C = (q3 - y)²/2 with y = {y:g}"],
        C, forward, finish,
    )


def _dsigma(activation: str, p: float, q: float) -> float:
    return {"tanh": 1 - q * q, "sigmoid": q * (1 - q), "relu": 1.0 if p > 0 else 0.0}.get(
        activation, 1.0)


def mlp(nin: int = 2, nouts: tuple[int, ...] = (3, 1), x: tuple[float, ...] = (0.5, -1.0),
        y: float = 0.5, seed: int = 0) -> Network:
    """Section IV: a small ``nn.MLP`` (tanh hidden layers, linear output), C = (q_L - y)²/2.

        >>> net = mlp(); len(net.finish())  # 2*3 + 3*1 weights
        9
    """
    model = MLP(nin, list(nouts), activation="tanh", seed=seed)
    tr = model.trace(list(x))
    out = tr.output if isinstance(tr.output, Value) else tr.output[0]
    e = out - y
    e.label = "e"
    e2 = e**2
    e2.label = "e2"
    C = e2 / 2
    C.label = "C"
    L = len(model.layers)

    def finish() -> list[Weight]:
        # document 003's recursion on floats: δ_L = (q_L - y) ⊙ σ_L'(p_L),
        # δ_l = (W_{l+1}ᵀ δ_{l+1}) ⊙ σ_l'(p_l), dC/dW_l = δ_l q_{l-1}ᵀ
        p = [[v.data for v in layer] for layer in tr.p]
        q = [[v.data for v in layer] for layer in tr.q]
        acts = [layer.activation for layer in model.layers]
        deltas: list[list[float]] = [[] for _ in range(L + 1)]
        deltas[L] = [(q[L][j] - y) * _dsigma(acts[L - 1], p[L][j], q[L][j])
                     for j in range(len(p[L]))]
        for lay in range(L - 1, 0, -1):
            nxt = model.layers[lay].neurons
            deltas[lay] = [
                sum(n.w[j].data * d for n, d in zip(nxt, deltas[lay + 1]))
                * _dsigma(acts[lay - 1], p[lay][j], q[lay][j])
                for j in range(len(p[lay]))
            ]
        weights = []
        for lay, layer in enumerate(model.layers, 1):
            for j, neuron in enumerate(layer.neurons):
                for k, w in enumerate(neuron.w):
                    d, f = deltas[lay][j], q[lay - 1][k]
                    weights.append(Weight(
                        w, f"δ(p{lay}_{j})·q{lay - 1}_{k} = {number(d)} × {number(f)}", d * f))
        return weights

    forward = []
    for i in range(L + 1):
        for j, (pv, qv) in enumerate(zip(tr.p[i], tr.q[i])):
            if i == 0:  # the inputs: q0 (layer 1 multiplies them), one node with p0 = q0
                forward.append((f"{pv.label} (input)", pv))
            else:
                forward.append((f"p{i}_{j} = w{i}_{j}·q{i - 1} + b{i}_{j}", pv))
            if qv is not pv:
                forward.append((f"q{i}_{j} = σ{i}(p{i}_{j})", qv))
    sizes = "-".join(str(n) for n in (nin, *nouts))
    return Network(
        f"document 003, section IV: an MLP {sizes} (tanh, linear output) on one sample",
        ["p_i = W_{i-1,i}·q_{i-1} + b_i,  q_i = σ_i(p_i)", f"C = (q_L - y)²/2 with y = {y:g}",
         f"x = {list(x)}, seed {seed}"],
        C, forward, finish,
    )


BUILDERS: dict[str, Callable[[], Network]] = {
    "linear-chain": linear_chain, "nonlinear-chain": nonlinear_chain, "mlp": mlp,
}


class _Drawings:
    """Writes the tour's SVGs into ``directory`` (atomically); says once why it cannot."""

    def __init__(self, directory: str | None, say: Callable[[str], None],
                 quiz: bool = False) -> None:
        self.directory = directory
        self.quiz = quiz
        self.say = say
        self.enabled = directory is not None
        self.written: list[str] = []

    def save(self, C: Value, name: str, **kw: Any) -> None:
        if not self.enabled or self.directory is None:
            return
        path = os.path.join(self.directory, name)
        try:
            with replacing(path, "drawing") as tmp:
                render(draw(C, symbols=True, collapse=False, **kw), tmp)
        except (ImportError, RuntimeError) as error:  # no graphviz package, or no `dot`
            self.say(f"(no drawings) {error}")
            self.enabled = False
            return
        self.written.append(path)

    def index(self, net: Network) -> None:
        """index.html beside the SVGs: the step-through of C, with the drawings linked."""
        if not self.enabled or self.directory is None:
            return
        links = [(os.path.basename(p), os.path.basename(p)) for p in self.written]
        page = step_through(net.C, title=net.title, links=links, quiz=self.quiz)
        self.page = page.save(os.path.join(self.directory, "index.html"))

    def summary(self) -> str | None:
        if self.directory is None:
            return None
        shown = printable(self.directory)
        if self.written:
            page = ("index.html: open it in a browser and answer, at each reverse step, the "
                    "node's gradient (a quiz)" if self.quiz else
                    "index.html: open it in a browser to step through both passes")
            return (f"Wrote {len(self.written)} drawings into {shown}/ (step_001.svg "
                    f"... one per backward step, forward.svg, chains_<weight>.svg) and {page}.")
        return f"No drawings written to {shown}/: Graphviz is missing (see above)."


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Walk the chosen network; print to ``out`` (stdout) and draw into ``args.out``.

        >>> import io
        >>> run(argparse.Namespace(network='linear-chain', out=None, no_svg=True), io.StringIO())
        0

    Returns 0 when the documents' formulas and the engine agree, 1 when they do
    not, 2 for an unknown network or an ``--out`` that cannot be written.
    """
    stream = out or sys.stdout

    def say(text: str = "") -> None:
        print(text, file=stream)

    network = getattr(args, "network", "linear-chain")
    if network not in BUILDERS:
        print(f"chaingrad tour: unknown network {network!r}; choose one of "
              f"{', '.join(NETWORKS)}", file=sys.stderr)
        return 2
    directory = None if getattr(args, "no_svg", False) else getattr(args, "out", None)
    if directory is not None:
        try:
            prepare_folder(directory)
        except (OSError, ValueError) as error:
            print(f"chaingrad tour: --out: {error}", file=sys.stderr)
            return 2
    net = BUILDERS[network]()
    drawings = _Drawings(directory, say, bool(getattr(args, "quiz", False)))
    _forward_section(net, say, drawings)
    names = node_names(list(reversed(topo_order(net.C))))
    _reverse_section(net.C, names, say, drawings)
    worst = _weights_section(net, names, say, drawings)
    drawings.index(net)
    verdict = "agree" if worst < 1e-9 else "DISAGREE"
    say()
    say(f"The document's formulas and the engine {verdict} "
        f"(largest relative difference {worst:.2g}).")
    summary = drawings.summary()
    if summary:
        say(summary)
    return 0 if verdict == "agree" else 1


def _forward_section(net: Network, say: Callable[..., None], drawings: _Drawings) -> None:
    say(f"chaingrad tour: {net.title}")
    for eq in net.equations:
        say(f"  {eq}")
    say()
    say("1. Forward chains: what the forward pass computes, inputs first")
    for text, v in net.forward:
        say(f"  {text:<28} = {number(v.data, '.6g')}")
    say(f"  C = {number(net.C.data, '.6g')}")
    say()
    say("   the same graph as assignments (one line per node of the engine):")
    for line in Trace(net.C, grads=False, reverse=False).forward_lines():
        say(f"     {line}")
    drawings.save(net.C, "forward.svg", title="forward pass", grads=False)


def _reverse_section(C: Value, names: dict[Value, str], say: Callable[..., None],
                     drawings: _Drawings) -> None:
    say()
    steps = list(backward_steps(C))
    say(f"2. The reverse pass, one step per node ({len(steps)} steps, backward_steps):")
    say("   each node's grad is the sum, over its consumers, of local derivative × consumer's grad")
    for k, step in enumerate(steps, 1):
        node = step.node
        if not step.contributions:
            say(f"  step {k:>2}: {names[node]}.grad = 1   (the seed: dC/dC)")
        else:
            terms = " + ".join(
                f"{edge_symbol(c.consumer, c.index, names)}·{names[c.consumer]}.grad"
                for c in step.contributions
            )
            nums = " + ".join(f"{number(c.local)} × {number(c.consumer_grad)}"
                              for c in step.contributions)
            say(f"  step {k:>2}: {names[node]}.grad = {terms}")
            say(f"           = {nums} = {number(step.grad)}")  # one precision in a line
        drawings.save(C, f"step_{k:03d}.svg", step=k)
    say()


def _weights_section(net: Network, names: dict[Value, str], say: Callable[..., None],
                     drawings: _Drawings) -> float:
    """Each weight's gradient three ways; returns the largest relative disagreement."""
    weights = net.finish()
    say("3. Each weight's gradient = backward chain × forward chain (δ × q)")
    worst = 0.0
    for wt in weights:
        w = wt.value
        e = explain(net.C, w, paths=True, max_paths=1000) if len(weights) <= 12 else \
            explain(net.C, w, paths=False)
        name = names[w]
        say(f"  dC/d{name}")
        say(f"    document 003 : {wt.doc_formula} = {number(wt.doc_number)}")
        for s in e.split:
            say(f"    engine δ × q : δ({s.delta_name}) × {s.forward_symbol} = "
                f"{number(s.delta, '.6g')} × {number(s.forward, '.6g')} = "
                f"{number(s.product, '.6g')}")
        if e.paths:
            say(f"    as one path  : {' · '.join(sym for sym, _ in e.paths[0].factors)}"
                if len(e.paths) == 1 else f"    as {len(e.paths)} paths of local derivatives")
        say(f"    engine grad  : {name}.grad = {number(w.grad, '.6g')}")
        worst = max(worst, abs(w.grad - wt.doc_number) / max(1.0, abs(wt.doc_number)))
        safe = "".join(ch if ch.isalnum() or ch in "_-" else "_" for ch in name)
        drawings.save(net.C, f"chains_{safe}.svg", highlight=w)
    return worst


def main(argv: list[str] | None = None) -> int:
    """Run the tour on its own: ``python -m nn.tour --network mlp``."""
    parser = argparse.ArgumentParser(prog="chaingrad tour", description=__doc__.split("\n")[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
