"""Module: the base of every network part; parameters, state dicts and JSON model files.

    >>> from nn import MLP
    >>> model = MLP(2, [4, 1], seed=0); len(model.parameters()), len(model.weights())
    (17, 12)

A Module lists its parameters under stable dotted names (``layers.0.neurons.3.w.1``,
``layers.0.neurons.3.b``), can zero their grads, and can be turned into a plain
JSON-serialisable dict (``state_dict``) and back (``load_state_dict``).

Model files are JSON, never pickle: ``{"format": "chaingrad", "version": 1, "type":
"MLP", "architecture": {...}, "parameters": {name: number}}``.

- ``save`` writes atomically (a temporary file in the target's folder, fsync,
  ``os.replace``): the old file stays whole until the new one is complete. A path
  that is a symbolic link is followed: the file it points to is replaced, the link
  stays. Errors name the path asked for.
- ``load`` refuses, with a ``ModelFileError`` naming the file and the problem, and
  before building anything: files over ``MAX_FILE_BYTES`` (128 MiB; a model at the
  parameter cap takes about 55 MB), architectures over ``MAX_PARAMETERS`` (10**6;
  loading one takes about 1 GB and 10 s), a version other than ``VERSION``, NaN and
  Infinity, duplicate keys, anything that is not a regular UTF-8 JSON file. Both
  caps are module attributes a caller may raise.
"""

from __future__ import annotations

import json
import math
import os
import reprlib
import stat
from collections.abc import Iterator
from typing import Any

from autograd import Value

from ._files import fs_path, write_bytes

__all__ = [
    "FORMAT",
    "MAX_FILE_BYTES",
    "MAX_PARAMETERS",
    "ModelFileError",
    "ModelFileNotFoundError",
    "Module",
    "VERSION",
    "read_state_file",
]

FORMAT = "chaingrad"
VERSION = 1
MAX_PARAMETERS = 1_000_000
"""The most parameters a model file may declare; checked before anything is built."""
MAX_FILE_BYTES = 128 * 2**20
"""The largest model file ``load`` reads (128 MiB); checked before reading."""


class ModelFileError(ValueError):
    """A model file or state dict that cannot be loaded; the message says which and why.

        >>> from nn import MLP
        >>> try: MLP.load('no/such/file.json')
        ... except ModelFileError as e: print(e)
        no/such/file.json: no such model file (missing)
    """


class ModelFileNotFoundError(ModelFileError, FileNotFoundError):
    """The model file does not exist (both a ModelFileError and a FileNotFoundError)."""


