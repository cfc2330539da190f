"""Output folders checked before any work; files written by autograd's one writer.

Every file nn writes (model.json, the training plots, the tour's drawings) goes
through ``autograd.files`` (``write_atomic``, ``replacing``): written whole or
not at all, the mode and symbolic links kept, errors naming the file. This
module adds what a run needs before it starts: an output folder created and
proved writable (``prepare_folder``), and removed again if the run writes
nothing (``remove_empty``).
"""

from __future__ import annotations

import errno
import os
import secrets
from typing import Any

from autograd.files import (  # noqa: F401 - re-exported to nn's modules
    check_writable_file,
    fs_path,
    oserror,
    printable,
    reason,
    replacing,
    write_atomic,
)

__all__: list[str] = []  # private helpers of nn.module, nn.cli and nn.tour

_TEMP_PREFIX = ".tmp-"


def write_bytes(path: Any, data: bytes, what: str = "file") -> None:
    """Write ``data`` to ``path`` atomically: ``autograd.files.write_atomic``."""
    write_atomic(path, data, what=what)


def prepare_folder(path: Any, files: tuple[str, ...] = ()) -> list[str]:
    """Create the output folder ``path`` if needed and prove it writable, before any work.

    A file is really created in it (and removed again): permissions, read-only
    file systems and full quotas show up here, not after an hour of training.
    ``files`` are the names the run will write: none of them may be a folder.
    Returns the folders this call created (deepest last), for ``remove_empty``.

        >>> created = prepare_folder('runs/moons', files=('model.json',))
        >>> [os.path.relpath(folder) for folder in created]      # both were new
        ['runs', 'runs/moons']
    """
    path = fs_path(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise _not_a_folder(path)
    created, parent = [], path
    while parent and not os.path.exists(parent) and os.path.dirname(parent) != parent:
        created.append(os.path.abspath(parent))
        parent = os.path.dirname(parent)
    if parent and os.path.exists(parent) and not os.path.isdir(parent):
        raise _not_a_folder(path, parent)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise oserror(error, f"{path}: cannot create the folder: {reason(error)}") from None
    created.reverse()
    try:
        for name in files:
            check_writable_file(os.path.join(path, name))
        _probe(path)
    except BaseException:
        remove_empty(created)
        raise
    return created


def _not_a_folder(path: str, file: str | None = None) -> NotADirectoryError:
    where = "is a file" if file is None else f"{file!r} is a file"
    error = NotADirectoryError(f"{path}: {where}, not a folder")
    error.errno = errno.ENOTDIR
    return error


def _probe(folder: str) -> None:
    probe = os.path.join(folder, f"{_TEMP_PREFIX}probe-{secrets.token_hex(6)}")
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, b"chaingrad")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as error:
        raise oserror(error, f"{folder}: cannot write in this folder: {reason(error)}") from None


def remove_empty(created: list[str]) -> None:
    """Remove the folders ``prepare_folder`` created, deepest first, while they are empty."""
    for folder in reversed(created):
        try:
            os.rmdir(folder)
        except OSError:
            return
