"""Check a hand derivation: the first wrong step, and the mistake that made it.

A learner derives d root / d node by hand for some nodes (and, if they like,
the local derivatives d consumer / d node on some edges). ``check_derivation``
computes the true numbers in a pass of its own (no ``.grad`` is read or
written), walks the graph in the reverse pass's order and stops at the first
given number that is wrong. Every consumer of a node comes before it in that
order, so that node's consumers, where given, are right: it is where the
mistake was made, not where it spread to.

    >>> from autograd import Value
    >>> w = Value(0.5, label='w'); x = Value(2.0, label='x')
    >>> p = w * x; p.label = 'p'; q = p.tanh(); q.label = 'q'
    >>> r = check_derivation(q, {'w': (1 - p.data ** 2) * x.data})   # 1 - p², not 1 - q²
    >>> r.ok, r.first_wrong.label, r.mistake, r.says
    (False, 'w', 'wrong_local', "1 - p²: tanh' reads the output, 1 - q²")

The mistake is found by trying the known ones on the edges into the wrong
node, with its consumers' numbers (the learner's where given, else the true
ones), strictest first:

1. ``wrong_local``: one of the consumer op's typical wrong local derivatives
   (its table entry's ``mistakes``: one op, one place), times the consumer's δ,
   plus the other edges' shares;
2. ``missed_path``: the shares of some of the node's consumers only (``=``
   where backward has ``+=``);
3. ``no_chain``: a local derivative alone, not multiplied by the consumer's δ;
4. ``sign``: the negative of the right number;
5. ``factor``: the right number times 2, ½, m or 1/m (m: a batch size the
   graph shows, a mean's 1/m or a sum's number of terms);
6. ``unknown``: none of these.

When the learner skipped steps (gave d C/d w but not the δ above it), the
same mistakes are tried in each step between w and the numbers given above
it: a step off by Δ puts Δ × d step/d w into w's number.

Ties go to the earlier kind (a table mistake names a misconception, so it is
the most specific: the node's own, then one in an unwritten step above), then
the node's own missed path, sign, factor and dropped chain (a chain dropped
through a consumer whose δ is -1 or 1/m is also a sign or a factor, which say
more), then a missed path or a dropped chain in an unwritten step; within a
kind, to the edge that comes first among the node's consumers in the walk,
then to the mistake listed first in the table. Each candidate is matched
twice: first to ``rel`` (a number computed exactly), then to the precision
the learner typed (0.31 stands for anything in [0.305, 0.315), at most 5%
off), so that a number rounded by hand is still diagnosed.
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..backward import reverse_pass
from ..display import label_text, number
from ..graph import paused_collector, topo_order
from ..ops import CODE_NAMES, OPS, Mistake
from ..trace import arg_positions, edge_symbols, node_names
from ..value import Value

__all__ = ["DerivationError", "DerivationReport", "assert_derivation", "check_derivation"]

MISTAKES = ("wrong_local", "missed_path", "no_chain", "sign", "factor", "unknown")
"""The mistake codes, in the order ties are decided (the most specific first)."""

_ABS_TOL = 1e-12  # a hand number this close to a true 0 is 0
_ROUNDED_CAP = 0.05  # a number typed with few digits matches at most 5% off
_MAX_SUBSETS = 12  # consumers up to which every subset of paths is tried


class DerivationError(AssertionError):
    """A hand derivation with a wrong step; ``.report`` holds the whole report.

    An AssertionError, so that pytest shows it as a failed assertion."""

    def __init__(self, report: DerivationReport) -> None:
        super().__init__(str(report))
        self.report = report


@dataclass
class DerivationReport:
    """What ``check_derivation`` found. ``bool(report)`` is ``report.ok``.

    ``first_wrong`` is the node whose hand number (or an edge into which) is
    wrong; ``expected`` and ``given`` are the true and the hand number (of the
    edge's local derivative when the wrong number is an edge's); ``mistake`` is
    one of ``MISTAKES`` (None when ok); ``diagnosis`` says what went wrong, with
    the node's name, its op and the numbers; ``says`` is the table's phrase
    for a ``wrong_local`` mistake; ``edge`` is (consumer, node) when the wrong
    number was an edge's; ``checked`` counts the hand numbers compared.
    """

    ok: bool
    first_wrong: Value | None = None
    expected: float | None = None
    given: float | None = None
    mistake: str | None = None
    diagnosis: str = ""
    name: str = ""
    says: str | None = None
    edge: tuple[Value, Value] | None = None
    checked: int = 0
    root_name: str = field(default="root", repr=False)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return (f"derivation of {self.root_name} right: {self.checked} hand number"
                    f"{'' if self.checked == 1 else 's'} checked, each equal to the engine's")
        what = (f"d{self.name_of(self.edge[0])}/d{self.name}" if self.edge
                else f"d{self.root_name}/d{self.name}")
        return (
            f"derivation of {self.root_name} wrong at {self.name} (mistake: {self.mistake})\n"
            f"  {what}: expected {number(self.expected, '.6g')}, "
            f"given {number(self.given, '.6g')}\n  {self.diagnosis}"
        )

    def name_of(self, node: Value) -> str:
        return self._names.get(node, label_text(node.label) or "?")

    _names: dict = field(default_factory=dict, repr=False)


def check_derivation(root: Value, hand: Mapping[Any, Any], *, rel: float = 1e-6
                     ) -> DerivationReport:
    """Compare a hand derivation with the engine's, and name its first wrong step.

    ``hand`` maps nodes (Values, or labels) to the learner's d root / d node,
    and edges ``(consumer, node)`` to the learner's d consumer / d node (for a
    node a consumer uses twice, as in ``x * x``, the edge's total: the sum over
    both uses). Numbers are compared to ``rel`` relative (and 1e-12 absolute
    for a true 0). No ``.grad`` is read or written.

        >>> from autograd import Value
        >>> x = Value(3.0, label='x'); y = x * x; y.label = 'y'
        >>> check_derivation(y, {'x': 6.0}).ok
        True
        >>> r = check_derivation(y, {'x': 3.0}); r.mistake   # = for +=: one use of x
        'missed_path'
    """
    graph = _Graph(root, rel)
    nodes, edges = graph.parse(hand)
    for node in graph.order:
        for consumer, j in graph.users.get(node, ()):
            if (consumer, node) in edges and j == graph.first_use(consumer, node):
                given = edges[(consumer, node)]
                if not graph.close(given, graph.edge_local(consumer, node)):
                    return graph.edge_report(consumer, node, given, len(nodes) + len(edges))
        if node in nodes and not graph.close(nodes[node], graph.truth[node]):
            return graph.node_report(node, nodes, len(nodes) + len(edges))
    return DerivationReport(True, checked=len(nodes) + len(edges), root_name=graph.names[root],
                            _names=graph.names)


def assert_derivation(root: Value, hand: Mapping[Any, Any], *, rel: float = 1e-6) -> None:
    """Raise ``DerivationError`` (an AssertionError) with the report when a step is wrong.

        >>> from autograd import Value
        >>> x = Value(3.0, label='x'); assert_derivation(x * x, {'x': 6.0})
    """
    __tracebackhide__ = True  # pytest shows the test's line, not this module's
    report = check_derivation(root, hand, rel=rel)
    if not report.ok:
        raise DerivationError(report)


# -- the graph as the checker reads it ------------------------------------------------


@dataclass
class _Candidate:
    """One way the learner may have got their number."""

    kind: str
    value: float
    text: str
    says: str | None = None


class _Graph:
    """The root's graph: its order, names, true gradients and the users of each node."""

    def __init__(self, root: Any, rel: Any) -> None:
        if not isinstance(root, Value):
            raise TypeError(f"check_derivation: root must be a Value, got {type(root).__name__}")
        if isinstance(rel, bool) or not isinstance(rel, numbers.Real) or not (
                0.0 <= float(rel) < 1.0):
            raise ValueError(f"check_derivation: rel must be a number in [0, 1), got {rel!r}")
        self.rel = float(rel)
        self.root = root
        self.order = topo_order(root)  # every consumer before the nodes it uses
        self.names = node_names(self.order[::-1])
        with paused_collector():
            self.truth = reverse_pass(root, 1.0, "check_derivation")
        self.users: dict[Value, list[tuple[Value, int]]] = {}
        for node in self.order:
            for j, parent in enumerate(node.parents):
                self.users.setdefault(parent, []).append((node, j))
        self.batch = _batch_sizes(self.order)

    def close(self, given: float, expected: float, tol: float | None = None) -> bool:
        if tol is None:
            return math.isclose(given, expected, rel_tol=self.rel, abs_tol=_ABS_TOL)
        return abs(given - expected) <= tol

    def first_use(self, consumer: Value, node: Value) -> int:
        return next(j for j, p in enumerate(consumer.parents) if p is node)

    def edge_local(self, consumer: Value, node: Value) -> float:
        """d consumer / d node: the sum over the edges (x * x has two)."""
        return math.fsum(lg for p, lg in zip(consumer.parents, consumer.local_grads)
                         if p is node)

    # -- reading the learner's numbers --------------------------------------------
    def parse(self, hand: Any) -> tuple[dict[Value, float], dict[tuple[Value, Value], float]]:
        if not isinstance(hand, Mapping):
            raise TypeError("check_derivation: hand must be a dict of node (a Value or a "
                            f"label) -> number, got {type(hand).__name__}")
        labels: dict[str, list[Value]] = {}
        for node in self.order:
            labels.setdefault(label_text(node.label), []).append(node)
        nodes: dict[Value, float] = {}
        edges: dict[tuple[Value, Value], float] = {}
        for key, raw in hand.items():
            if isinstance(key, tuple):
                edge = self._edge(key, labels)
                _once(edges, edge, _number(raw, key), key)
            else:
                _once(nodes, self._node(key, labels), _number(raw, key), key)
        return nodes, edges

    def _node(self, key: Any, labels: dict[str, list[Value]]) -> Value:
        if isinstance(key, Value):
            if key not in self.truth:
                raise ValueError(
                    f"check_derivation: the Value {key!r} is not in the graph of "
                    f"{self.names[self.root]} (a Value of another graph, or one the root "
                    "does not depend on)")
            return key
        if not isinstance(key, str):
            raise TypeError("check_derivation: a key of hand must be a Value, a label (str) "
                            f"or a (consumer, node) pair, got {type(key).__name__} {key!r}")
        found = labels.get(key, []) if key else []
        if not found:
            known = sorted(k for k in labels if k)
            shown = ", ".join(map(repr, known[:20])) + (" ..." if len(known) > 20 else "")
            raise ValueError(f"check_derivation: no node labelled {key!r} in the graph of "
                             f"{self.names[self.root]}; its labels: {shown or 'none'}")
        if len(found) > 1:
            raise ValueError(
                f"check_derivation: the label {key!r} is ambiguous: {len(found)} nodes of "
                "the graph carry it (data " + ", ".join(number(n.data) for n in found[:5])
                + "); pass the Value itself as the key")
        return found[0]

    def _edge(self, key: tuple, labels: dict[str, list[Value]]) -> tuple[Value, Value]:
        if len(key) != 2:
            raise ValueError(f"check_derivation: an edge is a (consumer, node) pair, got {key!r}")
        consumer, node = self._node(key[0], labels), self._node(key[1], labels)
        if not any(p is node for p in consumer.parents):
            raise ValueError(
                f"check_derivation: there is no edge {self.names[consumer]} ← "
                f"{self.names[node]}: {self.names[node]} is not an input of "
                f"{self.names[consumer]} (op {consumer.op or 'leaf'!r})")
        return consumer, node

    # -- what the learner's numbers stand on -----------------------------------------
    def edges_in(self, node: Value, nodes: dict[Value, float]) -> list[tuple]:
        """(consumer, j, local, delta) for each edge into ``node``, with the consumer's δ
        the learner's where given (it is right: we stop at the first wrong one)."""
        out = []
        for consumer, j in self.users.get(node, ()):
            delta = nodes.get(consumer, self.truth[consumer])
            out.append((consumer, j, consumer.local_grads[j], delta))
        return out

    def describe(self, node: Value) -> str:
        """``p₂ (op '+', data 0.75)``."""
        op = f"op {node.op!r}" if node.op else "a leaf"
        return f"{self.names[node]} ({op}, data {number(node.data)})"

    def formula(self, consumer: Value, j: int, mistake: Mistake) -> str:
        """The wrong local derivative written with the node's names: ``1 - p₂·p₂``."""
        texts = [self.names[a] if isinstance(a, Value) else number(a) for a in consumer.args]
        prim = OPS[consumer.op]
        if prim.nary:
            _, own, partner = _nary_place(prim.name, len(texts), arg_positions(consumer)[j])
            texts = [texts[own], "0" if partner is None else texts[partner]]
        text = mistake.code.format(*texts, out=self.names[consumer])
        for a, b in ((" * ", "·"), ("1.0", "1"), ("0.0", "0"), (" ** ", "^")):
            text = text.replace(a, b)
        return text

    def symbol(self, consumer: Value, j: int) -> str:
        return edge_symbols(consumer, self.names)[j]

    # -- reports -----------------------------------------------------------------------
    def node_report(self, node: Value, nodes: dict[Value, float], checked: int
                    ) -> DerivationReport:
        given, expected = nodes[node], self.truth[node]
        found = self.diagnose(node, given, expected, nodes)
        head = (f"δ for {self.describe(node)} = d{self.names[self.root]}/d{self.names[node]}: "
                f"you gave {number(given, '.6g')}, the engine {number(expected, '.6g')}. ")
        text = head + found.text + self.split_text(node, nodes)
        return DerivationReport(False, node, expected, given, found.kind, text,
                                self.names[node], found.says, None, checked,
                                self.names[self.root], self.names)

    def edge_report(self, consumer: Value, node: Value, given: float, checked: int
                    ) -> DerivationReport:
        expected = self.edge_local(consumer, node)
        j = self.first_use(consumer, node)
        kind, says, text = "wrong_local", None, ""
        for mistake, wrong in _mistakes(consumer, j):
            if self.close(given, wrong) and not self.close(wrong, expected):
                says = mistake.says
                text = f"you used {self.formula(consumer, j, mistake)} ({says})."
                break
        else:
            if self.close(given, -expected):
                kind, text = "sign", "the negative of the right local derivative: a lost minus."
            else:
                text = "a local derivative taken wrongly (none of the op's known mistakes)."
        where = (f"d{self.names[consumer]}/d{self.names[node]}, the local derivative of the "
                 f"{consumer.op} node {self.names[consumer]} with respect to its input "
                 f"{self.describe(node)}: {self.symbol(consumer, j)} = {number(expected, '.6g')}"
                 f", you gave {number(given, '.6g')}: ")
        return DerivationReport(False, node, expected, given, kind, where + text,
                                self.names[node], says, (consumer, node), checked,
                                self.names[self.root], self.names)

    def split_text(self, node: Value, nodes: dict[Value, float]) -> str:
        """For a weight (a leaf that a '*' or 'dot' uses): its gradient as δ × q."""
        if node.op:
            return ""
        parts = []
        for consumer, j, local, delta in self.edges_in(node, nodes):
            if consumer.op in ("*", "dot"):
                parts.append(f"δ({self.names[consumer]}) × {self.symbol(consumer, j)} = "
                             f"{number(delta)} × {number(local)} = {number(delta * local)}")
        if not parts:
            return ""
        return (f" As backward chain × forward chain: d{self.names[self.root]}/"
                f"d{self.names[node]} = " + " + ".join(parts) + ".")

    # -- the mistakes tried ------------------------------------------------------------
    def diagnose(self, node: Value, given: float, expected: float,
                 nodes: dict[Value, float]) -> _Candidate:
        own = list(self.candidates(node, expected, nodes))
        above = self.candidates_above(node, nodes)
        # the order ties are decided in: a table mistake names a misconception, here or
        # in a step above; then the node's own missed path, sign and factor (a chain
        # dropped through a consumer whose δ is -1, 2 or 1/m is also a sign or a factor,
        # and those say more); then its own dropped chain; last, a path missed or a
        # chain dropped in a step the learner did not write down
        groups = [(own, "wrong_local"), (above, "wrong_local")]
        groups += [(own, kind) for kind in ("missed_path", "sign", "factor", "no_chain")]
        groups += [(above, "missed_path"), (above, "no_chain")]
        for tol in (None, _typed_tolerance(given, self.rel)):
            for candidates, kind in groups:
                for c in candidates:
                    if c.kind == kind and self.close(given, c.value, tol):
                        return c
        if self.close(given, expected, _typed_tolerance(given, self.rel)):
            return _Candidate("unknown", expected, (
                f"That is the right number rounded; the check compares to rel={self.rel:g}: "
                "type more digits, or pass a larger rel."))
        return _Candidate("unknown", expected, self.unknown_text(node, nodes))

    def candidates(self, node: Value, expected: float, nodes: dict[Value, float]
                   ) -> Iterator[_Candidate]:
        edges = self.edges_in(node, nodes)
        shares = [local * delta for _, _, local, delta in edges]
        yield from self.wrong_locals(node, edges, shares)
        yield from self.missed_paths(node, edges, shares)
        yield from self.no_chains(node, edges, shares)
        yield _Candidate("sign", -expected, (
            "That is the negative of the right number: a minus lost on the way "
            f"({self.route(node)})."))
        for factor, why in self.factors():
            yield _Candidate("factor", factor * expected, (
                f"That is {why} times the right number: off by a constant factor."))

    def candidates_above(self, node: Value, nodes: dict[Value, float]) -> list[_Candidate]:
        """The mistakes at the steps above ``node`` that the learner did not write down.

        A step m between the given numbers and ``node`` that is off by Δ puts
        Δ × dm/d node into node's number (the chain rule is linear in δ). Only
        steps whose error reaches no other given number are tried: those are
        right, so a mistake above them would show there first.
        """
        region = self.unwritten_above(node, nodes)
        if not region:
            return []
        reach = self.sensitivities(node)
        found = []
        for m in self.order:  # the steps nearest the root first
            if m not in region or not reach.get(m):
                continue
            for c in self.candidates(m, self.truth[m], nodes):
                if c.kind in ("sign", "factor"):
                    continue  # at node they are node's own sign and factor
                implied = self.truth[node] + (c.value - self.truth[m]) * reach[m]
                text = (f"The mistake is in a step you did not write down, at "
                        f"{self.describe(m)} above it: {c.text} It reaches "
                        f"{self.names[node]} multiplied by d{self.names[m]}/d{self.names[node]}"
                        f" = {number(reach[m])}.")
                found.append(_Candidate(c.kind, implied, text, c.says))
        return found

    def unwritten_above(self, node: Value, nodes: dict[Value, float]) -> set[Value]:
        """The nodes above ``node`` (its consumers, theirs ...) with no hand number and
        no path down to another given number."""
        above: set[Value] = {node}
        others: set[Value] = {n for n in nodes if n is not node}
        for m in reversed(self.order):  # inputs first
            parents = m.parents
            if m not in nodes and not above.isdisjoint(parents):
                above.add(m)
            if not others.isdisjoint(parents):
                others.add(m)
        above.discard(node)
        return above - others

    def sensitivities(self, node: Value) -> dict[Value, float]:
        """d m / d node for every m above node: forward mode from node, inputs first."""
        reach = {node: 1.0}
        for m in reversed(self.order):
            total = 0.0
            hit = False
            for parent, local in zip(m.parents, m.local_grads):
                if parent in reach:
                    total += local * reach[parent]
                    hit = True
            if hit and m is not node:
                reach[m] = total
        return reach

    def wrong_locals(self, node: Value, edges: list, shares: list) -> Iterator[_Candidate]:
        for k, (consumer, j, local, delta) in enumerate(edges):
            rest = math.fsum(shares[:k] + shares[k + 1:])
            for mistake, wrong in _mistakes(consumer, j):
                if self.close(wrong, local):
                    continue  # the mistake gives the right number here: it says nothing
                text = (
                    f"For d{self.names[consumer]}/d{self.names[node]}, the {consumer.op} node "
                    f"{self.names[consumer]}'s local derivative, you used "
                    f"{self.formula(consumer, j, mistake)} = {number(wrong)} ({mistake.says}); "
                    f"the right one is {self.symbol(consumer, j)} = {number(local)}. The share "
                    "through "
                    f"{self.names[consumer]} is {number(local)} × δ({self.names[consumer]}) "
                    f"{number(delta)} = {number(local * delta)}.")
                yield _Candidate("wrong_local", rest + wrong * delta, text, mistake.says)

    def missed_paths(self, node: Value, edges: list, shares: list) -> Iterator[_Candidate]:
        n = len(edges)
        if n < 2:
            return
        terms = [f"{self.names[c]}: {self.symbol(c, j)} × δ({self.names[c]}) = "
                 f"{number(local)} × {number(delta)} = {number(local * delta)}"
                 for c, j, local, delta in edges]
        for subset in _strict_subsets(n):
            kept = ", ".join(self.names[edges[i][0]] for i in subset)
            yield _Candidate("missed_path", math.fsum(shares[i] for i in subset), (
                f"{self.names[node]} is used {n} times; its gradient is the sum of the "
                f"shares of all its uses ({'; '.join(terms)}). You kept the share of "
                f"{kept} only: `=` where backward has `+=`."))

    def no_chains(self, node: Value, edges: list, shares: list) -> Iterator[_Candidate]:
        for k, (consumer, j, local, delta) in enumerate(edges):
            if self.close(delta, 1.0):
                continue  # × 1 changes nothing
            rest = math.fsum(shares[:k] + shares[k + 1:])
            yield _Candidate("no_chain", rest + local, (
                f"You gave the local derivative d{self.names[consumer]}/d{self.names[node]} = "
                f"{self.symbol(consumer, j)} = {number(local)} alone; the chain rule "
                f"multiplies it by δ({self.names[consumer]}) = {number(delta)}: "
                f"{number(local)} × {number(delta)} = {number(local * delta)}."))
        if len(edges) > 1:
            yield _Candidate("no_chain", math.fsum(e[2] for e in edges), (
                "You summed the local derivatives of its uses alone; the chain rule "
                "multiplies each by its consumer's δ."))

    def factors(self) -> list[tuple[float, str]]:
        found = [(2.0, "2 (a ½ forgotten, as the ½ of a squared error)"),
                 (0.5, "½ (a 2 forgotten, as the 2 of a square's 2x)")]
        for m in self.batch:
            if m != 2:
                found += [(float(m), f"m = {m} (a 1/m of a mean over {m} terms forgotten)"),
                          (1.0 / m, f"1/m = 1/{m} (divided by the batch size {m} once more)")]
        return found

    def route(self, node: Value) -> str:
        steps = [f"{self.names[c]} ({c.op}): {self.symbol(c, j)} = {number(local)}"
                 for c, j, local, _ in self.edges_in(node, {})]
        return "the local derivatives into it: " + "; ".join(steps) if steps else "the seed"

    def unknown_text(self, node: Value, nodes: dict[Value, float]) -> str:
        edges = self.edges_in(node, nodes)
        if not edges:
            return "The seed d root/d root is 1."
        terms = " + ".join(f"{self.symbol(c, j)} × δ({self.names[c]}) [{number(local)} × "
                           f"{number(delta)}]" for c, j, local, delta in edges)
        return (f"It is {terms}; none of the known mistakes (a wrong local derivative, a "
                "missed path, no chain, a sign, a constant factor) gives your number.")


