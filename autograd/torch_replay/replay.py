"""Any graph, replayed in PyTorch: is this really what PyTorch computes?

    >>> from autograd import Value, replay_in_torch
    >>> x = Value(0.5, label='x'); y = (x * x + 1).log().tanh()
    >>> report = replay_in_torch(y)
    >>> report.max_value_diff < 1e-15 and report.max_grad_diff < 1e-15
    True

``replay_in_torch(root)`` rebuilds the graph of ``root`` node by node in torch
float64: every leaf becomes a tensor that requires grad, every op node the
torch computation its op's table entry gives (``Primitive.torch``) (folded numbers become
constant tensors). It runs torch's backward from the root and sets each node's
value and gradient beside chaingrad's, row by row (``TorchReplay``).

chaingrad's gradients are those of its reverse pass (``reverse_steps``: the
chain rule of ``backward()``, step by step), read without touching any
``.grad``: the graph is left as it was. A node that is a leaf in chaingrad (no
parents) is a leaf in torch too, even when its op folded numbers only
(``sum([1.0, 2.0])``): both then give its gradient.

A difference is ``|chaingrad − torch| / max(1, |chaingrad|, |torch|)``:
relative for numbers above 1, absolute below (gradients that cancel to about 0
would make a purely relative measure meaningless). Exactly equal numbers
differ by 0; a non-finite number on either side differs by inf.

PyTorch is an optional extra (``python -m pip install 'chaingrad[torch]'``); it is
imported only when a replay runs, so ``import autograd`` never needs it.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..backward import reverse_steps
from ..errors import install_command
from ..graph import forward_order
from ..ops import OPS
from ..see.trace import node_names
from ..value import Value

__all__ = ["TORCH_OPS", "ReplayRow", "TorchReplay", "import_torch", "replay_in_torch"]

INSTALL_HINT = install_command("chaingrad[torch]")


def import_torch(who: str) -> Any:
    """The ``torch`` module, or ModuleNotFoundError naming ``who`` and the install command.

        >>> import_torch('my_function').float64
        torch.float64
    """
    try:
        import torch
    except ImportError as error:
        raise ModuleNotFoundError(
            f"{who} needs PyTorch, which is not installed (or does not import: {error}). "
            f"Install it with: {INSTALL_HINT}  (for a GPU build see https://pytorch.org)",
            name="torch",
        ) from error
    return torch


class _TorchOps(Mapping):
    """Each op's torch computation, read from its table entry (``Primitive.torch``) on
    every lookup, so an op registered later is replayed too. Called as
    ``fn(torch, *inputs)`` (n-ary ops: ``fn(torch, list of inputs)``)."""

    def __getitem__(self, name: str) -> Callable[..., Any]:
        prim = OPS.get(name)
        if prim is None or prim.torch is None:
            raise KeyError(name)
        return prim.torch

    def __iter__(self) -> Iterator[str]:
        return (name for name, prim in OPS.items() if prim.torch is not None)

    def __len__(self) -> int:
        return builtins.sum(1 for _ in self)


TORCH_OPS: Mapping[str, Callable[..., Any]] = _TorchOps()
"""Every op chaingrad can replay in PyTorch, by the op's name (a node's ``.op``)."""


def difference(a: float, b: float) -> float:
    """``|a − b| / max(1, |a|, |b|)``; 0 when equal, inf when either is not finite.

        >>> difference(2.0, 2.5), difference(1e-9, 2e-9), difference(0.0, math.nan)
        (0.2, 1e-09, inf)
    """
    if a == b:
        return 0.0
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(a - b) / max(1.0, abs(a), abs(b))


@dataclass(frozen=True)
class ReplayRow:
    """One node: chaingrad's value and gradient beside torch's, and their differences."""

    index: int  # the node's place in the forward order (inputs first)
    name: str  # its label where unique, else v<index> (as trace_text names it)
    op: str  # "leaf" for a node without parents
    value: float
    torch_value: float
    grad: float  # d root / d node, chaingrad's reverse pass
    torch_grad: float

    @property
    def value_diff(self) -> float:
        return difference(self.value, self.torch_value)

    @property
    def grad_diff(self) -> float:
        return difference(self.grad, self.torch_grad)


class TorchReplay:
    """The result of ``replay_in_torch``: one row per node, and the largest differences.

        >>> report = replay_in_torch(Value(2.0, label='a').exp()); report.worst.name
        'a'
        >>> report.check(1e-12)       # raises AssertionError naming the worst node if not
    """

    def __init__(self, rows: list[ReplayRow]) -> None:
        self.rows = rows

    @property
    def max_value_diff(self) -> float:
        """The largest difference in value over all nodes."""
        return max(r.value_diff for r in self.rows)

    @property
    def max_grad_diff(self) -> float:
        """The largest difference in gradient over all nodes."""
        return max(r.grad_diff for r in self.rows)

    @property
    def worst(self) -> ReplayRow:
        """The row with the largest difference, in value or in gradient (the first of ties)."""
        return max(self.rows, key=lambda r: max(r.value_diff, r.grad_diff))

    def check(self, tol: float = 1e-12) -> None:
        """Raise AssertionError, naming the worst node, if any difference is above ``tol``."""
        worst = self.worst
        if max(worst.value_diff, worst.grad_diff) > tol:
            raise AssertionError(
                f"chaingrad and torch differ by more than {tol:g} at node {worst.name!r} "
                f"(#{worst.index}, op {worst.op!r}): value {worst.value!r} vs "
                f"{worst.torch_value!r}, grad {worst.grad!r} vs {worst.torch_grad!r}\n{self}"
            )

    def table(self, max_rows: int = 40) -> str:
        """The rows as a text table (the first ``max_rows`` and the worst one)."""
        head = (f"{'#':>4}  {'node':<10} {'op':<8} {'value':>16} {'torch value':>16} "
                f"{'diff':>8}   {'grad':>16} {'torch grad':>16} {'diff':>8}")
        shown = self.rows[:max_rows]
        if self.worst not in shown:
            shown = [*shown, self.worst]
        lines = [head] + [_row_text(r) for r in shown]
        if len(self.rows) > len(shown):
            lines.append(f"... {len(self.rows) - len(shown)} more rows (.rows has them all)")
        return "\n".join(lines)

    def __str__(self) -> str:
        w = self.worst
        where = f"worst node {w.name!r}" if max(w.value_diff, w.grad_diff) else "all equal"
        return (
            f"chaingrad vs torch float64, {len(self.rows)} nodes: largest difference "
            f"{self.max_value_diff:.2g} in value, {self.max_grad_diff:.2g} in gradient "
            f"({where})\n{self.table()}"
        )

    __repr__ = __str__


def _row_text(r: ReplayRow) -> str:
    return (f"{r.index:>4}  {r.name[:10]:<10} {r.op[:8]:<8} {r.value:>16.10g} "
            f"{r.torch_value:>16.10g} {r.value_diff:>8.1e}   {r.grad:>16.10g} "
            f"{r.torch_grad:>16.10g} {r.grad_diff:>8.1e}")


def _refuse_unmapped(order: list[Value]) -> None:
    """NotImplementedError naming every op of the graph that has no torch mapping."""
    missing = sorted({n.op for n in order if n.op and n.op not in TORCH_OPS})
    if missing:
        raise NotImplementedError(
            f"replay_in_torch: no PyTorch mapping for op(s) {', '.join(map(repr, missing))}; "
            "give each entry its torch= computation (autograd.ops.Primitive)"
        )


def _replay_node(torch: Any, node: Value, tensors: dict) -> Any:
    """node's tensor, computed in torch from its inputs' tensors (numbers become constants)."""
    f64 = torch.float64
    if not node.op:
        return torch.tensor(node.data, dtype=f64, requires_grad=True)
    inputs = [tensors[a] if isinstance(a, Value) else torch.tensor(float(a), dtype=f64)
              for a in node.args]
    prim = OPS.get(node.op)
    fn = TORCH_OPS[node.op]
    out = fn(torch, inputs) if prim is not None and prim.nary else fn(torch, *inputs)
    if not node.parents:  # only numbers went in: a leaf in chaingrad, so one in torch too
        return out.detach().requires_grad_(True)
    out.retain_grad()
    return out


def replay_in_torch(root: Value) -> TorchReplay:
    """Rebuild root's graph in torch float64, run both reverse passes, compare node by node.

        >>> from autograd import sum as vsum
        >>> a = Value(3.0, label='a'); report = replay_in_torch(vsum([a, a * 2, 1.0]))
        >>> [r.torch_grad for r in report.rows if r.name == 'a']
        [3.0]

    Raises NotImplementedError naming any op without a torch mapping (before any
    work), ModuleNotFoundError when PyTorch is not installed. No ``.grad`` changes.
    """
    if not isinstance(root, Value):
        raise TypeError(f"replay_in_torch: root must be a Value, got {type(root).__name__}")
    order = forward_order(root)
    _refuse_unmapped(order)
    torch = import_torch("replay_in_torch")
    tensors: dict[Value, Any] = {}
    # also when called inside torch.no_grad() or torch.inference_mode()
    with torch.inference_mode(False), torch.enable_grad():
        for node in order:
            tensors[node] = _replay_node(torch, node, tensors)
        tensors[root].backward()
    # chaingrad's pass, stopped at its last step: it never reaches the end, where it would
    # add to .grad, so the graph is left untouched.
    grads = {s.node: s.grad for s in reverse_steps(root, contributions=False)}
    names = node_names(order)
    rows = []
    for k, node in enumerate(order):
        t = tensors[node]
        torch_grad = 0.0 if t.grad is None else float(t.grad)
        rows.append(ReplayRow(k, names[node], node.op or "leaf", node.data, float(t.detach()),
                              grads.get(node, 0.0), torch_grad))
    return TorchReplay(rows)
