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


def test_tour_and_cli_use_only_autograds_public_names():
    import autograd
    import autograd.files

    public = {"autograd": autograd, "autograd.files": autograd.files}

    nn_dir = ROOT / "nn"
    for name in ("tour.py", "cli.py", "module.py", "_files.py"):
        tree = ast.parse((nn_dir / name).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("autograd"):
                # no autograd.viz etc.; autograd.files is the core's public file writer
                assert node.module in public, (name, node.module)
                for alias in node.names:
                    assert alias.name in public[node.module].__all__, (name, alias.name)
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("autograd.") for a in node.names), name


def test_a_network_is_its_cost_its_forward_chains_and_its_finish():
    assert list(tour.Network.__dataclass_fields__) == ["title", "equations", "C", "forward",
                                                       "finish"]
    for build in tour.BUILDERS.values():
        net = build()
        weights = net.finish()
        assert weights and all(isinstance(w, tour.Weight) for w in weights)
