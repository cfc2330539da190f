"""Hostile model files and output folders: every one is refused with a ModelFileError (or
loads as written), nothing is built first, a refused file changes no model, memory stays
bounded (children under RLIMIT_AS), and unwritable folders are found before any work.

Classes of hostile input tried here (examples per run):
  A. one field of a valid file replaced by any JSON value (hypothesis)        400
  B. one parameter name replaced by any string (hypothesis)                   100
  C. byte-level damage: truncation, flipped/inserted/deleted bytes (hypothesis) 400
  D. any JSON document at all (hypothesis)                                    200
  E. NaN/Infinity/huge-number literals in place of a weight (hypothesis)       100
  F. oversized and deep files in a child process under a memory cap             4
  G. unwritable, file-shaped and missing output folders for save and the CLI   10
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nn.module
from nn import MLP, Layer, ModelFileError, Module, Neuron

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = dict(os.environ, PYTHONPATH=ROOT)
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

BASE = MLP(2, [3, 2], activation=["tanh", "sigmoid"], seed=0)
BASE_DOC = BASE.state_dict()
BASE_TEXT = json.dumps(BASE_DOC, indent=1)


def values(model):
    return [p.data for p in model.parameters()]


def outcome(path):
    """Load ``path`` three ways; each must load what the file says or refuse it cleanly."""
    results = []
    for cls in (MLP, Module):
        try:
            results.append(cls.load(path))
        except ModelFileError as error:
            assert str(path) in str(error)
            assert len(str(error)) < 2000  # a hostile value is shown shortened
            results.append(None)
    target = MLP(2, [3, 2], activation=["tanh", "sigmoid"], seed=1)
    before = values(target)
    try:
        target.load_state_dict(nn.module.read_state_file(path), source=str(path))
    except ModelFileError:
        assert values(target) == before  # a refused file changes nothing
    return results


def check_loaded(model, doc):
    """A model that loaded holds exactly the numbers the document gave, all finite."""
    if model is None:
        return
    assert isinstance(model, MLP)
    params = doc["parameters"]
    assert [n for n, _ in model.named_parameters()] == list(params)
    for (_, p), v in zip(model.named_parameters(), params.values()):
        assert math.isfinite(p.data) and p.data == float(v)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12,
)

FIELDS = [("format",), ("version",), ("type",), ("architecture",), ("parameters",),
          ("architecture", "nin"), ("architecture", "nouts"), ("architecture", "activations"),
          ("architecture", "input_activation"), ("architecture", "extra"),
          ("architecture", "nouts", 0), ("architecture", "nouts", 1),
          ("architecture", "activations", 0), ("parameters", "layers.1.neurons.1.b"),
          ("parameters", "layers.0.neurons.0.w.0")]


def replaced(path_in_doc, value):
    doc = json.loads(BASE_TEXT)
    *parents, last = path_in_doc
    node = doc
    for key in parents:
        node = node[key]
    node[last] = value
    return doc


# -- A, B, D, E: hostile JSON documents --------------------------------------------------------


@settings(max_examples=400, **SETTINGS)
@given(field=st.sampled_from(FIELDS), value=json_values)
def test_A_any_value_in_any_field(tmp_path, field, value):
    doc = replaced(field, value)
    path = tmp_path / "a.json"
    path.write_text(json.dumps(doc))
    for model in outcome(path):
        check_loaded(model, doc)


@settings(max_examples=100, **SETTINGS)
@given(name=st.text(max_size=30), index=st.integers(0, len(BASE_DOC["parameters"]) - 1))
def test_B_a_parameter_renamed(tmp_path, name, index):
    doc = json.loads(BASE_TEXT)
    items = list(doc["parameters"].items())
    old = items[index][0]
    items[index] = (name, items[index][1])
    text = json.dumps({**doc, "parameters": dict(items)})
    if name in doc["parameters"] and name != old:  # json.dumps dropped one: write it twice
        pairs = ", ".join(f"{json.dumps(k)}: {json.dumps(v)}" for k, v in items)
        text = json.dumps({**doc, "parameters": {}}).replace('"parameters": {}',
                                                             f'"parameters": {{{pairs}}}')
    path = tmp_path / "b.json"
    path.write_text(text)
    results = outcome(path)
    if name == old:
        assert all(values(m) == values(BASE) for m in results)
    else:
        assert results == [None, None]


@settings(max_examples=200, **SETTINGS)
@given(doc=json_values)
def test_D_any_json_document(tmp_path, doc):
    path = tmp_path / "d.json"
    path.write_text(json.dumps(doc))
    assert outcome(path) == [None, None]


@settings(max_examples=100, **SETTINGS)
@given(literal=st.sampled_from(["NaN", "Infinity", "-Infinity", "1e400", "-1e999",
                                "1" + "0" * 400, "1" * 5000, "true", "null", '"0.5"']),
       index=st.integers(0, len(BASE_DOC["parameters"]) - 1))
def test_E_non_finite_and_non_number_weights(tmp_path, literal, index):
    name = list(BASE_DOC["parameters"])[index]
    text = BASE_TEXT.replace(f'"{name}": {json.dumps(BASE_DOC["parameters"][name])}',
                             f'"{name}": {literal}')
    assert text != BASE_TEXT
    path = tmp_path / "e.json"
    path.write_text(text)
    assert outcome(path) == [None, None]


# -- C: damaged bytes ---------------------------------------------------------------------------


@st.composite
def damaged(draw):
    data = bytearray(BASE_TEXT.encode())
    kind = draw(st.sampled_from(["truncate", "flip", "insert", "delete"]))
    for _ in range(draw(st.integers(1, 3))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        if kind == "truncate":
            del data[i:]
        elif kind == "flip":
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=4))
        else:
            del data[i:i + draw(st.integers(1, 8))]
    return bytes(data)


@settings(max_examples=400, **SETTINGS)
@given(data=damaged())
def test_C_damaged_bytes(tmp_path, data):
    path = tmp_path / "c.json"
    path.write_bytes(data)
    for model in outcome(path):
        if model is not None:  # damage that still reads as a valid model (a digit changed)
            check_loaded(model, json.loads(data.decode("utf-8-sig")))


# -- F: memory: nothing big is read or built (children under RLIMIT_AS) ---------------------------

CAPPED = textwrap.dedent("""
    import resource, sys
    from nn import MLP, ModelFileError
    # the cap: what the process maps now plus 64 MiB; building 10**6 parameters needs ~500 MB
    with open("/proc/self/statm") as f:
        mapped = int(f.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (mapped + 64 * 2**20, resource.RLIM_INFINITY))
    try:
        MLP.load(sys.argv[1])
    except ModelFileError as error:
        print("refused:", error)