# -- helpers ----------------------------------------------------------------------------


def _number(raw: Any, key: Any) -> float:
    """A learner's number as a finite float, or the error that names its key."""
    name = key if isinstance(key, str) else (label_text(getattr(key, "label", "")) or repr(key))
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        hint = " (a bool is no number: write 1.0 or 0.0)" if isinstance(raw, bool) else ""
        raise TypeError(f"check_derivation: the hand number for {name} must be a number, got "
                        f"{type(raw).__name__} {raw!r}{hint}")
    value = float(raw)
    if not math.isfinite(value):
        raise ValueError(f"check_derivation: the hand number for {name} is {value}; a "
                         "derivative to check must be a finite number")
    return value


def _once(found: dict, key: Any, value: float, raw_key: Any) -> None:
    if key in found:
        raise ValueError(f"check_derivation: {raw_key!r} names a node (or edge) given twice "
                         "in hand (by its Value and by its label?)")
    found[key] = value


def _mistakes(consumer: Value, j: int) -> Iterator[tuple[Mistake, float]]:
    """The consumer op's typical wrong local derivatives for its parent j, evaluated."""
    prim = OPS.get(consumer.op)
    if prim is None or not prim.mistakes:
        return
    args = [a.data if isinstance(a, Value) else float(a) for a in consumer.args]
    i = arg_positions(consumer)[j]
    if prim.nary:
        which, own, partner = _nary_place(prim.name, len(args), i)
        texts = [repr(args[own]), repr(0.0 if partner is None else args[partner])]
    else:
        which, texts = i, [repr(a) for a in args]
    space = {**CODE_NAMES, **{p.name: p.forward for p in OPS.values() if p.name.isidentifier()}}
    space["__builtins__"] = {}
    for mistake in prim.mistakes:
        if mistake.input != which:
            continue
        code = mistake.code.format(*(f"({t})" for t in texts), out=f"({consumer.data!r})")
        try:
            wrong = float(eval(code, space))  # noqa: S307 - the table's own templates
        except (ArithmeticError, ValueError):
            continue  # the wrong formula has no value here (log of a negative ...)
        if math.isfinite(wrong):
            yield mistake, wrong


