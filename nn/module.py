"""Module: the base of every network part; parameters, state dicts and JSON files.

    >>> from nn import MLP
    >>> model = MLP(2, [4, 1], seed=0); len(model.parameters()), len(model.weights())
    (17, 12)

A Module lists its parameters under stable dotted names (``layers.0.neurons.3.w.1``,
``layers.0.neurons.3.b``), can zero their grads, and can be turned into a plain
JSON-serialisable dict (``state_dict``) and back (``load_state_dict``). Saving writes
JSON atomically (a temporary file in the same folder, then ``os.replace``); pickle is
never used.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterator
from typing import Any

from autograd import Value

__all__ = [
    "FORMAT",
    "ModelFileError",
    "ModelFileNotFoundError",
    "Module",
    "VERSION",
    "read_state_file",
]

FORMAT = "chaingrad"
VERSION = 1


class ModelFileError(ValueError):
    """A model file or state dict that cannot be loaded; the message says which and why.

        >>> try: MLP.load('no/such/file.json')
        ... except ModelFileError as e: print('missing' in str(e))
    """


class ModelFileNotFoundError(ModelFileError, FileNotFoundError):
    """The model file does not exist (both a ModelFileError and a FileNotFoundError)."""


def _is_bias(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in ("b", "bias")


class Module:
    """Base class: subclasses override ``named_parameters`` (and ``architecture``).

        >>> n = Neuron(3, seed=0); [name for name, _ in n.named_parameters()]
        ['w.0', 'w.1', 'w.2', 'b']
    """

    # -- parameters ---------------------------------------------------------
    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, Value) for every parameter, in a fixed order; names are dotted paths.

            >>> MLP(2, [4, 1], seed=0).named_parameters()[0][0]
            'layers.0.neurons.0.w.0'
        """
        return []

    def parameters(self) -> list[Value]:
        """Every parameter (weights and biases), in ``named_parameters`` order.

            >>> len(MLP(2, [3, 1], seed=0).parameters())  # (2+1)*3 + (3+1)*1
            13
        """
        return [p for _, p in self.named_parameters()]

    def weights(self) -> list[Value]:
        """The parameters that are not biases (what an L2 penalty acts on).

            >>> len(MLP(2, [3, 1], seed=0).weights())  # 2*3 + 3*1
            9
        """
        return [p for name, p in self.named_parameters() if not _is_bias(name)]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0.

            >>> m = MLP(1, [1], seed=0); m([1.0]).backward(); m.zero_grad()
            >>> all(p.grad == 0.0 for p in m.parameters())
            True
        """
        for p in self.parameters():
            p.grad = 0.0

    def num_parameters(self) -> int:
        """How many scalar parameters the module has.

            >>> MLP(2, [16, 16, 1]).num_parameters()
            337
        """
        return len(self.named_parameters())

    # -- state ----------------------------------------------------------------
    def architecture(self) -> dict[str, Any]:
        """What is needed to rebuild the module with fresh weights (JSON-serialisable).

            >>> Neuron(3, activation='tanh').architecture()
            {'nin': 3, 'activation': 'tanh'}
        """
        return {}

    def state_dict(self) -> dict[str, Any]:
        """A plain dict (JSON-serialisable as is): format, type, architecture, parameters.

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

            >>> a, b = MLP(2, [3, 1], seed=0), MLP(2, [3, 1], seed=1)
            >>> b.load_state_dict(a.state_dict()); b([1.0, 2.0]).data == a([1.0, 2.0]).data
            True
        """
        values = _check_state(self, state, source)
        for name, p in self.named_parameters():  # nothing can fail from here on
            p.data = values[name]

    # -- files ----------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Write ``state_dict()`` as JSON to ``path`` atomically (temp file + os.replace).

            >>> model.save('model.json')
            >>> same = MLP.load('model.json')
        """
        path = os.fspath(path)
        for name, p in self.named_parameters():
            if not math.isfinite(p.data):
                raise ValueError(
                    f"{path}: not saved: parameter {name!r} is not finite ({p.data!r})"
                )
        text = json.dumps(self.state_dict(), indent=1, allow_nan=False)
        folder = os.path.dirname(os.path.abspath(path))
        try:
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=folder)
        except FileNotFoundError:
            shown = os.path.dirname(path) or folder
            raise FileNotFoundError(
                f"{path}: cannot save: folder {shown!r} does not exist"
            ) from None
        try:
            os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
                f.write("\n")
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    @classmethod
    def from_architecture(cls, architecture: dict[str, Any]) -> Module:
        """A fresh module built from ``architecture`` (subclasses that can be loaded override)."""
        raise NotImplementedError(f"{cls.__name__} cannot be rebuilt from a file")

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Module:
        """Rebuild a module saved with ``save``; errors name the file and the problem.

            >>> model = MLP.load('model.json')
            >>> model([0.5, -0.2])
        """
        path = os.fspath(path)
        state = read_state_file(path)
        kind = state.get("type")
        if cls is Module:  # Module.load: whichever module the file holds
            cls = _subclasses().get(kind, cls)
        if kind != cls.__name__:
            raise ModelFileError(
                f"{path}: holds a {kind!r}, not a {cls.__name__!r} (field 'type')"
            )
        arch = state.get("architecture")
        if not isinstance(arch, dict):
            raise ModelFileError(f"{path}: field 'architecture' is missing or not an object")
        try:
            model = cls.from_architecture(arch)
        except KeyError as error:
            raise ModelFileError(
                f"{path}: missing field {error.args[0]!r} in architecture {arch!r}"
            ) from None
        except (TypeError, ValueError) as error:
            raise ModelFileError(f"{path}: bad architecture {arch!r}: {error}") from None
        model.load_state_dict(state, source=path)
        return model


