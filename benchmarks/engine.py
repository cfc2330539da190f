"""Engine benchmark (issue 2; W2-W4 of issue 7): chaingrad against micrograd 0.1.0.

    python benchmarks/engine.py            # about a minute
    python benchmarks/engine.py --quick    # smaller sizes, a few seconds

Both engines run in this process, interleaved (the order alternates between
repetitions), on the same workloads:

  W2  a chain of 10^6 binary ops (y = y * c + d, c and d plain numbers):
      forward seconds, backward seconds. micrograd's recursive topological
      sort fails past a depth of about 1,000; that is reported, not hidden.
  W3  a 10^5-way fan-in: chaingrad's one n-ary ``sum`` node; micrograd's
      natural ``sum(xs)`` (a 10^5-deep chain of +); and, for a comparison both
      engines can finish, a pairwise tree of + over the same inputs.
  W4  bytes per binary-op node (tracemalloc): a chain y = y * c with c a Value,
      and the same with c a plain number (micrograd wraps it in a Value).

It installs nothing: micrograd comes from the ``bench`` extra
(``python -m pip install -e '.[bench]'``); without it only chaingrad's column is filled.
The garbage collector is left on, as a user would have it; it is run between
measurements so one engine's garbage is not collected on the other's clock.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmark the working tree, not an installed copy

import autograd  # noqa: E402

try:
    from micrograd.engine import Value as MicroValue
except ImportError:  # the bench extra is not installed
    MicroValue = None

FAILED = "fails (RecursionError)"


# -- workloads ---------------------------------------------------------------------

def chain_forward(V, n_ops: int):
    """n_ops binary ops in one chain; returns (input, output)."""
    x = V(1.0)
    y = x
    for _ in range(n_ops // 2):
        y = y * 1.000001 + 0.000001
    return x, y


def fan_in_sum(V, xs):
    if V is autograd.Value:
        return autograd.sum(xs)
    return sum(xs)  # micrograd: Python's sum, a chain of + as deep as xs is long


def pairwise_sum(xs):
    level = list(xs)
    while len(level) > 1:
        nxt = [a + b for a, b in zip(level[::2], level[1::2])]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def _backward_or_fail(y) -> float | str:
    try:
        seconds, _ = timed(y.backward)
    except RecursionError:
        return FAILED
    return seconds


def engines() -> list[tuple[str, type]]:
    found = [("chaingrad", autograd.Value)]
    if MicroValue is not None:
        found.append(("micrograd", MicroValue))
    return found


def _interleaved(repeats: int):
    """(repetition, name, class), the engines' order alternating between repetitions."""
    order = engines()
    for r in range(repeats):
        for name, V in order if r % 2 == 0 else order[::-1]:
            gc.collect()
            yield r, name, V


def _median(xs):
    numbers = [x for x in xs if not isinstance(x, str)]
    if len(numbers) < len(xs):
        return FAILED
    return statistics.median(numbers)