def _nary_place(name: str, n_args: int, i: int) -> tuple[int, int, int | None]:
    """For an n-ary op's argument i: (0 a weight, 1 an input, 2 the bias; i; the position
    of its partner, the qᵢ of a weight wᵢ and the wᵢ of an input qᵢ, or None)."""
    if name != "dot":
        return 0, i, None
    n = n_args // 2
    if i < n:
        return 0, i, n + i
    if i < 2 * n:
        return 1, i, i - n
    return 2, i, None


def _strict_subsets(n: int) -> Iterator[tuple[int, ...]]:
    """Nonempty strict subsets of range(n): all of them up to _MAX_SUBSETS uses, else
    each use alone and all but one (the `=` for `+=` keeps the first or the last)."""
    if n <= _MAX_SUBSETS:
        for size in range(1, n):
            yield from itertools.combinations(range(n), size)
        return
    for k in range(n):
        yield (k,)
    for k in range(n):
        yield tuple(i for i in range(n) if i != k)


def _typed_tolerance(given: float, rel: float) -> float:
    """Half a unit in the last digit the learner typed (0.31 → 0.005), at most 5%."""
    exponent = Decimal(repr(given)).as_tuple().exponent
    half = 0.5 * 10.0 ** exponent if isinstance(exponent, int) else 0.0
    return max(min(half, _ROUNDED_CAP * abs(given)), rel * abs(given), _ABS_TOL)


def _batch_sizes(order: list[Value]) -> list[int]:
    """The m of a mean the graph shows: a division by m, a product with 1/m, a sum of m."""
    found: set[int] = set()
    for node in order:
        folded = ([a for a in node.args if not isinstance(a, Value)]
                  if node.op in ("*", "/") else [])
        for c in folded:
            k = c if node.op == "/" else (1.0 / c if c else 0.0)
            if k >= 2 and abs(k - round(k)) < 1e-9 * k:
                found.add(round(k))
        if node.op == "sum" and len(node.parents) >= 3:
            found.add(len(node.parents))
    return sorted(found)
