"""Saving and loading: JSON round trip, atomic writes, every bad-file case, atomic loads."""

from __future__ import annotations

import json
import os

import pytest

import nn.module
from nn import MLP, ModelFileError, Neuron


def snapshot(model):
    return [p.data for p in model.parameters()]


@pytest.fixture
def model():
    m = MLP(3, [5, 4, 2], activation=["tanh", "relu", "sigmoid"], input_activation="tanh",
            seed=0)
    for i, p in enumerate(m.parameters()):  # biases too: nothing may be left at its default
        p.data += 0.001 * i
    return m


XS = [[0.1, -0.2, 0.3], [1.5, 2.0, -3.0], [0.0, 0.0, 0.0]]


def test_round_trip_gives_identical_outputs(model, tmp_path):
    path = tmp_path / "model.json"
    model.save(path)
    again = MLP.load(path)
    assert isinstance(again, MLP)
    assert again.architecture() == model.architecture()
    assert snapshot(again) == snapshot(model)  # exact: floats round-trip through JSON
    for x in XS:
        assert [v.data for v in again(x)] == [v.data for v in model(x)]
    assert [n for n, _ in again.named_parameters()] == [n for n, _ in model.named_parameters()]
    # the file is plain JSON with the architecture and the weights
    doc = json.loads(path.read_text())
    assert doc["architecture"]["nouts"] == [5, 4, 2]
    assert doc["parameters"]["layers.0.neurons.0.w.0"] == model.layers[0].neurons[0].w[0].data


def test_load_accepts_str_path_and_single_output_model(tmp_path):
    m = MLP(2, [3, 1], seed=4)
    path = str(tmp_path / "m.json")
    m.save(path)
    assert MLP.load(path)([0.3, 0.4]).data == m([0.3, 0.4]).data


