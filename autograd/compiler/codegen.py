"""A traced graph written out as Python: one line per node, then one line per edge.

    >>> from autograd import Value
    >>> from autograd.compiler.tracing import Recorder
    >>> x = Value(0.5, label='x'); y = (2 * x).tanh()
    >>> program = write(y, Inputs(["x"], [("grad", x)], (0,), False), Recorder(), "f")
    >>> print(program.source)              # doctest: +NORMALIZE_WHITESPACE
    def f(x):
        # inputs
        if x.__class__ is not _float: raise _Mismatch(-1)
        # forward: one line per node, inputs first
        mul_1 = 2.0 * x
        tanh_1 = tanh(mul_1)
        # reverse: one line per edge, output first; g_n is d(output)/dn
        g_tanh_1 = 1.0
        g_mul_1 = (1.0 - tanh_1 * tanh_1) * g_tanh_1   # tanh'(mul_1)
        g_x = 2.0 * g_mul_1
        # checks: every number finite, as the engine would have checked
        if not _isfinite(_sum((tanh_1, mul_1, g_x,))): raise _NotFinite
        return tanh_1, g_x + 0.0
    <BLANKLINE>

The forward lines follow ``forward_order`` and the reverse lines the order of
``reverse_pass`` (every consumer before its inputs, each node's parents in
order), so the compiled code adds the same numbers in the same order as the
engine: its results are the engine's to the last bit (``sum`` and ``dot`` add
left to right, as Python's ``sum`` did before 3.12; from 3.12 it compensates).
Names are ``trace_text``'s (a unique label, else the op's ``mul#k`` written
``mul_k``) wherever they are Python names, else ``v<k>``; ``g_<name>``
(``g<k>`` for ``v<k>``) is the gradient of a node.

Each op is written with its ``code`` templates from the op table; an op
without them (a registered op of one's own) calls its forward and its rules.
"""

from __future__ import annotations

import builtins
import functools
import keyword
import math
import operator
import re
import unicodedata
from dataclasses import dataclass, field
from heapq import heappop, heappush
from typing import Any

from ..graph import forward_order, topo_order
from ..ops import CODE_NAMES, OPS, Primitive, dot_parts, local_symbol
from ..see.trace import arg_positions, node_names
from ..value import Value
from .compile_watch import Watched, check_lines
from .tracing import Expr, Recorder, value_of

SKIP_FROM = 3  # a node sending on this many edges is skipped, as a block, when its grad is 0
WIDE_FROM = 8  # an n-ary node of this many inputs sends its gradient in one line (_acc)
# ... in a graph of this many nodes or more: there, writing and compiling the code costs
# more than the few ns per edge that one line per edge saves on each call
WIDE_GRAPH = 2000


_DOT = OPS["dot"]


def _acc(grads: list, places: tuple, locals_: tuple, g: float) -> None:
    for k, local in zip(places, locals_):
        grads[k] += local * g


def _acc1(grads: list, places: tuple, g: float) -> None:
    for k in places:
        grads[k] += g

_GATE = re.compile(r"1\.0 if (.+) else 0\.0")

_HELPERS = {
    "_float": float, "_list": list, "_tuple": tuple, "_len": len, "_set": set, "_map": map,
    "_type": type, "_sum": builtins.sum, "_isfinite": math.isfinite, "_FLOATS": {float},
    "_acc": _acc, "_acc1": _acc1, "_mul": operator.mul,
}


class Mismatch(Exception):
    """Raised by compiled code when a call does not fit its trace (guard k, or -1: the args)."""


class NotFinite(Exception):
    """Raised by compiled code when a number is not finite: the engine would have refused."""


@dataclass
class Inputs:
    """The generated function's parameters and what each one is.

    ``kinds[i]`` is ``("grad", leaf)`` or ``("grad", [leaves])`` for a position
    in argnums, else ``("data", tree)``. A data tree is ``("float", name)``,
    ``("static", name, value)`` (a constant each call must repeat) or
    ``("list", name, [trees])``: each number and list has the name it is bound
    to in the generated code. ``leaf_names`` are the names the argnums leaves
    were given when made (f may relabel them).
    """

    params: list[str]
    kinds: list[tuple[str, Any]]
    positions: tuple[int, ...]
    several: bool
    leaf_names: dict[Value, str] = field(default_factory=dict)
    watched: list[Watched] = field(default_factory=list)  # what f closes over (compile_watch)