def bench_chain(n_ops: int, repeats: int) -> dict:
    got: dict = {}
    for _, name, V in _interleaved(repeats):
        seconds, (x, y) = timed(lambda V=V: chain_forward(V, n_ops))
        back = _backward_or_fail(y)
        if not isinstance(back, str):
            expected = 1.000001 ** (n_ops // 2)
            assert abs(x.grad - expected) <= 1e-9 * expected, (name, x.grad, expected)
        got.setdefault((name, "forward"), []).append(seconds)
        got.setdefault((name, "backward"), []).append(back)
        del x, y
    return {k: _median(v) for k, v in got.items()}


def bench_fan_in(n: int, repeats: int) -> dict:
    got: dict = {}
    for _, name, V in _interleaved(repeats):
        xs = [V(0.001 * (i % 1000)) for i in range(n)]
        seconds, s = timed(lambda V=V, xs=xs: fan_in_sum(V, xs))
        back = _backward_or_fail(s)
        if not isinstance(back, str):
            assert all(x.grad == 1.0 for x in xs), name
        got.setdefault((name, "sum"), []).append((seconds, back))
        del s
        xs = [V(0.001 * (i % 1000)) for i in range(n)]
        seconds, s = timed(lambda xs=xs: pairwise_sum(xs))
        back = _backward_or_fail(s)
        if not isinstance(back, str):
            assert all(x.grad == 1.0 for x in xs), name
        got.setdefault((name, "tree"), []).append((seconds, back))
        del s, xs
    out = {}
    for (name, kind), runs in got.items():
        out[(name, kind, "forward")] = _median([f for f, _ in runs])
        out[(name, kind, "backward")] = _median([b for _, b in runs])
    return out


def bytes_per_node(V, n: int, number_operand: bool) -> float:
    gc.collect()
    c = 1.000001 if number_operand else V(1.000001)
    x = V(1.0)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        y = x
        for _ in range(n):
            y = y * c
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del y
    return (after - before) / n


def bench_memory(n: int) -> dict:
    out = {}
    for name, V in engines():
        for number in (False, True):
            out[(name, number)] = bytes_per_node(V, n, number)
    return out


# -- the table ---------------------------------------------------------------------

def fmt_seconds(x) -> str:
    if isinstance(x, str):
        return x
    return f"{x:.3f} s" if x >= 0.01 else f"{x * 1000:.2f} ms"


def ratio(micro, chain) -> str:
    if isinstance(micro, str) or isinstance(chain, str) or micro is None or chain is None:
        return "-"
    return f"{micro / chain:.1f}x"


def machine() -> str:
    return (
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()} ({platform.python_implementation()}), "
        f"{platform.system()} {platform.release()}"
    )


def engine_rows(n_chain: int, n_fan: int, n_mem: int, repeats: int) -> list[list[str]]:
    chain = bench_chain(n_chain, repeats)
    fan = bench_fan_in(n_fan, repeats + 2)
    mem = bench_memory(n_mem)
    micro = MicroValue is not None

    def pick(d, *key):
        return d.get(key) if micro or key[0] == "chaingrad" else None

    rows = []
    c_f, m_f = chain[("chaingrad", "forward")], pick(chain, "micrograd", "forward")
    c_b, m_b = chain[("chaingrad", "backward")], pick(chain, "micrograd", "backward")
    k = f"{n_chain:,}"
    rows.append([f"W2 chain of {k} ops: forward", fmt_seconds(c_f), _cell(m_f), ratio(m_f, c_f)])
    rows.append([f"W2 chain of {k} ops: backward", fmt_seconds(c_b), _cell(m_b), ratio(m_b, c_b)])
    rows.append(["W2 chaingrad backward / its own forward", f"{c_b / c_f:.2f}", "", ""])
    k = f"{n_fan:,}"
    for kind, what in (("sum", f"W3 {k}-way fan-in, sum()"), ("tree", f"W3 {k} inputs, + tree")):
        for phase in ("forward", "backward"):
            c = fan[("chaingrad", kind, phase)]
            m = pick(fan, "micrograd", kind, phase)
            rows.append([f"{what}: {phase}", fmt_seconds(c), _cell(m), ratio(m, c)])
    for number, what in ((False, "Value operand"), (True, "number operand")):
        c = mem[("chaingrad", number)]
        m = pick(mem, "micrograd", number)
        rows.append([
            f"W4 bytes per binary-op node ({what})", f"{c:.0f}",
            "-" if m is None else f"{m:.0f}", ratio(m, c),
        ])
    return rows


def _cell(x) -> str:
    return "not installed" if x is None else fmt_seconds(x)


def markdown(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), sep, *map(line, rows)])


HEADER = ["workload", "chaingrad", "micrograd 0.1.0", "micrograd / chaingrad"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke run)")
    parser.add_argument(
        "--repeats", type=int, default=1, help="runs of the chain per engine (fan-in: 2 more)"
    )
    args = parser.parse_args(argv)
    n_chain, n_fan, n_mem = (10**5, 10**4, 10**4) if args.quick else (10**6, 10**5, 10**5)
    print(f"# chaingrad engine benchmark\n\n{machine()}")
    print(f"command: python {' '.join(sys.argv)}")
    print(f"recursion limit: {sys.getrecursionlimit()}; chain: median of {args.repeats} run(s), "
          f"fan-in: median of {args.repeats + 2}, engines interleaved\n")
    print(markdown(HEADER, engine_rows(n_chain, n_fan, n_mem, args.repeats)))


if __name__ == "__main__":
    main()