def test_save_is_atomic_and_leaves_no_temp_files(model, tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    model.save(path)
    before = path.read_bytes()
    other = MLP(3, [5, 4, 2], activation=["tanh", "relu", "sigmoid"], input_activation="tanh",
                seed=9)

    def broken_replace(src, dst):
        raise OSError("disk on fire")

    monkeypatch.setattr(nn.module.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        other.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before  # the old file is untouched
    assert sorted(os.listdir(tmp_path)) == ["model.json"]  # no temp file left behind
    other.save(path)  # overwriting works
    assert sorted(os.listdir(tmp_path)) == ["model.json"]
    assert snapshot(MLP.load(path)) == snapshot(other)


def test_save_refuses_unserialisable_state_without_touching_the_file(model, tmp_path):
    path = tmp_path / "model.json"
    model.save(path)
    before = path.read_bytes()
    model.parameters()[0].data = float("nan")
    with pytest.raises(ValueError) as info:
        model.save(path)
    assert str(path) in str(info.value) and "layers.0.neurons.0.w.0" in str(info.value)
    assert path.read_bytes() == before
    model.parameters()[0].data = 1.0
    model.parameters()[-1].data = float("-inf")
    with pytest.raises(ValueError) as info:
        model.save(path)
    assert model.named_parameters()[-1][0] in str(info.value)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["model.json"]


# -- bad files: each raises a ModelFileError naming the file and the problem ----------------


def write(tmp_path, text, name="bad.json"):
    path = tmp_path / name
    path.write_text(text)
    return path


def good_text(model):
    return json.dumps(model.state_dict(), indent=1)


def test_missing_file(tmp_path):
    path = tmp_path / "nope.json"
    with pytest.raises(FileNotFoundError) as info:
        MLP.load(path)
    assert isinstance(info.value, ModelFileError)
    assert str(path) in str(info.value) and "missing" in str(info.value)


def test_truncated_file(model, tmp_path):
    text = good_text(model)
    cuts = list(range(1, len(text.rstrip()), 37)) + [len(text) // 2, len(text.rstrip()) - 1]
    assert len(cuts) > 20
    for cut in cuts:
        path = write(tmp_path, text[:cut], name=f"cut{cut}.json")
        with pytest.raises(ModelFileError) as info:
            MLP.load(path)
        msg = str(info.value)
        assert str(path) in msg and "truncated" in msg and "malformed JSON" in msg, (cut, msg)
        assert "at at" not in msg, msg


def test_unterminated_string_message_reads_well(tmp_path):
    path = write(tmp_path, '{"format": "chaingrad", "type": "ML')
    with pytest.raises(ModelFileError) as info:
        MLP.load(path)
    msg = str(info.value)
    assert "Unterminated string starting at line 1, column 33" in msg and "at at" not in msg
    assert "truncated" in msg


def test_malformed_but_complete_file_is_not_called_truncated(tmp_path):
    path = write(tmp_path, '{"format": "chaingrad", oops: 1}\n')
    with pytest.raises(ModelFileError) as info:
        MLP.load(path)
    msg = str(info.value)
    assert str(path) in msg and "malformed JSON" in msg and "truncated" not in msg


@pytest.mark.parametrize("field", ["nin", "nouts", "activations"])
def test_missing_architecture_field_is_named(model, tmp_path, field):
    path = edited(model, tmp_path, lambda d: d["architecture"].pop(field))
    with pytest.raises(ModelFileError) as info:
        MLP.load(path)
    msg = str(info.value)
    assert str(path) in msg and f"missing field {field!r} in architecture" in msg


def test_save_into_a_missing_folder_names_the_requested_path(model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError) as info:
        model.save("nodir/x.json")
    msg = str(info.value)
    assert "nodir/x.json" in msg and "folder 'nodir' does not exist" in msg
    assert ".tmp-" not in msg
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("text, problem", [
    ("", "empty"),
    ("{not json", "malformed JSON"),
    ("[1, 2, 3]", "JSON object"),
    ('{"format": "pickle"}', "not a chaingrad model file"),
])
def test_malformed_files(tmp_path, text, problem):
    path = write(tmp_path, text)
    with pytest.raises(ModelFileError) as info:
        MLP.load(path)
    assert str(path) in str(info.value) and problem in str(info.value)


def test_nan_literal_is_refused(model, tmp_path):
    doc = model.state_dict()
    text = json.dumps(doc).replace(repr(doc["parameters"]["layers.1.neurons.0.b"]), "NaN", 1)
    path = write(tmp_path, text)
    with pytest.raises(ModelFileError) as info:
        MLP.load(path)
    assert str(path) in str(info.value) and "NaN" in str(info.value)


def edited(model, tmp_path, edit):
    doc = json.loads(good_text(model))
    edit(doc)
    return write(tmp_path, json.dumps(doc))


@pytest.mark.parametrize("edit, problem", [
    (lambda d: d["architecture"].update(nouts=[5, 4, 3]), "shape mismatch"),
    (lambda d: d["architecture"].update(nin=4), "shape mismatch"),
    (lambda d: d["parameters"].pop("layers.2.neurons.1.w.3"), "missing 1 parameter"),
    (lambda d: d["parameters"].update({"layers.2.neurons.1.w.4": 0.5}), "unexpected 1 parameter"),
    (lambda d: d["parameters"].update({"layers.2.neurons.1.b": "0.5"}), "must be a number"),
    (lambda d: d["parameters"].update({"layers.2.neurons.1.b": None}), "must be a number"),
    (lambda d: d["parameters"].update({"layers.2.neurons.1.b": True}), "must be a number"),
    (lambda d: d["parameters"].update({"layers.2.neurons.1.b": [1.0]}), "must be a number"),
    (lambda d: d.update(parameters=[1.0, 2.0]), "'parameters' must be an object"),
    (lambda d: d["architecture"].update(nin="three"), "bad architecture"),
    (lambda d: d["architecture"].update(activations=["tanh", "relu", "gelu"]), "bad architecture"),
    (lambda d: d.update(architecture=None), "architecture"),
    (lambda d: d.update(type="Neuron"), "not a 'MLP'"),
])
def test_shape_and_type_errors(model, tmp_path, edit, problem):
    path = edited(model, tmp_path, edit)
    with pytest.raises(ModelFileError) as info:
        MLP.load(path)
    assert str(path) in str(info.value)
    assert problem in str(info.value)


# -- load_state_dict is all or nothing -------------------------------------------------------


def bad_states(model):
    sd = model.state_dict()
    last = list(sd["parameters"])[-1]

    def with_params(**changes):
        d = json.loads(json.dumps(sd))
        d["parameters"].update(changes)
        return d

    d_missing = json.loads(json.dumps(sd))
    d_missing["parameters"].pop(last)
    d_arch = json.loads(json.dumps(sd))
    d_arch["architecture"]["activations"] = ["relu", "relu", "relu"]
    return [
        with_params(**{last: "oops"}),
        with_params(**{last: float("inf")}),
        with_params(**{last: 10**400}),
        with_params(**{"layers.9.neurons.0.b": 1.0}),
        d_missing,
        d_arch,
        [1, 2],
    ]


def test_failed_load_state_dict_leaves_model_unchanged(model):
    target = MLP(3, [5, 4, 2], activation=["tanh", "relu", "sigmoid"], input_activation="tanh",
                 seed=1)
    before = snapshot(target)
    source = MLP(3, [5, 4, 2], activation=["tanh", "relu", "sigmoid"], input_activation="tanh",
                 seed=2)
    for state in bad_states(source):
        with pytest.raises(ModelFileError):
            target.load_state_dict(state)
        assert snapshot(target) == before
    target.load_state_dict(source.state_dict())
    assert snapshot(target) == snapshot(source)


def test_failed_file_load_leaves_nothing_half_built(model, tmp_path):
    # the bad value is the very last parameter, so a loader that assigned as it went would
    # already have overwritten every other one
    doc = model.state_dict()
    last = list(doc["parameters"])[-1]
    doc["parameters"][last] = "x"
    path = write(tmp_path, json.dumps(doc))
    with pytest.raises(ModelFileError, match=last.replace(".", r"\.")):
        MLP.load(path)


def test_load_state_dict_accepts_a_bare_mapping_and_other_modules_round_trip():
    n = Neuron(3, activation="tanh", seed=0)
    m = Neuron(3, activation="tanh", seed=1)
    m.load_state_dict({name: p.data for name, p in n.named_parameters()})
    assert snapshot(m) == snapshot(n)
    m2 = Neuron(3, activation="tanh", seed=5)
    m2.load_state_dict(n.state_dict())
    assert m2([1.0, 2.0, 3.0]).data == n([1.0, 2.0, 3.0]).data
    with pytest.raises(ModelFileError, match="shape mismatch"):
        Neuron(3, activation="relu").load_state_dict(n.state_dict())


def test_module_load_dispatches_and_layers_round_trip(tmp_path):
    from nn import Layer, Module

    m = MLP(2, [3, 1], seed=0)
    m.save(tmp_path / "m.json")
    again = Module.load(tmp_path / "m.json")
    assert isinstance(again, MLP) and again([1.0, 2.0]).data == m([1.0, 2.0]).data
    layer = Layer(2, 3, activation="tanh", seed=0)
    layer.save(tmp_path / "l.json")
    back = Layer.load(tmp_path / "l.json")
    assert [v.data for v in back([0.5, 0.25])] == [v.data for v in layer([0.5, 0.25])]
    with pytest.raises(ModelFileError, match="not a 'Neuron'"):
        Neuron.load(tmp_path / "m.json")