def _subclasses() -> dict[str, type[Module]]:
    found: dict[str, type[Module]] = {}
    todo = list(Module.__subclasses__())
    while todo:
        c = todo.pop()
        found.setdefault(c.__name__, c)
        todo.extend(c.__subclasses__())
    return found


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_state_file(path: str) -> dict[str, Any]:
    """The JSON object in a model file, or a ModelFileError naming the file and the problem.

        >>> read_state_file('model.json')['architecture']
        {'nin': 2, 'nouts': [16, 16, 1], 'activations': [...], 'input_activation': 'identity'}
    """
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        raise ModelFileNotFoundError(f"{path}: no such model file (missing)") from None
    except IsADirectoryError:
        raise ModelFileError(f"{path}: is a directory, not a model file") from None
    except UnicodeDecodeError as error:
        raise ModelFileError(f"{path}: not a text (UTF-8 JSON) file: {error}") from None
    except OSError as error:
        raise ModelFileError(f"{path}: cannot be read: {error}") from None
    if not text.strip():
        raise ModelFileError(f"{path}: the file is empty (truncated?)")
    try:
        state = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        truncated = error.pos >= len(text.rstrip()) or not text.rstrip().endswith("}")
        hint = " (truncated?)" if truncated else ""
        msg = error.msg[:-3] if error.msg.endswith(" at") else error.msg  # "starting at"
        raise ModelFileError(
            f"{path}: malformed JSON{hint}: {msg} at line {error.lineno}, "
            f"column {error.colno}"
        ) from None
    except ValueError as error:
        raise ModelFileError(f"{path}: malformed JSON: {error}") from None
    if not isinstance(state, dict):
        raise ModelFileError(
            f"{path}: expected a JSON object at the top, got {type(state).__name__}"
        )
    if state.get("format") != FORMAT:
        raise ModelFileError(
            f"{path}: not a chaingrad model file (field 'format' is {state.get('format')!r}, "
            f"expected {FORMAT!r})"
        )
    return state


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not allowed: parameters must be finite numbers")


def _check_state(module: Module, state: Any, source: str) -> dict[str, float]:
    """The new value for every parameter, checked; raises ModelFileError otherwise."""
    if not isinstance(state, dict):
        raise ModelFileError(f"{source}: expected a dict, got {type(state).__name__}")
    if "parameters" in state:
        params = state["parameters"]
        if not isinstance(params, dict):
            raise ModelFileError(
                f"{source}: field 'parameters' must be an object of name: number, "
                f"got {type(params).__name__}"
            )
        if "architecture" in state:
            mine, theirs = module.architecture(), state["architecture"]
            if theirs != mine:
                raise ModelFileError(
                    f"{source}: shape mismatch: architecture {theirs!r} does not match "
                    f"this {type(module).__name__}'s {mine!r}"
                )
    else:
        params = state
    names = [name for name, _ in module.named_parameters()]
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
    values: dict[str, float] = {}
    for name in names:
        v = params[name]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ModelFileError(
                f"{source}: parameter {name!r} must be a number, got {type(v).__name__} {v!r}"
            )
        try:
            v = float(v)
        except OverflowError:
            v = math.inf
        if not math.isfinite(v):
            raise ModelFileError(f"{source}: parameter {name!r} is not finite ({v!r})")
        values[name] = v
    return values


def _few(names: list[str], k: int = 3) -> str:
    shown = ", ".join(repr(n) for n in names[:k])
    return shown + (f", ... ({len(names) - k} more)" if len(names) > k else "")


def iter_named(prefix: str, module: Module) -> Iterator[tuple[str, Value]]:
    """``module``'s named parameters with ``prefix.`` in front of each name.

        >>> [n for n, _ in iter_named('neurons.0', Neuron(1, seed=0))]
        ['neurons.0.w.0', 'neurons.0.b']
    """
    for name, p in module.named_parameters():
        yield f"{prefix}.{name}", p