@dataclass
class Program:
    """Generated source, the names it needs, and what each guard checks (for messages)."""

    source: str
    namespace: dict[str, Any]
    guards: list[str] = field(default_factory=list)


def write(out: Any, inputs: Inputs, rec: Recorder, name: str, aux: Any = None,
          has_aux: bool = False) -> Program:
    """The source of a function equal to value_and_grad on the traced graph of ``out``.

    With ``has_aux`` it returns ``((value, aux), grads)``, aux being a tree
    (lists, tuples) of Values, traced numbers and numbers, given as floats.
    """
    return _Writer(out, inputs, rec, aux, has_aux).program(name)


def usable(name: str) -> bool:
    """True for a name the generated code can use for a node of its own."""
    return (
        isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)
        and not name.startswith("_") and unicodedata.normalize("NFKC", name) == name
        and name not in CODE_NAMES and name not in OPS and not hasattr(builtins, name)
    )


class _Writer:
    def __init__(self, out: Any, inputs: Inputs, rec: Recorder, aux: Any = None,
                 has_aux: bool = False) -> None:
        self.out, self.inputs, self.rec = out, inputs, rec
        self.aux, self.has_aux = aux, has_aux
        self.namespace = namespace()
        self.taken = set(inputs.params) | set(_data_names(inputs))
        self.leaves = _grad_leaves(inputs)
        self.conversions = {k: expr for k, (_, expr) in rec.converted.items()}
        self.folded: dict[Value, list[Expr | None]] = {}
        self.texts: dict[Value, list[str]] = {}  # each node's argument texts, made once
        self.locals: dict[Value, list[str]] = {}  # and its local derivatives' code
        self.computed: set[Value] = set()
        self.bound: dict[str, int] = {}  # how many constants (_S, _T) and Values (_c) bound
        self._pin_lost_conversions()
        self.order = self._order()
        self.compact = len(self.order) >= WIDE_GRAPH  # wide nodes in one line each way
        self.names = self._names()
        self.checked: list[str] = []
        self.covered = _covered(self.order)
        self.hoisted: dict[int, str] = {}  # id(expr) -> _t<k>, a part written on its own line
        self.kept: list[Expr] = []
        self.pre: list[str] = []  # those lines, until the line that uses them is written
        self.listed: dict[Value, int] = {}  # nodes whose gradients are in _R (see _listed)
        self.tuples: dict[tuple, str] = {}  # tuples of expressions named once (_V<k>)
        self.wide: set[Value] = set()

    # -- which nodes, in which order, named how ------------------------------------------

    def _internal(self, node: Value) -> bool:
        """True for a node f made while traced (computed by the code); False for one made
        before, which the code reads as a Value's .data, as the engine would."""
        return not self.rec.watching or id(node) in self.rec.created or node in self.leaves

    def _reach(self, roots: list[Value]) -> set[Value]:
        """The nodes the roots depend on, not looking behind a node made before f ran."""
        found: set[Value] = set()
        stack = list(roots)
        while stack:
            node = stack.pop()
            if node not in found:
                found.add(node)
                if self._internal(node):
                    stack.extend(node.parents)
        return found

    def _roots(self) -> list[Value]:
        """The output and every node a guard or the aux reads."""
        roots = [self.out] if isinstance(self.out, Value) else []
        roots += [n for g in self.rec.guards for n in _nodes_in(g[0], g[2])]
        for x in [self.out, *_flat(self.aux)]:
            roots += [x] if isinstance(x, Value) else _nodes_in(getattr(x, "expr", ("c", 0.0)))
        return roots

    def _pin_lost_conversions(self) -> None:
        """A number of the data the engine took as a float but that no node holds (it went
        into Python arithmetic inside autograd) is pinned, as one f turns into a float."""
        held: set[int] = set()
        for node in self._reach(self._roots()):
            if node in self.leaves or not self._internal(node):
                continue
            if node.primitive is None:
                held.add(id(_raw_data(node)))
            else:
                held.update(id(a) for a in node.args if not isinstance(a, Value))
        for key, (number, expr) in list(self.rec.converted.items()):
            if key not in held:
                self.rec.pin(expr, number)

    def _order(self) -> list[Value]:
        """forward_order of the output, with any node a guard, an aux or a folded number
        reads; ``self.computed`` gets the nodes the code computes or reads (not those
        behind a node made before f ran, whose values the engine does not recompute)."""
        root = self.out if isinstance(self.out, Value) else None
        computed = self._reach(self._roots())
        while True:
            deps = {n: [d for e in self._node_exprs(n) if e is not None for d in _nodes_in(e)]
                    for n in computed}
            more = self._reach([*computed, *(d for ds in deps.values() for d in ds)])
            if len(more) == len(computed):
                break
            computed = more
        self.computed = computed
        base = forward_order(root) if root is not None else []
        position = {node: k for k, node in enumerate(base)}
        if computed.issubset(position) and all(
            position[d] < position[n] for n, ds in deps.items() for d in ds
        ):
            return base
        nodes = list(dict.fromkeys([*base, *computed]))
        known = set(nodes)
        parents = {n: [p for p in n.parents if p in known] for n in nodes}
        return _sorted_with(nodes, parents, deps, position)

    def _node_exprs(self, node: Value) -> list[Expr | None]:
        """For each argument of node: the expression of a folded data number, else None
        (for a leaf made from the data, one item: the expression of its value)."""
        found = self.folded.get(node)
        if found is None:
            if node in self.leaves:
                found = []
            elif not self._internal(node):  # read as it is: nothing of the data in it
                found = [None] * max(1, len(node.args))
            elif node.primitive is not None:
                found = [None if isinstance(a, Value) else self.conversions.get(id(a))
                         for a in node.args]
            else:
                found = [self.conversions.get(id(_raw_data(node)))]
            self.folded[node] = found
        return found

    def _names(self) -> dict[Value, str]:
        """trace_text's name for each node where it is a free Python name (``mul#2`` as
        ``mul_2``), else v<k>."""
        wanted = node_names(self.order)
        defaults = set(self.leaves.values())
        names: dict[Value, str] = {}
        for node, default in self.leaves.items():  # an argnums leaf keeps its own name
            want = wanted.get(node, default)
            free = usable(want) and want not in self.taken and want not in defaults
            names[node] = want if free else default
            self.taken.add(names[node])
        for k, node in enumerate(self.order):
            if node in names:
                continue
            want = wanted[node].replace("#", "_")
            name = want if usable(want) else f"v{k}"
            if name in self.taken:
                name = f"v{k}"
            while name in self.taken:
                name += "_"
            self.taken.add(name)
            names[node] = name
        return names

    # -- text -------------------------------------------------------------------------

    def program(self, name: str) -> Program:
        fn = name if usable(name) else "compiled"
        head = [f"def {fn}({', '.join(self.inputs.params)}):", "    # inputs"]
        body = self._input_lines()
        body += ["# forward: one line per node, inputs first", *self._forward_lines()]
        grads, reverse = self._reverse_lines()
        body += ["# reverse: one line per edge, output first; g_n is d(output)/dn", *reverse]
        body += self._return_lines(grads)
        source = "\n".join(head + ["    " + line for line in body]) + "\n"
        guards = [_guard_text(g, self._describe) for g in self.rec.guards]
        return Program(source, self.namespace, guards)

    def _leaf(self, expr: Expr) -> str:
        kind = expr[0]
        if kind == "n":
            return self.names[expr[1]]
        return expr[1] if kind == "a" else _literal(expr[1])

    def _render(self, expr: Expr) -> str:
        """The text of an expression; a part nested deeper than HOIST_DEPTH gets a line
        of its own (``_t<k> = ...``, in ``self.pre``), so that a sum over many
        comparisons (an accuracy) stays within the parser's nesting limit."""
        if expr[0] in _LEAVES:
            return self._leaf(expr)
        done: dict[int, tuple[str, int]] = {}
        stack: list[tuple[Expr, bool]] = [(expr, False)]
        while stack:
            e, ready = stack.pop()
            if id(e) in done:
                continue
            if e[0] in _LEAVES or id(e) in self.hoisted:
                done[id(e)] = (self.hoisted.get(id(e)) or self._leaf(e), 0)
            elif not ready:
                stack.append((e, True))
                stack.extend((part, False) for part in e[1:])
            else:
                parts = [done[id(part)] for part in e[1:]]
                text = _combine(e[0], [t for t, _ in parts])
                depth = 1 + max(d for _, d in parts)
                if depth > HOIST_DEPTH and e is not expr:
                    text, depth = self._hoist(e, text), 0
                done[id(e)] = (text, depth)
        return done[id(expr)][0]

    def _describe(self, expr: Expr, depth: int = 0) -> str:
        """An expression for a message: as the code writes it, its depth cut at 6."""
        if expr[0] in _LEAVES:
            return self._leaf(expr)
        if depth > 6:
            return "..."
        return _combine(expr[0], [self._describe(part, depth + 1) for part in expr[1:]])

    def _hoist(self, expr: Expr, text: str) -> str:
        name = f"_t{len(self.hoisted)}"
        self.hoisted[id(expr)] = name
        self.kept.append(expr)  # its id stays its own while the code is written
        self.pre.append(f"{name} = {text}")
        return name

    def _flush(self) -> list[str]:
        lines, self.pre = self.pre, []
        return lines

    def _input_lines(self) -> list[str]:
        lines: list[str] = check_lines(self.inputs.watched, self.namespace)
        for param, (kind, what) in zip(self.inputs.params, self.inputs.kinds):
            if kind == "data":
                lines += self._data_lines(what)
            elif isinstance(what, list):
                lines.append(_sequence_check(param, len(what)))
                if what:
                    lines.append(f"if _set(_map(_type, {param})) != _FLOATS: "
                                 "raise _Mismatch(-1)")
                    lines.append(f"{', '.join(self.names[x] for x in what)}, = {param}")
                self.checked += [self.names[x] for x in what if x not in self.covered]
            else:
                lines.append(f"if {param}.__class__ is not _float: raise _Mismatch(-1)")
                if self.names[what] != param:
                    lines.append(f"{self.names[what]} = {param}")
                if what not in self.covered:
                    self.checked.append(param)
        return lines

    def _static_check(self, target: str, value: Any) -> list[str]:
        k = self.bound["_S"] = self.bound.get("_S", -1) + 1
        self.namespace[f"_S{k}"], self.namespace[f"_T{k}"] = value, type(value)
        return [f"if {target}.__class__ is not _T{k} or {target} != _S{k}: raise _Mismatch(-1)"]

    def _data_lines(self, tree: tuple) -> list[str]:
        kind, name = tree[0], tree[1]
        if kind == "float":
            self.checked.append(name)
            return [f"if {name}.__class__ is not _float: raise _Mismatch(-1)"]
        if kind == "static":
            return self._static_check(name, tree[2])
        children = tree[2]
        lines = [_sequence_check(name, len(children))]
        if children:
            lines.append(f"{', '.join(child[1] for child in children)}, = {name}")
        for child in children:
            lines += self._data_lines(child)
        return lines

    def _forward_lines(self) -> list[str]:
        lines: list[str] = []
        pending = _guards_by_place(self.rec.guards, self.order)
        for k in pending.pop(-1, []):
            lines += self._guard_lines(k)
        for place, node in enumerate(self.order):
            line = self._node_line(node)
            if line:
                lines += self._flush()
                lines.append(line)
            for k in pending.pop(place, []):
                lines += self._guard_lines(k)
        return lines

    def _guard_lines(self, k: int) -> list[str]:
        left, op, right, outcome = self.rec.guards[k]
        test = f"{self._render(left)} {op} {self._render(right)}"
        return [*self._flush(), f"if {'not ' if outcome else ''}({test}): raise _Mismatch({k})"]

    def _node_line(self, node: Value) -> str | None:
        name = self.names[node]
        if node in self.leaves or node not in self.computed:
            return None
        prim = node.primitive
        if prim is None or not self._internal(node):  # a number of the data, or a Value
            expr = (self._node_exprs(node) or [None])[0]  # made before f ran: read now
            if expr is not None:
                return f"{name} = {self._render(expr)}"
            k = self.bound["_c"] = self.bound.get("_c", -1) + 1
            self.namespace[f"_c{k}"] = node
            self.checked.append(name)
            return f"{name} = _c{k}.data   # a Value f uses, read on every call"
        if not prim.never_inf:  # the table says its value can be inf or nan: check it
            self.checked.append(name)
        return f"{name} = {self._forward_code(node, prim)}"

    def _arg_texts(self, node: Value) -> list[str]:
        """The text of each of node's arguments (a name, a number, a data expression)."""
        texts = self.texts.get(node)
        if texts is not None:
            return texts
        texts = []
        for arg, expr in zip(node.args, self._node_exprs(node)):
            if isinstance(arg, Value):
                texts.append(self.names[arg])
            elif expr is not None:
                text = self._render(expr)
                if expr[0] not in ("a", "n"):
                    self.checked.append(text)
                texts.append(text)
            else:
                texts.append(_literal(arg))
        self.texts[node] = texts
        return texts

    def _forward_code(self, node: Value, prim: Primitive) -> str:
        texts = self._arg_texts(node)
        if prim is _DOT and len(texts) >= WIDE_FROM and self.compact:  # vectors named once
            ws, qs, bias = dot_parts(texts)
            total = f"_sum(_map(_mul, {self._tuple(ws)}, {self._tuple(qs)}), 0.0)"  # as _dot
            return total if bias is None else f"{total} + {_wrap(bias)}"
        return forward_text(prim, texts, self.namespace)

    def _tuple(self, texts: Any) -> str:
        """A name for a tuple of expressions (a neuron's weights, a layer's inputs),
        written once, on the line before the first line that uses it."""
        key = tuple(texts)
        name = self.tuples.get(key)
        if name is None:
            name = self.tuples[key] = f"_V{len(self.tuples)}"
            self.pre.append(f"{name} = ({', '.join(key)},)")
        return name

    def _local_code(self, node: Value, i: int) -> str:
        found = self.locals.get(node)
        if found is None:
            found = local_texts(node.primitive, self._arg_texts(node), self.names[node],
                                self.namespace)
            self.locals[node] = found
        return found[i]

    def _reverse_lines(self) -> tuple[dict[Value, str], list[str]]:
        """The chain rule once per edge, in reverse_pass's order, from the output.

        As reverse_pass does, a node whose gradient is 0 sends nothing: a node
        of many edges (a neuron's dot) is skipped by one test, ``if g:``, when
        its local derivatives are finite. Every gradient the engine computes is
        computed (the engine refuses any that is not finite): the gradients of the
        nodes without parents are checked, as any other that is not finite would
        make some of them not finite.
        """
        if not isinstance(self.out, Value):
            return {}, []
        root = self.out
        order = topo_order(root)
        self.listed = self._listed(order)
        grads: dict[Value, str] = {root: self._grad_name(root)}
        lines = [f"{grads[root]} = 1.0"]
        if self.listed:
            lines.insert(0, f"_R = [0.0] * {len(self.listed)}")
        for node in order:
            if node not in grads or node.primitive is None:
                continue
            if node in self.wide:
                line = self._wide_line(node, grads)
                lines += [*self._flush(), line]
                continue
            finite = node.primitive.finite_derivatives
            firsts: list[str] = []  # the gradients this node's edges start
            edges = [self._edge_line(node, parent, i, j, grads, firsts)
                     for j, (parent, i) in enumerate(zip(node.parents, arg_positions(node)))]
            if len(edges) < SKIP_FROM or not finite or node is root:
                lines += edges
                continue
            lines.append(f"if {grads[node]}:")
            lines += ["    " + edge for edge in edges]
            if firsts:
                lines += ["else:", f"    {' = '.join(firsts)} = 0.0"]
        self.checked += [g for n, g in grads.items() if not n.parents and n not in self.leaves]
        for node in self.order:  # a node no gradient reaches: its local derivatives, checked
            prim = node.primitive
            if node not in grads and prim and not prim.finite_derivatives and self._internal(node):
                self.checked += [self._local_code(node, i) for i in arg_positions(node)]
        return grads, lines

    def _listed(self, order: list[Value]) -> dict[Value, int]:
        """The parents of wide nodes (an n-ary op of WIDE_FROM inputs or more, a neuron's
        dot), each with its place in the list ``_R`` that holds their gradients, so that a
        wide node's edges are one line: ``_acc(_R, places, locals, g)``."""
        listed: dict[Value, int] = {}
        self.wide: set[Value] = set()
        if not self.compact:
            return listed
        for node in order:
            prim, parents = node.primitive, node.parents
            if (prim is not None and prim.nary and prim.finite_derivatives
                    and len(parents) >= WIDE_FROM and self._internal(node)
                    and len(set(parents)) == len(parents) and node is not self.out):
                self.wide.add(node)
                for parent in parents:
                    listed.setdefault(parent, len(listed))
        return listed

    def _wide_line(self, node: Value, grads: dict[Value, str]) -> str:
        """A wide node's edges in one line (the helper adds in the parents' order, as the
        engine does; ``_R`` starts at 0.0, as the engine's sums do)."""
        places = tuple(self.listed[p] for p in node.parents)
        k = self.bound["_I"] = self.bound.get("_I", -1) + 1
        self.namespace[f"_I{k}"] = places
        for parent in node.parents:
            grads.setdefault(parent, self._grad_name(parent))
        g = grads[node]
        if node.primitive is _DOT and len(node.parents) == len(node.args):
            ws, qs, bias = dot_parts(self._arg_texts(node))  # locals: qs, ws, 1.0 (_d_dot)
            tail = ", 1.0" if bias is not None else ""
            return (f"if {g}: _acc(_R, _I{k}, (*{self._tuple(qs)}, *{self._tuple(ws)}{tail}), "
                    f"{g})")
        locals_ = [self._local_code(node, i) for i in arg_positions(node)]
        if all(text == "1.0" for text in locals_):
            return f"if {g}: _acc1(_R, _I{k}, {g})"
        return f"if {g}: _acc(_R, _I{k}, ({', '.join(locals_)},), {g})"

    def _edge_line(self, node: Value, parent: Value, i: int, j: int,
                   grads: dict[Value, str], firsts: list[str]) -> str:
        # a node made before f ran keeps its local derivatives, as the engine reads them
        local = self._local_code(node, i) if self._internal(node) else _literal(
            node.local_grads[j])
        first = parent not in grads
        if first:
            grads[parent] = self._grad_name(parent)
            firsts.append(grads[parent])
        g, sent = grads[parent], grads[node]
        assign = "=" if first else "+="
        gate = _GATE.fullmatch(local)
        if local == "1.0":
            text = f"{g} {assign} {sent}"
        elif local == "-1.0":
            text = f"{g} = -{sent}" if first else f"{g} -= {sent}"
        elif gate:  # 1.0 if c else 0.0 (relu): send the gradient through, or nothing
            text = f"{g} {assign} {sent} if {gate.group(1)} else 0.0"
        else:
            text = f"{g} {assign} {_wrap(local)} * {sent}"
        if node.primitive.nary:  # its locals are its inputs (dot) or 1 (sum): no comment
            return text
        symbol = local_symbol(node.primitive, i, self._arg_texts(node), self.names[node])
        if symbol in (local, _wrap(local), "1", "-1"):
            return text
        return f"{text}   # {_comment(symbol)}"

    def _grad_name(self, node: Value) -> str:
        if node in self.listed:
            return f"_R[{self.listed[node]}]"
        name = self.names[node]
        grad = f"g{name[1:]}" if name[:1] == "v" and name[1:].isdigit() else f"g_{name}"
        while grad in self.taken:
            grad += "_"
        self.taken.add(grad)
        return grad

    def _return_lines(self, grads: dict[Value, str]) -> list[str]:
        out = self.out
        value = (self.names[out] if isinstance(out, Value) else
                 f"_float({self._render(out.expr)})" if hasattr(out, "expr") else
                 _literal(float(out)))
        if self.has_aux:
            value = f"({value}, {self._aux_text(self.aux)})"
        lines = [*self._flush(), "# checks: every number finite, as the engine would have checked"]
        made: dict[int, str] = {}
        for position in dict.fromkeys(self.inputs.positions):
            what = self.inputs.kinds[position][1]
            if isinstance(what, list):
                made[position] = f"_g{position}"
                # + 0.0: a zero the code signs (-1.0 * 0.0) is +0.0, as the engine's sums
                # from 0.0 give it
                lines.append(f"_g{position} = [{', '.join(_unsigned(grads.get(x)) for x in what)}]")
                self.checked.append(f"_sum(_g{position})")
            else:
                made[position] = _unsigned(grads.get(what))
                self.checked.append(grads.get(what, "0.0"))
        first = self.names[out] if isinstance(out, Value) else value
        terms = [t for t in dict.fromkeys([first, *self.checked]) if not _is_number(t)]
        lines.append(f"if not _isfinite(_sum(({', '.join(terms)},))): raise _NotFinite")
        items = [made[p] for p in self.inputs.positions]
        if self.inputs.several:
            result = f"({', '.join(items)}{',' if len(items) == 1 else ''})"
        else:
            result = items[0]
        lines.append(f"return {value}, {result}")
        return lines

    def _aux_text(self, tree: Any) -> str:
        if isinstance(tree, Value):
            return self.names[tree]
        if isinstance(tree, (list, tuple)):
            items = ", ".join(self._aux_text(x) for x in tree)
            return f"[{items}]" if isinstance(tree, list) else f"({items}{',' * (len(tree) == 1)})"
        expr = getattr(tree, "expr", None)  # a number the code computes (an accuracy)
        return f"_float({self._render(expr)})" if expr is not None else _literal(float(tree))


