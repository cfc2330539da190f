"""The tour end to end: in process (nn.tour.run) and as the `chaingrad tour` command."""

from __future__ import annotations

import argparse
import ast
import importlib
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograd import topo_order
from nn.cli import build_parser, main

tour = importlib.import_module("nn.tour")

ROOT = Path(__file__).resolve().parents[2]


def run_tour(network: str, out: Path | None) -> tuple[int, str]:
    stream = io.StringIO()
    args = argparse.Namespace(network=network, out=str(out) if out else None, no_svg=out is None)
    code = tour.run(args, out=stream)
    return code, stream.getvalue()


@pytest.mark.parametrize(
    "network, n_weights", [("linear-chain", 3), ("nonlinear-chain", 3), ("mlp", 9)]
)
def test_tour_in_process(tmp_path, network, n_weights):
    code, text = run_tour(network, tmp_path)
    assert code == 0, text
    assert "1. Forward chains" in text and "2. The reverse pass" in text
    assert "3. Each weight's gradient = backward chain × forward chain" in text
    assert "agree" in text and "DISAGREE" not in text
    n_steps = len(re.findall(r"^  step +\d+:", text, flags=re.M))
    assert n_steps > 5
    assert text.count("document 003 :") == n_weights
    assert text.count("engine grad  :") == n_weights
    svgs = sorted(p.name for p in tmp_path.glob("*.svg"))
    assert len([s for s in svgs if s.startswith("step_")]) == n_steps
    assert "forward.svg" in svgs
    assert len([s for s in svgs if s.startswith("chains_")]) == n_weights
    assert "<svg" in (tmp_path / "step_001.svg").read_text()


def test_linear_chain_numbers_are_the_documents():
    net = tour.linear_chain()
    steps = list(tour.backward_steps(net.C))
    assert len(steps) == len(topo_order(net.C))
    for wt in net.finish():
        assert wt.value.grad == pytest.approx(wt.doc_number, rel=1e-12)


def test_one_linear_chain_for_the_tour_the_demo_and_notebook_01(capsys):
    x0, (w01, w12, w23), y = tour.LINEAR_CHAIN
    x3 = w23 * w12 * w01 * x0  # by hand: -0.864 for (1.5, (0.8, -1.2, 0.6), 1.0)
    cost = (x3 - y) ** 2 / 2
    assert tour.linear_chain().C.data == pytest.approx(cost, rel=1e-15)
    assert tour.linear_chain_nodes()["C"].data == pytest.approx(cost, rel=1e-15)
    demo = build_parser().parse_args(["demo"])
    assert (demo.x0, tuple(demo.w), demo.y) == (x0, (w01, w12, w23), y)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert f"with y = {y:g}" in out and f"{cost:.6g}" in out
    source = (ROOT / "notebooks" / "src" / "01_linear_chain.py").read_text("utf-8")
    assert "from nn.tour import LINEAR_CHAIN" in source  # the notebook's numbers: these


def test_tour_without_svgs():
    code, text = run_tour("nonlinear-chain", None)
    assert code == 0 and "σ'(p2)" in text


