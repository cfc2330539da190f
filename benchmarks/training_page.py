"""Size, build and opening time of the training page, and what its snapshots cost a run.

    python benchmarks/training_page.py                    # measure
    python benchmarks/training_page.py --screenshots DIR  # and screenshot both pages

Targets: the page of a 100-epoch moons run (MLP 2-16-16-1) and of a digits run (MLP
64-32-10) each under 2 MB, built in well under 1 s of Python, opened in under 1 s in
headless Chromium (Debian's, driven by Playwright through its path). The fit times with
and without snapshots are taken in turn (plain, kept, plain, kept) and the medians
compared, as the machine's load drifts.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nn import MLP, digits, fit, moons  # noqa: E402

CHROMIUM = os.environ.get("CHAINGRAD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def moons_run(record_every: int | None):
    X, y = moons(100, seed=0)
    t0 = time.perf_counter()
    history = fit(MLP(2, [16, 16, 1], seed=0), X, y, optimizer="sgd", lr=0.05, l2=1e-4,
                  epochs=100, seed=0, verbose=False, record_every=record_every)
    return time.perf_counter() - t0, history


def digits_run(record_every: int | None):
    X, y = digits("train")
    t0 = time.perf_counter()
    history = fit(MLP(64, [32, 10], seed=0), X, y, optimizer="adam", lr=0.01, epochs=2,
                  batch_size=32, seed=0, verbose=False, record_every=record_every)
    return time.perf_counter() - t0, history


def measure(run, every: int, rounds: int = 2):
    """(fit seconds without snapshots, with them: medians of runs taken in turn), history."""
    plain, kept, history = [], [], None
    for _ in range(rounds):
        plain.append(run(None)[0])
        seconds, history = run(every)
        kept.append(seconds)
    return statistics.median(plain), statistics.median(kept), history


def open_times(browser, path: Path, rounds: int = 5) -> list[float]:
    out = []
    for _ in range(rounds):
        pg = browser.new_page(viewport={"width": 1400, "height": 900})
        t0 = time.perf_counter()
        pg.goto(path.resolve().as_uri(), wait_until="load")
        out.append(time.perf_counter() - t0)
        pg.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--screenshots", metavar="DIR", help="write screenshots of both pages")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    tmp = Path(tempfile.mkdtemp(prefix="chaingrad-training-page-"))
    rows = []
    for name, run, every, image in (("moons", moons_run, 2, None),
                                    ("digits", digits_run, 1, (8, 8))):
        plain, kept, history = measure(run, every)
        t0 = time.perf_counter()
        page = history["page"].titled(name, image=image)
        built = time.perf_counter() - t0
        rows.append((name, every, page, built, page.save(tmp / f"{name}.html"), plain, kept))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for name, every, page, built, path, plain, kept in rows:
            opened = open_times(browser, path)
            print(f"training page, {name}, record_every={every} ({page.snapshots} snapshots): "
                  f"size {path.stat().st_size / 1e6:.3f} MB (target < 2 MB), built in "
                  f"{built:.3f} s, opened in {statistics.median(opened):.3f} s (median of "
                  f"{len(opened)}); fit {plain:.2f} s without snapshots, {kept:.2f} s with "
                  f"them (ratio {kept / plain:.2f})")
            if args.screenshots:
                for w, h in ((1400, 900), (800, 600)):
                    pg = browser.new_page(viewport={"width": w, "height": h})
                    pg.goto(path.resolve().as_uri(), wait_until="load")
                    pg.screenshot(path=str(Path(args.screenshots) / f"training-{name}-{w}x{h}.png"))
                    pg.close()
        browser.close()
    shutil.rmtree(tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