# -- an op's code ----------------------------------------------------------------------


def namespace() -> dict[str, Any]:
    """The names generated code may use: CODE_NAMES, helpers, each op's forward by name."""
    names: dict[str, Any] = {**CODE_NAMES, **_HELPERS}
    names.update({p.name: p.forward for p in OPS.values() if usable_op(p)})
    names.update(_Mismatch=Mismatch, _NotFinite=NotFinite, __name__="autograd.compiled_code")
    return names


def forward_text(prim: Primitive, names: list[str], space: dict[str, Any]) -> str:
    """The op's forward over the input names (expressions), from its ``code`` entry.

        >>> from autograd import OPS
        >>> forward_text(OPS['tanh'], ['v3'], {}), forward_text(OPS['*'], ['w', '2.0'], {})
        ('tanh(v3)', 'w * 2.0')

    An op without ``code`` calls its forward, bound in ``space``.
    """
    texts = _wrapped(names)
    if not prim.code:
        return f"{_bound(prim, 'forward', space)}({_args(prim, texts)})"
    template = prim.code[0]
    if callable(template):
        return template(texts) if prim.nary else template(texts, "")
    return template.format(*texts)


def local_text(prim: Primitive, i: int, names: list[str], out: str,
               space: dict[str, Any]) -> str:
    """The op's local derivative with respect to input i, as an expression.

        >>> from autograd import OPS
        >>> local_text(OPS['tanh'], 0, ['v3'], 'v4', {})
        '1.0 - v4 * v4'

    An op without ``code`` calls its rule, bound in ``space``.
    """
    if prim.nary:
        return local_texts(prim, names, out, space)[i]
    texts = _wrapped(names)
    if not prim.code:
        return f"{_bound(prim, f'rule{i}', space)}({out}, {_args(prim, texts)})"
    template = prim.code[1 + i]
    return template(texts, out) if callable(template) else template.format(*texts, out=out)


