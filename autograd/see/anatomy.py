"""The anatomy of a graph: a weight's two chains, and the neurons and layers in it.

    >>> from autograd import Value, dot
    >>> x = [Value(1.0, label='x0'), Value(0.5, label='x1')]
    >>> q = (dot([Value(0.2), Value(-0.3)], x, Value(0.1))).tanh()
    >>> [(n.activation, n.layer, len(n.inputs)) for n in find_neurons(q)]
    [('tanh', 1, 2)]

Both read only the structure of the graph (ops, parents, local derivatives),
never ``.grad``: the drawings use them to colour a weight's chains
(``draw(highlight=w)``) and to collapse a network into one box per neuron,
grouped by layer (``draw(collapse=True)``). Each costs one topological order
and O(1) per edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..graph import topo_order
from ..ops import dot_parts
from ..value import Value
from .display import label_text
from .trace import arg_positions

__all__ = ["chain_nodes", "find_neurons", "NeuronGroup"]



def chain_nodes(root: Value, wrt: Value) -> tuple[set[Value], set[Value]]:
    """The nodes of w's forward chain and of its backward chain, as ``highlight`` colours them.

        >>> x = Value(2.0); w = Value(3.0); C = (w * x).tanh(); f, b = chain_nodes(C, w)
        >>> f == {x}, len(b)
        (True, 2)

    Forward chain: the other inputs of every node ``wrt`` feeds (its
    consumers), with everything they were computed from (``wrt`` excluded).
    Backward chain: every node on a path from a consumer up to ``root``,
    consumers and root included. A node in both counts as backward.
    """
    order = topo_order(root)
    consumers = [n for n in order if any(p is wrt for p in n.parents)]
    backward = set(consumers)
    for node in reversed(order):  # inputs first: a node joins once a parent has
        if node not in backward and not backward.isdisjoint(node.parents):
            backward.add(node)
    stack = [p for c in consumers for p in c.parents if p is not wrt]
    forward: set[Value] = set()
    while stack:
        node = stack.pop()
        if node in forward or node is wrt:
            continue
        forward.add(node)
        stack.extend(node.parents)
    return forward - backward, backward


@dataclass
class NeuronGroup:
    """The nodes of one neuron found in a graph: ``dot(w, q, b)`` or ``dot(w, q)`` [+ bias],
    [→ activation].

    ``members``: the nodes it stands for (its weights and bias when nothing
    else uses them); ``out``: its output node; ``layer``: 1 + the layer of
    the deepest neuron feeding it (inputs are layer 0). (``nn.Neuron`` is the
    module that builds such nodes; this is what a drawing finds of it.)
    """

    dot: Value
    out: Value
    pre: Value  # the documents' p: the dot itself, or its bias add when the bias is apart
    members: list[Value]
    weights: list[Value]
    inputs: list[Value]
    activation: str
    layer: int = 0
    index: int = 0  # place within its layer
    name: str = field(default="")

    def call(self, p: str) -> str:
        """Its activation applied to ``p``, with the numbers folded into the activation
        node: ``tanh(p)``, ``leaky_relu(p, 0.2)``, ``elu(p, 1)``.

            >>> v = Value(1.0); n = NeuronGroup(v, v.leaky_relu(0.2), v, [], [], [], "leaky_relu")
            >>> n.call("w·q + b")
            'leaky_relu(w·q + b, 0.2)'
        """
        extra = [] if self.out is self.pre else [_argument_text(a) for a in self.out.args[1:]]
        return f"{self.activation}({', '.join([p, *extra])})"


def _argument_text(a: object) -> str:
    """An activation's own argument as a neuron's box names it: a number as Python writes
    it (0.123456789, as nn names the activation), a Value slope (PReLU) by its label."""
    if isinstance(a, Value):
        return label_text(a.label) if a.label else f"Value({a.data!r})"
    return repr(float(a))  # type: ignore[arg-type]


def find_neurons(root: Value, order: list[Value] | None = None) -> list[NeuronGroup]:
    """Every ``dot`` node with its bias and activation, layers numbered from the inputs.

        >>> from autograd import dot
        >>> w = [Value(1.0), Value(2.0)]; n = (dot(w, [Value(1.0), Value(0.5)]) + Value(0.1)).tanh()
        >>> [(x.activation, x.layer, len(x.members)) for x in find_neurons(n)]
        [('tanh', 1, 6)]

    A dot whose weights are not all leaves (``dot(d, d)`` in a loss) is no
    neuron. Linear in the nodes and edges of the graph.
    """
    order = topo_order(root) if order is None else order
    consumers = _Consumers(order)
    neurons: list[NeuronGroup] = []
    neuron_of: dict[Value, NeuronGroup] = {}
    for node in reversed(order):  # inputs first
        if node.op != "dot" or node in neuron_of:
            continue
        neuron = _neuron_at(node, consumers)
        if neuron is None:
            continue
        for m in neuron.members:
            neuron_of[m] = neuron
        neurons.append(neuron)
    _number_layers(order, neuron_of)
    _name(neurons)
    return neurons


class _Consumers:
    """Each node's consumers: ``only(node)`` is its one consumer, or None."""

    def __init__(self, order: list[Value]) -> None:
        self.of: dict[Value, list[Value]] = {}
        for node in order:
            for parent in node.parents:
                self.of.setdefault(parent, []).append(node)

    def only(self, node: Value) -> Value | None:
        consumers = self.of.get(node, [])
        return consumers[0] if len(consumers) == 1 else None


