"""Saving and loading: JSON round trip, atomic writes, every bad-file case, atomic loads."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    (lambda d: d["architecture"].update(activations=["tanh", "relu", "swish"]), "bad architecture"),
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


# -- issue 12: model files checked before anything is built --------------------------------


def doc_text(model, **changes):
    doc = model.state_dict()
    doc.update(changes)
    return json.dumps(doc)


def refused(path, cls=MLP):
    with pytest.raises(ModelFileError) as info:
        cls.load(path)
    msg = str(info.value)
    assert str(path) in msg, msg
    return msg


@pytest.mark.parametrize("where", ["top", "architecture", "parameters"])
def test_json_nested_100000_deep_is_a_model_file_error(model, tmp_path, where):
    deep = "[" * 100_000 + "]" * 100_000
    good = doc_text(model)
    text = {"top": deep,
            "architecture": good.replace('"nin": 3', f'"nin": {deep}'),
            "parameters": good.replace('"parameters": {', f'"parameters": {{"x": {deep},'),
            }[where]
    assert "nested too deeply" in refused(write(tmp_path, text))


def test_huge_declared_sizes_are_refused_before_building(model, tmp_path):
    doc = MLP(2, [3, 1], seed=0).state_dict()
    doc["architecture"]["nouts"] = [100_000, 100_000]
    path = write(tmp_path, json.dumps(doc))
    assert path.stat().st_size < 1000  # the 730-byte file
    msg = refused(path)
    assert "too large" in msg and "10,000,400,000 parameters" in msg
    assert f"{nn.module.MAX_PARAMETERS:,}" in msg


def test_the_parameter_cap_is_a_module_attribute_a_caller_may_lower(model, tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    model.save(path)
    monkeypatch.setattr(nn.module, "MAX_PARAMETERS", model.num_parameters() - 1)
    assert "too large" in refused(path)
    monkeypatch.setattr(nn.module, "MAX_PARAMETERS", model.num_parameters())
    assert snapshot(MLP.load(path)) == snapshot(model)


def test_more_parameters_declared_than_listed_is_refused_before_building(tmp_path):
    doc = MLP(2, [3, 1], seed=0).state_dict()
    doc["architecture"]["nouts"] = [900, 1000, 1]  # 3*900 + 901*1000 + 1001*1 = 904,701
    msg = refused(write(tmp_path, json.dumps(doc)))
    assert "shape mismatch" in msg and "has 904,701 parameters" in msg
    assert "lists 13" in msg and "missing 904,688" in msg


@pytest.mark.parametrize("kind", [[1], {"a": 1}, None, 1, True, "Module", "Optimizer", "", "mlp",
                                  "MLP" * 1000])
def test_a_type_that_is_not_a_loadable_class_is_a_model_file_error(model, tmp_path, kind):
    from nn import Module

    path = write(tmp_path, doc_text(model, type=kind))
    for cls in (MLP, Module, Neuron):
        msg = refused(path, cls)
        assert "type" in msg and len(msg) < 400  # a 3000-character name is shortened


def test_module_load_names_what_it_can_load(model, tmp_path):
    from nn import Module

    msg = refused(write(tmp_path, doc_text(model, type="Module")), Module)
    assert "unknown module type 'Module'" in msg and "Layer, MLP, Neuron" in msg


def test_missing_type_field(model, tmp_path):
    doc = model.state_dict()
    del doc["type"]
    assert "field 'type' must be a string" in refused(write(tmp_path, json.dumps(doc)))


@pytest.mark.parametrize("version, words", [
    (99, "newer chaingrad (format version 99)"), (2, "newer"), (0, "unknown format version"),
    (-1, "unknown format version"), ("1", "'1'"), (1.0, "1.0"), (True, "True"), (None, "None"),
    ([1], "[1]"),
])
def test_unknown_versions_are_refused(model, tmp_path, version, words):
    msg = refused(write(tmp_path, doc_text(model, version=version)))
    assert words in msg
    target = MLP(3, [5, 4, 2], activation=["tanh", "relu", "sigmoid"], input_activation="tanh")
    before = snapshot(target)
    state = model.state_dict()
    state["version"] = version
    with pytest.raises(ModelFileError, match="version"):
        target.load_state_dict(state)
    assert snapshot(target) == before


def test_missing_version_is_refused(model, tmp_path):
    doc = model.state_dict()
    del doc["version"]
    assert "'version' is missing" in refused(write(tmp_path, json.dumps(doc)))


@pytest.mark.parametrize("text, words", [
    ('{"format": "chaingrad", "format": "chaingrad"}', "key 'format' appears twice"),
    (None, "key 'nin' appears twice"),
    (None, "appears twice"),
])
def test_duplicate_keys_are_refused(model, tmp_path, text, words):
    if text is None and "nin" in words:
        text = doc_text(model).replace('"nin": 3', '"nin": 3, "nin": 3')
    elif text is None:
        name = "layers.0.neurons.0.b"
        text = doc_text(model).replace(f'"{name}": ', f'"{name}": 1.0, "{name}": ', 1)
    assert words in refused(write(tmp_path, text))


def test_a_utf8_bom_is_accepted_and_other_encodings_are_not(model, tmp_path):
    text = good_text(model)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert snapshot(MLP.load(bom)) == snapshot(model)
    utf16 = tmp_path / "utf16.json"
    utf16.write_bytes(text.encode("utf-16"))
    assert "not a text (UTF-8 JSON) file: byte 0" in refused(utf16)
    latin = tmp_path / "latin.json"
    latin.write_bytes(text.replace('"MLP"', '"MLP\xe9"').encode("latin-1"))
    assert "UTF-8" in refused(latin)


def test_directories_devices_and_pipes_are_refused_without_reading(tmp_path):
    assert "is a directory" in refused(tmp_path)
    assert "not a regular file" in refused("/dev/zero")  # would read forever
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    # a child with a timeout: if opening a pipe ever blocks again, the test fails, not hangs
    code = f"from nn import MLP\ntry: MLP.load({str(fifo)!r})\nexcept ValueError as e: print(e)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=child_env(), timeout=60)
    assert "not a regular file" in out.stdout, out.stderr


def test_files_over_the_size_cap_are_refused_before_reading(model, tmp_path, monkeypatch):
    path = tmp_path / "m.json"
    model.save(path)
    size = path.stat().st_size
    monkeypatch.setattr(nn.module, "MAX_FILE_BYTES", size - 1)
    msg = refused(path)
    assert "too large for a model file" in msg and f"{size:,} bytes" in msg
    monkeypatch.setattr(nn.module, "MAX_FILE_BYTES", size)
    assert snapshot(MLP.load(path)) == snapshot(model)


@pytest.mark.parametrize("bad", ["", "a\0b.json", b"a\0b.json"])
def test_empty_and_nul_paths_are_refused_on_load(bad):
    with pytest.raises(ModelFileError) as info:
        MLP.load(bad)
    assert ("empty" if not bad else "NUL byte") in str(info.value)


# -- saving: the target's name in errors, nothing left behind ------------------------------


def child_env():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return dict(os.environ, PYTHONPATH=root)


def test_save_empty_path_is_a_clear_error_and_writes_nothing(model, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    with pytest.raises(ValueError, match="the path is empty"):
        model.save("")
    assert os.listdir(tmp_path) == ["work"] and os.listdir(work) == []


def test_save_nul_byte_in_path(model, tmp_path):
    with pytest.raises(ValueError, match="NUL byte"):
        model.save(str(tmp_path / "a\0b.json"))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("make, words", [
    (lambda d: d, "is a folder, not a file"),
    (lambda d: str(d) + os.sep + "sub" + os.sep, "is a folder, not a file"),
    (lambda d: (d / "f").write_text("x") and d / "f" / "m.json", "f' is a file, not a folder"),
    (lambda d: d / "no" / "such" / "m.json", "folder"),
])
def test_save_errors_name_the_target_not_the_temporary_file(model, tmp_path, make, words):
    (tmp_path / "sub").mkdir()
    target = make(tmp_path)
    with pytest.raises(OSError) as info:
        model.save(target)
    msg = str(info.value)
    assert str(target) in msg and words in msg and ".tmp-" not in msg, msg
    assert sorted(os.listdir(tmp_path)) in (["sub"], ["f", "sub"])
    assert os.listdir(tmp_path / "sub") == []


@pytest.mark.parametrize("failure", [
    OSError(28, "No space left on device"), KeyboardInterrupt(), OSError(5, "I/O error")])
def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(model, tmp_path,
                                                                     monkeypatch, failure):

    path = tmp_path / "model.json"
    MLP(3, [1], seed=0).save(path)
    before = path.read_bytes()

    def broken_fsync(fd):
        raise failure

    monkeypatch.setattr(nn._files.os, "fsync", broken_fsync)
    with pytest.raises(type(failure)) as info:
        model.save(path)
    if isinstance(failure, OSError):
        msg = str(info.value)
        assert str(path) in msg and failure.strerror in msg and ".tmp-" not in msg
        assert info.value.errno == failure.errno
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.json"]


# -- symlinks: followed; the link stays, the file it points to is replaced ------------------


def test_save_through_a_symlink_replaces_the_target_and_keeps_the_link(model, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / "model.json"
    MLP(3, [1], seed=0).save(target)
    link = tmp_path / "model.json"
    link.symlink_to(os.path.join("shared", "model.json"))  # relative, as users make them
    model.save(link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("shared", "model.json")
    assert snapshot(MLP.load(target)) == snapshot(model)
    assert sorted(os.listdir(tmp_path)) == ["model.json", "shared"]
    assert os.listdir(shared) == ["model.json"]  # the temporary file was made beside the target


def test_save_through_a_dangling_symlink_creates_the_target(model, tmp_path):
    link = tmp_path / "model.json"
    link.symlink_to(tmp_path / "real.json")
    model.save(link)
    assert link.is_symlink() and snapshot(MLP.load(tmp_path / "real.json")) == snapshot(model)


def test_symlink_loops_and_links_to_folders_are_refused(model, tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(OSError, match="loop of symbolic links") as info:
        model.save(a)
    assert str(a) in str(info.value)
    folder_link = tmp_path / "d.json"
    folder_link.symlink_to(tmp_path)
    with pytest.raises(IsADirectoryError, match="is a folder"):
        model.save(folder_link)
    assert sorted(os.listdir(tmp_path)) == ["a.json", "b.json", "d.json"]


def test_save_keeps_an_existing_files_mode_and_gives_a_new_one_the_umask_mode(model, tmp_path):
    path = tmp_path / "model.json"
    model.save(path)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask
    path.chmod(0o640)
    model.save(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


# -- atomic under concurrency: readers never see half a file ----------------------------------


def test_concurrent_saves_and_loads_never_see_a_partial_file(tmp_path):
    path = tmp_path / "model.json"
    models = [MLP(2, [8, 8, 1], seed=s) for s in range(3)]
    models[0].save(path)
    allowed = [snapshot(m) for m in models]
    stop = threading.Event()
    problems: list[BaseException] = []
    loads = [0]

    def writer(m):
        try:
            for _ in range(40):
                m.save(path)
        except BaseException as error:  # noqa: BLE001 - reported below
            problems.append(error)

    def reader():
        try:
            while not stop.is_set():
                assert snapshot(MLP.load(path)) in allowed
                loads[0] += 1
        except BaseException as error:  # noqa: BLE001 - reported below
            problems.append(error)

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        readers = [threading.Thread(target=reader) for _ in range(2)]
        writers = [threading.Thread(target=writer, args=(m,)) for m in models]
        for t in readers + writers:
            t.daemon = True
            t.start()
        for t in writers:
            t.join(120)
        stop.set()
        for t in readers:
            t.join(60)
    finally:
        sys.setswitchinterval(old)
    assert not any(t.is_alive() for t in readers + writers), "a thread did not finish"
    assert problems == []
    assert loads[0] > 0
    assert os.listdir(tmp_path) == ["model.json"]


# -- parameter_count agrees with what is built ------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(nin=st.integers(1, 6), nouts=st.lists(st.integers(1, 6), min_size=1, max_size=4))
def test_parameter_count_equals_the_built_modules_count(nin, nouts):
    from nn import Layer

    assert MLP.parameter_count({"nin": nin, "nouts": nouts}) == MLP(nin, nouts).num_parameters()
    assert (Layer.parameter_count({"nin": nin, "nout": nouts[0]})
            == Layer(nin, nouts[0]).num_parameters())
    assert Neuron.parameter_count({"nin": nin}) == Neuron(nin).num_parameters()
    for m in (MLP(nin, nouts), Layer(nin, nouts[0]), Neuron(nin)):
        assert type(m).parameter_count(m.architecture()) == m.num_parameters()


def test_a_load_while_a_save_is_between_writing_and_moving_sees_the_old_model(tmp_path,
                                                                          monkeypatch):
    """The interleaving forced, not hoped for: each save stops once its new file is written
    and synced beside the target but not yet moved over it, until another thread has loaded
    the target. That load sees the old model, whole; a load after the save, the new one."""
    import autograd.files as files

    path = tmp_path / "model.json"
    models = [MLP(2, [3, 1], seed=s) for s in range(4)]
    models[0].save(path)
    paused, loaded = threading.Event(), threading.Event()
    synced = files._fsync_path

    def sync_then_wait(name, *, folder=False):
        synced(name, folder=folder)
        if not folder:  # the new file is written; the target is still the old one
            paused.set()
            assert loaded.wait(30), "the reader never loaded"
            loaded.clear()

    monkeypatch.setattr(files, "_fsync_path", sync_then_wait)
    seen, problems = [], []

    def reader():
        try:
            for _ in models[1:]:
                assert paused.wait(30), "no save reached its pause"
                paused.clear()
                seen.append(snapshot(MLP.load(path)))
                loaded.set()
        except BaseException as error:  # noqa: BLE001 - reported below
            problems.append(error)

    thread = threading.Thread(target=reader, daemon=True)
    thread.start()
    for new in models[1:]:
        new.save(path)
        assert snapshot(MLP.load(path)) == snapshot(new)
    thread.join(60)
    assert not thread.is_alive() and problems == []
    assert seen == [snapshot(m) for m in models[:-1]]  # each load during a save: the old model
    assert sorted(os.listdir(tmp_path)) == ["model.json"]