def test_chaingrad_tour_command(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = tmp_path / "tour"
    result = subprocess.run(
        [sys.executable, "-m", "nn.cli", "tour", "--network", "nonlinear-chain", "--out",
         str(out)],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "backward chain × forward chain" in result.stdout
    assert len(list(out.glob("step_*.svg"))) == len(re.findall(r"^  step +\d+:", result.stdout,
                                                                flags=re.M))


def test_tour_quiz_writes_a_quiz_page(tmp_path):
    import json

    args = argparse.Namespace(network="nonlinear-chain", out=str(tmp_path), no_svg=False,
                              quiz=True)
    stream = io.StringIO()
    assert tour.run(args, out=stream) == 0
    assert "(a quiz)" in stream.getvalue()
    page = (tmp_path / "index.html").read_text()
    data = json.loads(re.search(r'id="cg-data">(.*?)</script>', page, re.S).group(1))
    assert data["quiz"] is True and data["mistakes"]  # the table's mistakes, for its ops
    assert "CG_MISTAKES = {" in page
    plain = tmp_path / "plain"
    assert tour.run(argparse.Namespace(network="nonlinear-chain", out=str(plain),
                                       no_svg=False), out=io.StringIO()) == 0
    assert '"quiz":false' in (plain / "index.html").read_text()
    parser = argparse.ArgumentParser()
    tour.add_arguments(parser)
    assert parser.parse_args(["--quiz"]).quiz and not parser.parse_args([]).quiz


def test_add_arguments():
    parser = argparse.ArgumentParser()
    tour.add_arguments(parser)
    args = parser.parse_args([])
    assert args.network == "linear-chain" and args.out
    with pytest.raises(SystemExit):
        parser.parse_args(["--network", "resnet"])


def test_tour_draws_atomically_and_leaves_no_temporary_files(tmp_path):
    code, _ = run_tour("linear-chain", tmp_path)
    assert code == 0
    names = os.listdir(tmp_path)
    assert not [n for n in names if n.startswith(".")]  # no temporary file left behind
    svgs = [n for n in names if n.endswith(".svg")]
    assert svgs and sorted(set(names) - set(svgs)) == ["index.html"]
    assert all((tmp_path / n).read_text().rstrip().endswith("</svg>") for n in svgs)
    assert (tmp_path / "index.html").read_text().rstrip().endswith("</html>")


def test_without_graphviz_the_tour_prints_everything_and_says_how_to_install(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()  # a PATH on which there is no `dot`
    env = dict(os.environ, PYTHONPATH=str(ROOT), PATH=str(empty))
    out = tmp_path / "tour"
    result = subprocess.run([sys.executable, "-m", "nn.cli", "tour", "--out", str(out)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.count("(no drawings) Graphviz's `dot` program is not installed") == 1
    assert "sudo apt-get install graphviz" in text and "brew install graphviz" in text
    assert "3. Each weight's gradient" in text and "agree" in text
    assert f"No drawings written to {out}/" in text
    assert os.listdir(out) == []


PUBLIC = ("autograd", "autograd.see", "autograd.compiler", "autograd.torch_replay",
          "autograd.files")


def test_tour_and_cli_use_only_autograds_public_names():
    import importlib

    nn_dir = ROOT / "nn"
    for name in ("tour.py", "cli.py", "module.py", "_files.py"):
        tree = ast.parse((nn_dir / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograd"):
                # autograd, a wing's front door or the core's file writer (autograd.files),
                # never a module inside (autograd.see.viz)
                assert node.module in PUBLIC, (name, node.module)
                public = importlib.import_module(node.module).__all__
                for alias in node.names:
                    assert alias.name in public, (name, alias.name)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("autograd.") for a in node.names), name


def test_a_network_is_its_cost_its_forward_chains_and_its_finish():
    assert list(tour.Network.__dataclass_fields__) == ["title", "equations", "C", "forward",
                                                       "finish"]
    for build in tour.BUILDERS.values():
        net = build()
        weights = net.finish()
        assert weights and all(isinstance(w, tour.Weight) for w in weights)


def _significant(x: str) -> int:
    return len(x.lstrip("-").split("e")[0].replace(".", "").lstrip("0"))


@pytest.mark.parametrize("network", ["linear-chain", "nonlinear-chain", "mlp"])
def test_a_line_prints_its_numbers_in_one_precision(network):
    """'-1.2 × -1.118 = 1.34208' mixes 4 and 6 digits: a reader cannot redo the product. The
    reverse pass's arithmetic and the document's formulas print 4 significant digits."""
    _, text = run_tour(network, None)
    checked = 0
    for line in text.splitlines():
        if not (line.startswith("           = ") or "document 003 :" in line):
            continue
        tail = line.split("=", 1)[1] if "document" not in line else line.rsplit(")", 1)[-1]
        numbers = re.findall(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]\d+)?(?![\w.])", tail)
        assert numbers and all(_significant(x) <= 4 for x in numbers), line
        checked += 1
    assert checked >= 5