def local_texts(prim: Primitive, names: list[str], out: str, space: dict[str, Any]) -> list[str]:
    """The op's local derivatives with respect to every input, in one pass over the names
    (an n-ary op of n inputs costs O(n), not O(n²))."""
    if not prim.nary:
        return [local_text(prim, i, names, out, space) for i in range(len(names))]
    texts = _wrapped(names)
    if not prim.code:  # the rule gives them all: computed once, on the first edge's line
        key = f"_d_{out}"
        call = f"({key} := {_bound(prim, 'rule0', space)}({out}, {_args(prim, texts)}))"
        return [f"{call}[0]" if i == 0 else f"{key}[{i}]" for i in range(len(texts))]
    return list(prim.code[1](texts, out))


def _bound(prim: Primitive, part: str, space: dict[str, Any]) -> str:
    key = f"_{part}_{_safe(prim.name)}"
    space[key] = prim.forward if part == "forward" else prim.derivatives[int(part[4:])]
    return key


# -- helpers --------------------------------------------------------------------------


def usable_op(prim: Primitive) -> bool:
    return prim.name.isidentifier() and not keyword.iskeyword(prim.name)


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() else f"x{ord(c):x}" for c in name)


def _raw_data(node: Value) -> Any:
    return value_of(node)  # the float object itself, read past any probe


