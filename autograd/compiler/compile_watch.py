"""What a compiled function closes over, re-checked on every call.

A compiled graph is written from one run of f. Whatever f reads from its
closure cells and from the module globals its code names (a model, a Value, a
float such as a learning rate or a temperature, a helper function) is a
constant of that graph. So that a later call never runs a stale graph, the
compiled code checks each of them by identity before it computes anything: a
global rebound (``model = MLP.load(...)``), a float in a cell changed
(``scale = 0.5`` in the enclosing function) or a helper redefined is a new
object, and the call is traced anew. The walk follows f's own helpers (plain
functions of the user's code, two levels deep); objects' attributes and the
contents of lists and dicts are not followed (see ``autograd.compile``).

    >>> scale = 2.0
    >>> [name for name, _, _, _ in watched(lambda x: x * scale)]
    ['scale']
"""

from __future__ import annotations

import types
from typing import Any

MAX_WATCHED = 64  # each is one identity test per call
DEPTH = 2  # helpers of helpers of f, no further

# (name for messages, where: "cell" or "global", the cell or the globals dict, the object)
Watched = tuple[str, str, Any, Any]

_SKIPPED = (types.ModuleType, type, types.BuiltinFunctionType)


def watched(f: Any) -> list[Watched]:
    """The objects f (and its own helpers) read from closure cells and globals."""
    found: list[Watched] = []
    seen: set[int] = set()
    stack: list[tuple[Any, int]] = [(f, 0)]
    while stack and len(found) < MAX_WATCHED:
        fn, depth = stack.pop()
        fn = getattr(fn, "__func__", fn)  # a bound method: its function
        if not isinstance(fn, types.FunctionType) or id(fn.__code__) in seen:
            continue
        seen.add(id(fn.__code__))
        for item in _reads(fn):
            if len(found) < MAX_WATCHED:
                found.append(item)
            if depth < DEPTH and _users(item[3]):
                stack.append((item[3], depth + 1))
    return found


def _reads(fn: types.FunctionType) -> list[Watched]:
    items: list[Watched] = []
    code = fn.__code__
    for name, cell in zip(code.co_freevars, fn.__closure__ or ()):
        try:
            content = cell.cell_contents
        except ValueError:  # not bound yet: f's own recursion, say
            continue
        if not isinstance(content, _SKIPPED):
            items.append((name, "cell", cell, content))
    space = fn.__globals__
    for name in _global_names(code):
        if name in space and not isinstance(space[name], _SKIPPED):
            items.append((name, "global", space, space[name]))
    return items


def _global_names(code: types.CodeType) -> list[str]:
    """The names code (and the code of its comprehensions and lambdas) may read as globals."""
    names: dict[str, None] = {}
    stack = [code]
    while stack:
        c = stack.pop()
        names.update(dict.fromkeys(c.co_names))
        stack.extend(k for k in c.co_consts if isinstance(k, types.CodeType))
    return list(names)


def _users(obj: Any) -> bool:
    """A plain function of the user's own (the library's are not walked)."""
    fn = getattr(obj, "__func__", obj)
    module = getattr(fn, "__module__", "") or ""
    return isinstance(fn, types.FunctionType) and module.partition(".")[0] not in (
        "autograd", "nn")


def check_lines(items: list[Watched], space: dict[str, Any]) -> list[str]:
    """Lines of generated code that raise Mismatch when a watched object was replaced."""
    lines = []
    for k, (name, where, holder, obj) in enumerate(items):
        space[f"_W{k}"], space[f"_E{k}"] = holder, obj
        read = f"_W{k}.cell_contents" if where == "cell" else f"_W{k}[{name!r}]"
        lines.append(f"if {read} is not _E{k}: raise _Mismatch({f'{where} {name}'!r})")
    return lines
