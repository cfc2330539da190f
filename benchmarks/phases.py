"""Where chaingrad's time goes in T1, T2 and T4: forward, topological order, reverse pass, writes.

    python benchmarks/phases.py            # one table, about 30 s
    python benchmarks/phases.py --quick    # fewer rounds and a shorter chain

For each workload on chaingrad's Value, with sum() merged (as shipped) and left
a chain of + (``_MERGE_SUMS`` off), the median over rounds of: the forward pass
(building the graph and the loss), ``topo_order`` alone, ``reverse_pass`` (the
order again, then the chain rule once per edge) and the whole ``backward()``
(``reverse_pass`` plus checking and writing every ``.grad``). The collector is
off while timing, so the phases are the engine's own work (targets.py measures
the collector's share); nodes is the size of the graph ``backward`` walks. The
last row is T1 on the minimal Value of ``minimal_value.py``: its forward and its
own ``backward()``.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the working tree's autograd
sys.path.insert(1, str(HERE))

import minimal_value  # noqa: E402
import transformer  # noqa: E402
from engine import machine, markdown  # noqa: E402
from targets import C, D, micrograd_nn  # noqa: E402
from train_step import ALPHA, initial_weights, moons  # noqa: E402

import autograd  # noqa: E402
from autograd.backward import reverse_pass  # noqa: E402
from autograd.graph import topo_order  # noqa: E402


def t1_forward(V=autograd.Value):
    model = transformer.Model(V)
    words = iter(transformer.WORDS * 100)
    return lambda: transformer.loss_of(model.params, next(words))


def t2_forward():
    X, Y = moons()
    model = micrograd_nn(autograd.Value).MLP(2, [16, 16, 1])
    flat = [x for W, b in initial_weights() for r, bj in zip(W, b) for x in (*r, bj)]
    for p, w in zip(model.parameters(), flat):
        p.data = w

    def forward():  # micrograd's demo loss, as targets.demo_step builds it
        scores = [model(list(map(autograd.Value, row))) for row in X]
        losses = [(1 + -yi * si).relu() for yi, si in zip(Y, scores)]
        return sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in model.parameters())

    return forward


def t4_forward(n: int):
    def forward():
        y = autograd.Value(1.0)
        for _ in range(n // 2):
            y = y * C + D
        return y

    return forward


def phases(forward, rounds: int) -> tuple[int, list[float]]:
    """(nodes, [forward, topo_order, reverse_pass, backward] medians in ms)."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        loss = forward()
        t_forward = time.perf_counter()
        nodes = len(topo_order(loss))
        t_topo = time.perf_counter()
        reverse_pass(loss)
        t_pass = time.perf_counter()
        loss.backward()
        t_backward = time.perf_counter()
        times.append([t_forward - start, t_topo - t_forward, t_pass - t_topo,
                      t_backward - t_pass])
        del loss
    return nodes, [1000 * statistics.median(column) for column in zip(*times)]


def minimal_phases(rounds: int) -> list[str]:
    """T1 on the minimal Value: forward and its own backward (recursive sort and all)."""
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    forward, times = t1_forward(minimal_value.Value), []
    for _ in range(rounds):
        start = time.perf_counter()
        loss = forward()
        t_forward = time.perf_counter()
        loss.backward()
        times.append([t_forward - start, time.perf_counter() - t_forward])
        del loss
        gc.collect()  # its graph is cyclic garbage (see targets.py): freed off the clock
    ms = [1000 * statistics.median(column) for column in zip(*times)]
    return ["T1 on the minimal Value", "chains", "", f"{ms[0]:.1f}", "", "", f"{ms[1]:.1f}"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 rounds, a 10^5-op chain")
    args = parser.parse_args(argv)
    rounds, chain = (3, 10**5) if args.quick else (7, 10**6)
    workloads = {"T1 transformer step": t1_forward(), "T2 micrograd demo": t2_forward(),
                 f"T4 chain of {chain:,} ops": t4_forward(chain)}
    rows = []
    gc.disable()
    try:
        for name, forward in workloads.items():
            for merged in (True, False):
                autograd.value._MERGE_SUMS = merged and autograd.value._merging_is_sound()
                nodes, ms = phases(forward, rounds if "T4" not in name else 3)
                rows.append([name, "merged" if merged else "chains", f"{nodes:,}",
                             *(f"{x:.1f}" for x in ms)])
        rows.append(minimal_phases(rounds))
    finally:
        gc.enable()
        autograd.value._MERGE_SUMS = autograd.value._merging_is_sound()
    print(f"# Where the time goes\n\n{machine()}\ncommand: python {' '.join(sys.argv)}\n"
          "collector off while timing; medians in ms\n")
    print(markdown(["workload", "sum()", "nodes", "forward", "topo_order", "reverse_pass",
                    "backward"], rows))


if __name__ == "__main__":
    main()