def _literal(x: Any) -> str:
    """A number as Python writes it back exactly (a negative one in parentheses)."""
    text = repr(float(x)) if isinstance(x, float) else repr(x)
    return f"({text})" if text.startswith("-") else text


def _is_number(text: str) -> bool:
    try:
        float(text.strip("()"))
    except ValueError:
        return False
    return True


@functools.lru_cache(maxsize=1 << 16)  # a node's name is wrapped once per edge it is on
def _wrap(text: str) -> str:
    """Parenthesise an expression unless it is one name, number or call."""
    if text.replace("_", "a").replace(".", "0").isalnum() or _is_call(text):
        return text
    if text.startswith("(") and _matching(text) == len(text) - 1:
        return text
    return f"({text})"


def _wrapped(texts: list[str]) -> list[str]:
    return [_wrap(t) for t in texts]


def _is_call(text: str) -> bool:
    head, paren, _ = text.partition("(")
    return bool(paren) and head.isidentifier() and _matching(text, len(head)) == len(text) - 1


def _matching(text: str, start: int = 0) -> int:
    depth = 0
    for k in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[k], 0)
        if depth == 0:
            return k
    return -1


def _args(prim: Primitive, texts: list[str]) -> str:
    return f"({', '.join(texts)},)" if prim.nary else ", ".join(texts)