def _is_bias(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in ("b", "bias")


_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict, _SHORT.maxstring = 3, 6, 6, 40
_SHORT.maxother = 40


def _short(obj: Any) -> str:
    """A bounded repr for messages: a hostile file's huge or deep value stays one line."""
    try:
        return _SHORT.repr(obj)
    except ValueError:  # an int too long for repr (sys.get_int_max_str_digits)
        return f"<a {type(obj).__name__} too large to show>"


class Module:
    """Base class: subclasses override ``named_parameters`` (and ``architecture``).

        >>> from nn import MLP, Neuron
        >>> n = Neuron(3, seed=0); [name for name, _ in n.named_parameters()]
        ['w.0', 'w.1', 'w.2', 'b']
    """

    # -- parameters ---------------------------------------------------------
    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, Value) for every parameter, in a fixed order; names are dotted paths.

            >>> from nn import MLP, Neuron
            >>> MLP(2, [4, 1], seed=0).named_parameters()[0][0]
            'layers.0.neurons.0.w.0'
        """
        return []

    def parameters(self) -> list[Value]:
        """Every parameter (weights and biases), in ``named_parameters`` order.

            >>> from nn import MLP, Neuron
            >>> len(MLP(2, [3, 1], seed=0).parameters())  # (2+1)*3 + (3+1)*1
            13
        """
        return [p for _, p in self.named_parameters()]

    def weights(self) -> list[Value]:
        """The parameters that are not biases (what an L2 penalty acts on).

            >>> from nn import MLP, Neuron
            >>> len(MLP(2, [3, 1], seed=0).weights())  # 2*3 + 3*1
            9
        """
        return [p for name, p in self.named_parameters() if not _is_bias(name)]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0.

            >>> from nn import MLP, Neuron
            >>> m = MLP(1, [1], seed=0); m([1.0]).backward(); m.zero_grad()
            >>> all(p.grad == 0.0 for p in m.parameters())
            True
        """
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many scalar parameters the module has.

            >>> from nn import MLP, Neuron
            >>> MLP(2, [16, 16, 1]).num_parameters()
            337
        """
        return len(self.named_parameters())

    # -- state ----------------------------------------------------------------
    def architecture(self) -> dict[str, Any]:
        """What is needed to rebuild the module with fresh weights (JSON-serialisable).

            >>> from nn import MLP, Neuron
            >>> Neuron(3, activation='tanh').architecture()
            {'nin': 3, 'activation': 'tanh'}
        """
        return {}

    def state_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-serialisable as is): format, type, architecture, parameters.

            >>> from nn import MLP, Neuron
            >>> sd = MLP(2, [1], seed=0).state_dict(); sorted(sd['parameters'])
            ['layers.0.neurons.0.b', 'layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1']
        """
        return {
            "format": FORMAT,
            "version": VERSION,
            "type": type(self).__name__,
            "architecture": self.architecture(),
            "parameters": {name: p.data for name, p in self.named_parameters()},
        }

    def load_state_dict(self, state: dict[str, Any], *, source: str = "state dict") -> None:
        """Copy parameter values from ``state``; all checks run first, so on error nothing changes.

        ``state`` is what ``state_dict()`` returns (a bare ``{name: number}`` mapping is
        accepted too). Names must match exactly, values must be finite ints or floats,
        and a recorded architecture must equal this module's.

            >>> from nn import MLP, Neuron
            >>> a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
            >>> b.load_state_dict(a.state_dict()); b([1.0, 2.0]).data == a([1.0, 2.0]).data
            True
        """
        values = _check_state(self, state, source)
        for name, p in self.named_parameters():  # nothing can fail from here on
            p.data = values[name]

    # -- files ----------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` as JSON to ``path``, atomically; a symlink is followed.

            >>> from nn import MLP
            >>> model = MLP(2, [3, 1], seed=0); model.save('model.json')
            >>> MLP.load('model.json')([0.5, -0.2]).data == model([0.5, -0.2]).data
            True

        Nothing is written when a parameter is not finite (ValueError naming it), the
        path is empty or holds a NUL byte (ValueError), or the folder is missing or
        not writable (an OSError naming ``path``); an existing file keeps its content
        and its permissions are carried over to the new one.
        """
        path = fs_path(path)
        state = self.state_dict()
        for name, v in state["parameters"].items():
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
                raise ValueError(f"{path}: not saved: parameter {name!r} is not a finite "
                                 f"number ({_short(v)})")
        text = json.dumps(state, indent=1, allow_nan=False) + "\n"
        write_bytes(path, text.encode("utf-8"), what="model")

    @classmethod
    def _normal_architecture(cls, architecture: Any) -> Any:
        """A recorded architecture as ``architecture()`` would write it (here: as is).
        ``load_state_dict`` compares it in this form, so a file may spell an equal one
        otherwise (nn's layers: ``"leaky_relu(0.010)"`` for ``"leaky_relu"``)."""
        return architecture

    @classmethod
    def from_architecture(cls, architecture: dict[str, Any]) -> Module:
        """A fresh module built from ``architecture`` (subclasses that can be loaded override)."""
        raise NotImplementedError(f"{cls.__name__} cannot be rebuilt from a file")

    @classmethod
    def parameter_count(cls, architecture: dict[str, Any]) -> int:
        """How many parameters ``from_architecture(architecture)`` makes, without making them.

            >>> from nn import MLP
            >>> MLP.parameter_count({'nin': 2, 'nouts': [3, 1]})  # (2+1)*3 + (3+1)*1
            13

        The default reads fully connected layers with biases: ``nin``, then
        ``nouts`` (a list), ``nout`` (one layer) or a single neuron. Sizes must be
        positive ints (ValueError otherwise). Subclasses laid out otherwise override it.
        """
        if "nouts" in architecture:
            outs = architecture["nouts"]
            if not isinstance(outs, list) or not outs:
                raise ValueError(f"'nouts' must be a non-empty list of sizes, got {_short(outs)}")
        else:
            outs = [architecture.get("nout", 1)]
        count, nin = 0, _size(architecture["nin"], "nin")
        for k, nout in enumerate(outs):
            nout = _size(nout, "nout" if "nouts" not in architecture else f"nouts[{k}]")
            count += (nin + 1) * nout
            nin = nout
        return count

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Module:
        """Rebuild a module saved with ``save``; any problem is a ModelFileError naming the file.

            >>> from nn import Module
            >>> try: Module.load(__file__)
            ... except ModelFileError as e: print('malformed JSON' in str(e))
            True

        All checks on the file run before the module is built (see the module's
        docstring for the caps), so a refused file costs little and builds nothing.
        """
        path = fs_path(path, ModelFileError)
        state = read_state_file(path)
        cls = _loadable_class(cls, state["type"], path)
        arch = state["architecture"]
        _check_size(cls, arch, len(state["parameters"]), path)
        try:
            model = cls.from_architecture(arch)
        except KeyError as error:
            raise ModelFileError(
                f"{path}: missing field {error.args[0]!r} in architecture {_short(arch)}"
            ) from None
        except (TypeError, ValueError, AttributeError) as error:
            raise ModelFileError(f"{path}: bad architecture {_short(arch)}: {error}") from None
        model.load_state_dict(state, source=path)
        return model


_CHEAP_BUILD = 10_000
"""Architectures this small are built even when the file lists too few parameters, so that
the message can name the missing ones (building 10,000 parameters takes about 40 ms)."""


def _size(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name!r} must be a positive integer, got {_short(value)}")
    return value


def _loadable(c: type[Module]) -> bool:
    return getattr(c.from_architecture, "__func__", None) is not Module.from_architecture.__func__


def _subclasses() -> dict[str, type[Module]]:
    """Every Module subclass that can be rebuilt from a file, by class name."""
    found: dict[str, type[Module]] = {}
    todo = list(Module.__subclasses__())
    while todo:
        c = todo.pop()
        if _loadable(c):
            found.setdefault(c.__name__, c)
        todo.extend(c.__subclasses__())
    return found


def _loadable_class(cls: type[Module], kind: str, path: str) -> type[Module]:
    """The class to build for a file whose field 'type' is ``kind``, when ``cls.load`` reads it."""
    if cls is Module:  # Module.load: whichever module the file holds
        known = _subclasses()
        if kind not in known:
            raise ModelFileError(
                f"{path}: unknown module type {_short(kind)} (field 'type'); this chaingrad "
                f"loads {', '.join(sorted(known))}"
            )
        return known[kind]
    if kind != cls.__name__:
        raise ModelFileError(
            f"{path}: holds a {_short(kind)}, not a {cls.__name__!r} (field 'type')"
        )
    if not _loadable(cls):
        raise ModelFileError(f"{path}: a {cls.__name__} cannot be rebuilt from a file")
    return cls


def _check_size(cls: type[Module], arch: dict[str, Any], listed: int, path: str) -> None:
    """Refuse, before building, an architecture over MAX_PARAMETERS or at odds with the file."""
    try:
        count = cls.parameter_count(arch)
    except KeyError as error:
        raise ModelFileError(
            f"{path}: missing field {error.args[0]!r} in architecture {_short(arch)}"
        ) from None
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"{path}: bad architecture {_short(arch)}: {error}") from None
    if count > MAX_PARAMETERS:
        raise ModelFileError(
            f"{path}: too large: architecture {_short(arch)} declares {count:,} parameters; "
            f"the limit is {MAX_PARAMETERS:,} (nn.module.MAX_PARAMETERS)"
        )
    if count > max(listed, _CHEAP_BUILD):  # building would cost more than the file paid for
        raise ModelFileError(
            f"{path}: shape mismatch: architecture {_short(arch)} has {count:,} parameters, "
            f"field 'parameters' lists {listed:,} (missing {count - listed:,} parameter(s))"
        )