def _neuron_at(node: Value, consumers: _Consumers) -> NeuronGroup | None:
    """The neuron whose ``dot`` is ``node``: its bias, its activation, its own members."""
    ws, _, bias = dot_parts(node.args)
    n_w = len(ws)
    positions = arg_positions(node)
    weights = [p for p, i in zip(node.parents, positions) if i < n_w]
    inputs = [p for p, i in zip(node.parents, positions) if n_w <= i < 2 * n_w]
    if not weights or any(w.parents for w in weights):
        return None  # a neuron's weights are parameters (leaves); dot(d, d) in a loss is not one
    members = [node]
    out = pre = node
    add = consumers.only(node)
    if bias is not None:  # dot(w, q, b): the bias is in the node, p = w·q + b
        if isinstance(bias, Value) and not bias.parents and consumers.only(bias) is node:
            members.append(bias)
        elif isinstance(bias, Value) and bias.parents:
            inputs.append(bias)  # a computed bias feeds the neuron like an input
    elif add is not None and add.op in ("+", "sum"):
        others = [p for p in add.parents if p is not node]
        if all(not p.parents for p in others):
            members.append(add)
            members += [p for p in others if consumers.only(p) is add]
            out = pre = add
    act = consumers.only(out)
    activation = "identity"
    if act is not None and act.primitive is not None and act.primitive.activation:
        members.append(act)
        out = act
        activation = act.op
    members += [w for w in weights if not w.parents and consumers.only(w) is node]
    return NeuronGroup(node, out, pre, members, weights, inputs, activation)


def _number_layers(order: list[Value], neuron_of: dict[Value, NeuronGroup]) -> None:
    """Layer of a neuron: 1 + the deepest layer among its inputs (inputs are layer 0)."""
    level: dict[Value, int] = {}
    for node in reversed(order):  # inputs first
        neuron = neuron_of.get(node)
        if neuron is not None and node is neuron.dot:
            neuron.layer = 1 + max((level.get(x, 0) for x in neuron.inputs), default=0)
        if neuron is not None:
            level[node] = neuron.layer
        else:
            level[node] = max((level.get(p, 0) for p in node.parents), default=0)


def _name(neurons: list[NeuronGroup]) -> None:
    """Each neuron's place in its layer, and its name: a label, nn's bias label, or L<l>.<i>."""
    counts: dict[int, int] = {}
    for neuron in neurons:
        neuron.index = counts.get(neuron.layer, 0)
        counts[neuron.layer] = neuron.index + 1
        label = (label_text(neuron.out.label) or label_text(neuron.pre.label)
                 or label_text(neuron.dot.label))
        if not label:  # nn labels biases b{L}_{j}
            bias = _bias(neuron)
            bias_label = label_text(bias.label) if bias is not None else ""
            if bias_label[:1] == "b" and len(bias_label) > 1:
                label = "neuron " + bias_label[1:]
        neuron.name = label or f"L{neuron.layer}.{neuron.index}"


def _bias(neuron: NeuronGroup) -> Value | None:
    """The neuron's bias Value: dot's last argument, or the other operand of its bias add."""
    bias = dot_parts(neuron.dot.args)[2]
    if bias is None:
        others = [p for p in neuron.pre.parents if p is not neuron.dot]
        bias = others[0] if neuron.pre is not neuron.dot and len(others) == 1 else None
    return bias if isinstance(bias, Value) else None
