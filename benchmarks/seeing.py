"""The seeing tools at scale (issue 12): explain and trace_text against graph size.

    python benchmarks/seeing.py            # about half a minute
    python benchmarks/seeing.py --quick    # smaller sizes, a few seconds

  S1  ``explain(y, x)`` on a single-path chain ``y = tanh(... tanh(x * 1.01))``
      of n nodes: seconds (paths listed, so one path of n factors).
  S2  ``explain(loss, w, paths=False)`` for one first-layer weight of an MLP
      2-16-16-1 (ReLU) over a batch of m samples (loss = mse over the batch),
      beside one ``backward()`` of the same loss: seconds.
  S3  ``trace_text(autograd.sum(xs))`` over n inputs: seconds, characters of
      text, and the peak memory of the call (tracemalloc).

Every size runs once and reports CPU seconds (``time.process_time``): the
point is how time grows with size (linear means a 10x larger graph costs about
10x), not the third digit.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # benchmark the working tree, not an installed copy

import autograd  # noqa: E402
from autograd import Value, explain, trace_text  # noqa: E402


def clock(fn):
    """(seconds of CPU this process spent in fn, its result): steadier than the wall
    clock on a shared machine, and the same thing where the machine is idle."""
    gc.collect()
    start = time.process_time()
    out = fn()
    return time.process_time() - start, out


def chain(n: int) -> tuple[Value, Value]:
    x = Value(0.1, label="x")
    y = x
    for _ in range(n // 2):
        y = (y * 1.01).tanh()
    return x, y


def mlp_loss(m: int) -> tuple[Value, Value]:
    from nn import MLP, mse

    model = MLP(2, [16, 16, 1], seed=0)
    rng = random.Random(0)
    xs = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(m)]
    ys = [rng.choice((-1.0, 1.0)) for _ in range(m)]
    loss = mse([model(x) for x in xs], ys)
    return loss, model.layers[0].neurons[0].w[0]


def s1(sizes: list[int]) -> None:
    print("S1  explain(y, x), single-path chain of n nodes")
    for n in sizes:
        x, y = chain(n)
        t, e = clock(lambda: explain(y, x))  # noqa: B023
        print(f"    n = {n:>9,}: {t:8.3f} s   ({len(e.paths[0].factors):,} factors)")


def s2(sizes: list[int]) -> None:
    print("S2  explain(loss, w, paths=False), MLP 2-16-16-1 over m samples")
    for m in sizes:
        loss, w = mlp_loss(m)
        t, e = clock(lambda: explain(loss, w, paths=False))  # noqa: B023
        tb, _ = clock(loss.backward)
        assert abs(e.total - w.grad) <= 1e-9 * max(1.0, abs(w.grad))
        print(f"    m = {m:>5}: explain {t:8.3f} s   backward {tb:6.3f} s   "
              f"({len(e.split)} edges out of w)")


def s3(sizes: list[int]) -> None:
    print("S3  trace_text(autograd.sum(xs)), n inputs")
    for n in sizes:
        s = autograd.sum(Value(float(i), label=f"x{i}") for i in range(n))
        t, text = clock(lambda: trace_text(s))  # noqa: B023
        tracemalloc.start()
        trace_text(s)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"    n = {n:>9,}: {t:8.3f} s   {len(text):>13,} chars   "
              f"peak {peak / 1e6:9.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes")
    parser.add_argument("--chain", type=int, nargs="*", help="S1 sizes")
    parser.add_argument("--batch", type=int, nargs="*", help="S2 sizes")
    parser.add_argument("--fanin", type=int, nargs="*", help="S3 sizes")
    args = parser.parse_args()
    quick = args.quick
    print(f"python {platform.python_version()}, {platform.machine()}; "
          f"command: {' '.join(sys.argv)}")
    s1(args.chain if args.chain is not None else
       ([10_000, 100_000] if quick else [10_000, 100_000, 1_000_000]))
    s2(args.batch if args.batch is not None else
       ([50, 100] if quick else [50, 100, 200, 400]))
    s3(args.fanin if args.fanin is not None else
       ([10_000] if quick else [10_000, 100_000]))


if __name__ == "__main__":
    main()