def read_state_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The JSON object in a model file, checked; else a ModelFileError naming file and problem.

        >>> from nn import MLP
        >>> MLP(2, [1], seed=0).save('model.json')
        >>> read_state_file('model.json')['architecture']['nouts']
        [1]

    Checked here: a regular file of at most ``MAX_FILE_BYTES``, UTF-8 (a BOM is
    allowed), JSON without NaN/Infinity or duplicate keys, an object with
    ``format`` chaingrad, ``version`` == VERSION, ``type`` a string,
    ``architecture`` and ``parameters`` objects, at most ``MAX_PARAMETERS`` of them.
    """
    path = fs_path(path, ModelFileError)
    state = _parse(_read_text(path), path)
    _check_header(state, path)
    return state


def _read_text(path: str) -> str:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:  # O_NONBLOCK: a named pipe opens at once (and is refused below) instead of hanging
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ModelFileNotFoundError(f"{path}: no such model file (missing)") from None
    except OSError as error:
        if os.path.isdir(path):
            raise ModelFileError(f"{path}: is a directory, not a model file") from None
        raise ModelFileError(f"{path}: cannot be read: {error.strerror or error}") from None
    info = os.fstat(fd)
    problem = None
    if stat.S_ISDIR(info.st_mode):
        problem = "is a directory, not a model file"
    elif not stat.S_ISREG(info.st_mode):
        problem = "not a regular file (a device, pipe or socket)"
    elif info.st_size > MAX_FILE_BYTES:
        problem = _too_big(info.st_size)
    if problem is not None:
        os.close(fd)
        raise ModelFileError(f"{path}: {problem}")
    with os.fdopen(fd, "rb") as f:
        try:
            data = _read_at_most(f, MAX_FILE_BYTES + 1, info.st_size)
        except OSError as error:
            raise ModelFileError(f"{path}: cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:  # it grew while we looked
        raise ModelFileError(f"{path}: {_too_big(len(data))}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ModelFileError(
            f"{path}: not a text (UTF-8 JSON) file: byte {error.start} is "
            f"{data[error.start:error.start + 1]!r}, {error.reason}"
        ) from None


def _read_at_most(f: Any, limit: int, expected: int) -> bytes:
    """Up to ``limit`` bytes, read in pieces: ``f.read(limit)`` would set aside ``limit``
    bytes of memory at once, however small the file."""
    chunks, total = [], 0
    size = min(expected + 1, limit)  # one byte more tells whether the file grew
    while total < limit:
        chunk = f.read(min(size, limit - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        size = 1 << 20
    return b"".join(chunks)


def _too_big(size: int) -> str:
    return (f"too large for a model file: {size:,} bytes; the limit is "
            f"{MAX_FILE_BYTES:,} (nn.module.MAX_FILE_BYTES)")


def _parse(text: str, path: str) -> Any:
    if not text.strip():
        raise ModelFileError(f"{path}: the file is empty (truncated?)")
    try:
        return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique)
    except json.JSONDecodeError as error:
        truncated = error.pos >= len(text.rstrip()) or not text.rstrip().endswith("}")
        hint = " (truncated?)" if truncated else ""
        msg = error.msg[:-3] if error.msg.endswith(" at") else error.msg  # "starting at"
        raise ModelFileError(
            f"{path}: malformed JSON{hint}: {msg} at line {error.lineno}, "
            f"column {error.colno}"
        ) from None
    except RecursionError:
        raise ModelFileError(
            f"{path}: malformed model file: JSON nested too deeply (a model file is 3 deep)"
        ) from None
    except ValueError as error:  # NaN, a duplicate key, an int of thousands of digits
        raise ModelFileError(f"{path}: malformed JSON: {error}") from None


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed: parameters must be finite numbers")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object as a dict, refusing a key given twice (json would keep the last)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise ValueError(f"key {_short(dup)} appears twice in one object")
    return obj


def _check_header(state: Any, path: str) -> None:
    if not isinstance(state, dict):
        raise ModelFileError(
            f"{path}: expected a JSON object at the top, got {type(state).__name__}"
        )
    if state.get("format") != FORMAT:
        raise ModelFileError(
            f"{path}: not a chaingrad model file (field 'format' is "
            f"{_short(state.get('format'))}, expected {FORMAT!r})"
        )
    version = state.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        raise ModelFileError(
            f"{path}: written by a newer chaingrad (format version {version}); this one "
            f"reads version {VERSION}: upgrade chaingrad to load it"
        )
    if type(version) is not int or version != VERSION:
        shown = "missing" if "version" not in state else _short(version)
        raise ModelFileError(
            f"{path}: unknown format version: field 'version' is {shown}, expected {VERSION}"
        )
    for key, kind in (("type", str), ("architecture", dict), ("parameters", dict)):
        if not isinstance(state.get(key), kind):
            what = "a string naming the module" if kind is str else "an object"
            shown = "missing" if key not in state else f"a {type(state[key]).__name__}"
            raise ModelFileError(f"{path}: field {key!r} must be {what}, got {shown}")
    if len(state["parameters"]) > MAX_PARAMETERS:
        raise ModelFileError(
            f"{path}: too large: {len(state['parameters']):,} parameters; the limit is "
            f"{MAX_PARAMETERS:,} (nn.module.MAX_PARAMETERS)"
        )


def _check_state(module: Module, state: Any, source: str) -> dict[str, float]:
    """The new value for every parameter, checked; raises ModelFileError otherwise."""
    params = _parameters_of(module, state, source)
    names = [name for name, _ in module.named_parameters()]
    _check_names(module, names, params, source)
    return {name: _finite(params[name], name, source) for name in names}


def _parameters_of(module: Module, state: Any, source: str) -> dict[Any, Any]:
    """The name -> number mapping in ``state`` (a state_dict, or that mapping bare)."""
    if not isinstance(state, dict):
        raise ModelFileError(f"{source}: expected a dict, got {type(state).__name__}")
    if "parameters" not in state:
        return state
    params = state["parameters"]
    if not isinstance(params, dict):
        raise ModelFileError(
            f"{source}: field 'parameters' must be an object of name: number, "
            f"got {type(params).__name__}"
        )
    version = state.get("version", VERSION)
    if type(version) is not int or version != VERSION:
        raise ModelFileError(
            f"{source}: unknown format version {_short(version)}, expected {VERSION}"
        )
    if "architecture" in state:
        mine, theirs = module.architecture(), state["architecture"]
        if theirs != mine and module._normal_architecture(theirs) != mine:
            raise ModelFileError(
                f"{source}: shape mismatch: architecture {_short(theirs)} does not match "
                f"this {type(module).__name__}'s {_short(mine)}"
            )
    return params


def _check_names(module: Module, names: list[str], params: dict[Any, Any], source: str) -> None:
    expected = set(names)
    missing = [n for n in names if n not in params]
    extra = [n for n in params if n not in expected]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {len(missing)} parameter(s) {_few(missing)}")
        if extra:
            parts.append(f"unexpected {len(extra)} parameter(s) {_few(extra)}")
        raise ModelFileError(
            f"{source}: shape mismatch with this {type(module).__name__} "
            f"({len(names)} parameters): " + "; ".join(parts)
        )


def _finite(v: Any, name: str, source: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ModelFileError(
            f"{source}: parameter {name!r} must be a number, got {type(v).__name__} "
            f"{_short(v)}"
        )
    try:
        v = float(v)
    except OverflowError:  # an int beyond float range
        v = math.inf
    if not math.isfinite(v):
        raise ModelFileError(f"{source}: parameter {name!r} is not finite ({v!r})")
    return v


def _few(names: list[str], k: int = 3) -> str:
    shown = ", ".join(_short(n) for n in names[:k])
    return shown + (f", ... ({len(names) - k} more)" if len(names) > k else "")


def iter_named(prefix: str, module: Module) -> Iterator[tuple[str, Value]]:
    """``module``'s named parameters with ``prefix.`` in front of each name.

        >>> from nn import Neuron
        >>> [n for n, _ in iter_named('neurons.0', Neuron(1, seed=0))]
        ['neurons.0.w.0', 'neurons.0.b']
    """
    for name, p in module.named_parameters():
        yield f"{prefix}.{name}", p
