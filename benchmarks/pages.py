"""Size and speed of the HTML pages (issue 15's targets), and the README's screenshots.

    python benchmarks/pages.py                    # measure
    python benchmarks/pages.py --screenshots docs # and write docs/step_through.png, training.png

    python benchmarks/pages.py --scale-only       # only the step-through at 10^3 and 10^4 nodes

Targets: a step-through of an MLP 2-16-16-1 on one sample under 2 MB, built in under
1 s of Python, opened in under 1 s in headless Chromium; a replay of 100 epochs under
5 MB; a step-through of 10^3 and of 10^4 nodes (ten wide neurons, drawn as ten boxes)
built in seconds, the time growing linearly with the nodes (issue 27: it was quadratic,
one search of the whole SVG per leaf). Chromium is Debian's (`make chromium`), driven by
Playwright through its path.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograd import step_through  # noqa: E402
from nn import MLP, fit, moons, mse, tour  # noqa: E402

CHROMIUM = os.environ.get("CHAINGRAD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def mlp_root():
    model = MLP(2, [16, 16, 1], seed=0)
    return mse(model.trace([0.5, -1.0]).output, 1.0)


def build_times(rounds: int = 5) -> tuple[list[float], object]:
    times, page = [], None
    for _ in range(rounds):
        C = mlp_root()
        t0 = time.perf_counter()
        page = step_through(C)
        times.append(time.perf_counter() - t0)
    return times, page


def wide_root(nodes: int):
    """A graph of about ``nodes`` nodes that draws as ten boxes: ten neurons dot(w, x, b)
    with plain-number inputs, each ``nodes / 10`` weights wide, summed."""
    from autograd import Value, dot
    from autograd import sum as vsum

    width = max(1, nodes // 10 - 3)
    outs = []
    for i in range(10):
        ws = [Value(0.01 * ((i + k) % 7 - 3), label=f"w{i}_{k}") for k in range(width)]
        outs.append(dot(ws, [0.5] * width, Value(0.1, label=f"b{i}")).tanh())
    return vsum(outs)


def scale_times() -> list[tuple[int, float]]:
    """(nodes, seconds of one step_through) at 10^3 and 10^4 nodes."""
    out = []
    for nodes in (1_000, 10_000):
        root = wide_root(nodes)
        t0 = time.perf_counter()
        page = step_through(root, collapse=True, max_nodes=10**6)
        out.append((page.nodes, time.perf_counter() - t0))
    return out


def print_scale(rows: list[tuple[int, float]]) -> None:
    print("step-through at scale (ten neurons drawn as boxes, Graphviz included):")
    for nodes, seconds in rows:
        print(f"  {nodes:>6,} nodes: {seconds:.2f} s ({seconds / nodes * 1e6:.0f} µs per node)")
    (n1, t1), (n2, t2) = rows
    print(f"  time ratio {t2 / t1:.1f} for {n2 / n1:.1f}x the nodes (linear: about the same)")


def open_times(browser, path: Path, rounds: int = 5) -> list[float]:
    """Seconds from navigation to the load event (the page's script has run by then)."""
    out = []
    for _ in range(rounds):
        pg = browser.new_page(viewport={"width": 1400, "height": 800})
        t0 = time.perf_counter()
        pg.goto(path.resolve().as_uri(), wait_until="load")
        pg.evaluate("document.getElementById('cg-status') || document.getElementById('r-status')")
        out.append(time.perf_counter() - t0)
        pg.close()
    return out


SET_TIME = """() => {
  var c = window.chaingrad, leaf = c.labels()[0], v = c.data(leaf), times = [];
  for (var i = 0; i < 20; i++) {
    var t0 = performance.now();
    c.set(leaf, v + (i % 2 ? 0.01 : -0.01));
    times.push(performance.now() - t0);
  }
  times.sort(function (a, b) { return a - b; });
  return times[10] / 1000;
}"""


def set_time(browser, path: Path) -> float:
    """Seconds for one chaingrad.set in the page: the whole graph again, forward and reverse,
    and the page redrawn (median of 20)."""
    pg = browser.new_page(viewport={"width": 1400, "height": 800})
    pg.goto(path.resolve().as_uri(), wait_until="load")
    seconds = pg.evaluate(SET_TIME)
    pg.close()
    return seconds


def replay_run(record_every: int | None):
    X, y = moons(100, seed=0)
    model = MLP(2, [16, 16, 1], seed=0)
    t0 = time.perf_counter()
    history = fit(model, X, y, optimizer="sgd", lr=0.05, l2=1e-4, epochs=100, seed=0,
                  verbose=False, record_every=record_every)
    return time.perf_counter() - t0, history


def screenshots(browser, folder: Path, tmp: Path, replay_path: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    out = tmp / "tour"
    args = argparse.Namespace(network="linear-chain", out=str(out), no_svg=False)
    tour.run(args, out=io.StringIO())
    pg = browser.new_page(viewport={"width": 1900, "height": 640})
    pg.goto((out / "index.html").resolve().as_uri())
    pg.click("#v1")  # w12: its gradient as a path, and as δ × q
    pg.locator("body").focus()
    for _ in range(12):  # the forward pass (6), then 6 steps back
        pg.keyboard.press("ArrowRight")
    pg.screenshot(path=str(folder / "step_through.png"))
    pg.close()
    pg = browser.new_page(viewport={"width": 1500, "height": 900})
    pg.goto(replay_path.resolve().as_uri())
    for _ in range(8):
        pg.keyboard.press("ArrowRight")
    pg.click("g.unit[data-layer='2'][data-neuron='3']")
    pg.click("#r-detail button.param >> nth=5")
    pg.screenshot(path=str(folder / "training.png"))
    pg.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--screenshots", metavar="DIR", help="write the README's screenshots here")
    parser.add_argument("--scale-only", action="store_true",
                        help="only the step-through at 10^3 and 10^4 nodes")
    args = parser.parse_args()
    print_scale(scale_times())
    if args.scale_only:
        return 0
    from playwright.sync_api import sync_playwright

    times, page = build_times()
    tmp = Path(tempfile.mkdtemp(prefix="chaingrad-pages-"))
    mlp_path = page.save(tmp / "mlp.html")
    size = mlp_path.stat().st_size
    quiz_size = len(step_through(mlp_root(), quiz=True).html.encode())
    plain, _ = replay_run(None)
    recorded, history = replay_run(2)
    replay = history["page"]
    replay_path = replay.save(tmp / "training.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        opened = open_times(browser, mlp_path)
        live = set_time(browser, mlp_path)
        opened_replay = open_times(browser, replay_path)
        if args.screenshots:
            screenshots(browser, Path(args.screenshots), tmp, replay_path)
        browser.close()
    print(f"step-through, MLP 2-16-16-1 on one sample ({page.nodes} nodes, {page.steps} steps, "
          f"collapsed={page.collapsed}):")
    print(f"  size {size / 1e6:.3f} MB (target < 2 MB)")
    print(f"  built in {statistics.median(times):.3f} s of Python, median of {len(times)} "
          f"(min {min(times):.3f}, max {max(times):.3f}; target < 1 s)")
    print(f"  opened in {statistics.median(opened):.3f} s in headless Chromium, median of "
          f"{len(opened)} (max {max(opened):.3f}; target < 1 s)")
    print(f"  a leaf set live (chaingrad.set: forward, reverse, redraw) in {live * 1e3:.1f} ms, "
          "median of 20")
    print(f"  with quiz=True: size {quiz_size / 1e6:.3f} MB")
    print(f"training replay, moons 100 samples, MLP 2-16-16-1, 100 epochs full batch, "
          f"record_every=2 ({replay.snapshots} snapshots):")
    print(f"  size {replay_path.stat().st_size / 1e6:.3f} MB (target < 5 MB)")
    print(f"  opened in {statistics.median(opened_replay):.3f} s (median of {len(opened_replay)})")
    print(f"  fit {plain:.2f} s without recording, {recorded:.2f} s with it")
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