""")


def load_under_a_memory_cap(path):
    out = subprocess.run([sys.executable, "-c", CAPPED, str(path)], capture_output=True,
                         text=True, env=ENV, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith("refused:"), out.stdout
    return out.stdout


def test_F_children_under_the_cap_can_still_load_a_normal_model(tmp_path):
    path = tmp_path / "ok.json"
    MLP(2, [16, 16, 1], seed=0).save(path)
    code = CAPPED.replace('print("refused:", error)', 'raise') + "\nprint('loaded')\n"
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, env=ENV, timeout=120)
    assert out.stdout.strip() == "loaded", out.stderr[-2000:]


@pytest.mark.parametrize("nouts, words", [
    ([100_000, 100_000], "too large"),  # the 730-byte file: MemoryError after 27 s
    ([1000, 1000], "1,004,000 parameters; the limit"),  # 3*1000 + 1001*1000, just over
    ([990, 1000], "has 993,970 parameters"),  # 3*990 + 991*1000: under the cap, 13 listed
])
def test_F_declared_sizes_are_refused_without_building_under_a_memory_cap(tmp_path, nouts,
                                                                          words):
    doc = MLP(2, [3, 1], seed=0).state_dict()
    doc["architecture"]["nouts"] = nouts
    doc["architecture"]["activations"] = ["relu"] * len(nouts)
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    assert path.stat().st_size < 1000
    assert words in load_under_a_memory_cap(path)


def test_F_an_oversized_sparse_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:  # sparse: no disk used, but reading it would need 128 MiB
        f.truncate(nn.module.MAX_FILE_BYTES + 1)
    out = load_under_a_memory_cap(path)
    assert "too large for a model file" in out and f"{nn.module.MAX_FILE_BYTES:,}" in out


def test_F_deep_nesting_under_a_memory_cap(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 1_000_000 + "]" * 1_000_000)
    assert "nested too deeply" in load_under_a_memory_cap(path)


# -- G: output folders that cannot be written ------------------------------------------------------


def writable(folder):
    probe = os.path.join(folder, "probe")
    try:
        with open(probe, "w") as f:
            f.write("x")
    except OSError:
        return False
    os.unlink(probe)
    return True


@pytest.fixture
def unwritable_dir(tmp_path):
    """A folder no file can be created in: mode 0555, or immutable where root ignores modes."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    immutable = False
    if writable(folder):  # root: permission bits do not stop it; the immutable flag does
        subprocess.run(["chattr", "+i", str(folder)], check=True, capture_output=True,
                       timeout=60)
        immutable = True
    assert not writable(folder)
    yield folder
    if immutable:
        subprocess.run(["chattr", "-i", str(folder)], check=True, capture_output=True,
                       timeout=60)
    folder.chmod(0o755)


def test_G_save_into_an_unwritable_folder_names_the_target(unwritable_dir):
    target = unwritable_dir / "model.json"
    with pytest.raises(OSError) as info:
        BASE.save(target)
    msg = str(info.value)
    assert str(target) in msg and ".tmp-" not in msg and "cannot save the model" in msg
    assert os.listdir(unwritable_dir) == []


@pytest.mark.parametrize("where", ["itself", "below"])
def test_G_cli_refuses_an_unwritable_out_before_training(unwritable_dir, where):
    out = unwritable_dir if where == "itself" else unwritable_dir / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "nn.cli", "train", "--epochs", "1", "--n", "20", "--hidden", "4",
         "--out", str(out)], capture_output=True, text=True, env=ENV, timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"chaingrad train: --out: {out}: cannot ")
    assert "parameters" not in proc.stderr and "epoch" not in proc.stderr  # no work was done
    assert os.listdir(unwritable_dir) == []


def test_G_tour_refuses_an_unwritable_out(unwritable_dir, capsys):
    import argparse

    from nn import tour

    args = argparse.Namespace(network="linear-chain", out=str(unwritable_dir), no_svg=False)
    assert tour.run(args) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("chaingrad tour: --out: ") and captured.out == ""


def test_G_every_loadable_class_round_trips(tmp_path):
    for model in (MLP(3, [2, 2], seed=0), Layer(3, 2, seed=0), Neuron(3, seed=0)):
        path = tmp_path / f"{type(model).__name__}.json"
        model.save(path)
        again = Module.load(path)
        assert type(again) is type(model) and values(again) == values(model)