_LEAVES = ("n", "a", "c")
HOIST_DEPTH = 24  # the parser refuses 200 nested parentheses; a long sum is cut well before


def _combine(kind: str, parts: list[str]) -> str:
    """The text of one operation of an expression over its parts' texts."""
    if len(parts) == 2:
        return f"({parts[0]} {kind} {parts[1]})"
    inner = parts[0]
    if kind in ("abs", "float"):
        return f"{'abs' if kind == 'abs' else '_float'}({inner})"
    return f"({ {'neg': '-', 'pos': '+'}.get(kind, kind)}{inner})"


def _comment(text: Any) -> str:
    """Text (a symbol from the op table, of anyone's writing) safe in a ``#`` comment: a
    character that could end the line (newline, carriage return, NUL, any control or
    separator) is written as its escape, so nothing after it can run as code."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _unsigned(grad: str | None) -> str:
    return "0.0" if grad is None else f"{grad} + 0.0"


def _flat(tree: Any) -> list[Any]:
    """The items of a tree of lists and tuples."""
    if isinstance(tree, (list, tuple)):
        return [x for item in tree for x in _flat(item)]
    return [tree]


def _nodes_in(*exprs: Expr) -> list[Value]:
    found: list[Value] = []
    stack = list(exprs)
    while stack:
        e = stack.pop()
        if e[0] == "n":
            found.append(e[1])
        elif e[0] not in ("a", "c"):
            stack.extend(e[1:])
    return found


def _sorted_with(nodes: list[Value], parents: dict[Value, list[Value]],
                 deps: dict[Value, list[Value]], position: dict[Value, int]) -> list[Value]:
    """A forward order of nodes in which parents and deps come first (base order kept)."""
    before: dict[Value, set[Value]] = {n: {*parents[n], *deps.get(n, ())} for n in nodes}
    after: dict[Value, list[Value]] = {n: [] for n in nodes}
    for n, bs in before.items():
        for b in bs:
            after.setdefault(b, []).append(n)
    waiting = {n: len(bs) for n, bs in before.items()}
    rank = {n: position.get(n, len(position) + k) for k, n in enumerate(nodes)}
    heap = [(rank[n], k, n) for k, n in enumerate(nodes) if waiting[n] == 0]
    order: list[Value] = []
    count = len(nodes)
    while heap:
        _, _, node = heappop(heap)
        order.append(node)
        for n in after.get(node, []):
            waiting[n] -= 1
            if waiting[n] == 0:
                count += 1
                heappush(heap, (rank[n], count, n))
    return order


def _covered(order: list[Value]) -> set[Value]:
    """The nodes whose own check is made by a consumer's: a consumer whose entry says
    ``passes_non_finite`` (+ - * sum dot) is not finite when an input is not, and its
    own value is checked (none of them is ``never_inf``)."""
    covered: set[Value] = set()
    for node in order:
        prim = node.primitive
        if prim is not None and prim.passes_non_finite:
            covered.update(node.parents)
    return covered


def _grad_leaves(inputs: Inputs) -> dict[Value, str]:
    """Every argnums leaf with the name it was made with (a scalar's: its parameter's)."""
    leaves: dict[Value, str] = {}
    for param, (kind, what) in zip(inputs.params, inputs.kinds):
        if kind == "grad":
            for leaf in what if isinstance(what, list) else [what]:
                leaves.setdefault(leaf, inputs.leaf_names.get(leaf, param))
    return leaves


def _data_names(inputs: Inputs) -> list[str]:
    names: list[str] = []
    stack = [what for kind, what in inputs.kinds if kind == "data"]
    while stack:
        tree = stack.pop()
        names.append(tree[1])
        if tree[0] == "list":
            stack.extend(tree[2])
    return names


def _sequence_check(name: str, n: int) -> str:
    return (f"if {name}.__class__ is not _list and {name}.__class__ is not _tuple or "
            f"_len({name}) != {n}: raise _Mismatch(-1)")


def _guards_by_place(guards: list, order: list[Value]) -> dict[int, list[int]]:
    """Where each guard goes: after the last node it reads (-1: before any node)."""
    position = {node: k for k, node in enumerate(order)}
    places: dict[int, list[int]] = {}
    for k, (left, _, right, _) in enumerate(guards):
        place = max((position[n] for n in _nodes_in(left, right)), default=-1)
        places.setdefault(place, []).append(k)
    return places


def _guard_text(guard: tuple, render: Any) -> str:
    left, op, right, outcome = guard
    return f"{render(left)} {op} {render(right)} (it was {outcome} when traced)"
