"""Files written whole or not at all, and output folders checked before any work.

Every file nn writes (model.json, the training plots, the tour's drawings) goes
through ``replacing``: the content is written to a temporary file in the target's
own folder, flushed to disk (fsync), then moved over the target with
``os.replace``, which is atomic on POSIX and Windows. A reader sees the old file
or the new one, never half of one, whatever interrupts the writer (Ctrl-C, a
full disk, a crash). A target that is a symbolic link is followed: the file the
link points to is replaced and the link stays a link (what ``open(path, "w")``
does, and what a user who linked ``model.json`` to a shared copy expects).

Errors are OSErrors (or ValueError for a path that cannot be one) whose message
names the path the caller asked for, never the temporary file.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__: list[str] = []  # private helpers of nn.module, nn.cli and nn.tour

_TEMP_PREFIX = ".tmp-"


def fs_path(path: Any, error: type[Exception] = ValueError) -> str:
    """``path`` as a str, refused (as ``error``) when it cannot name a file.

        >>> fs_path(b'model.json')
        'model.json'
        >>> fs_path('a\\0b')
        Traceback (most recent call last):
        ValueError: 'a\\x00b': not a usable path: it contains a NUL byte
    """
    try:
        path = os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(
            f"a path must be a str or os.PathLike, got {type(path).__name__} {path!r}"
        ) from None
    if not path:
        raise error("the path is empty")
    if "\0" in path:
        raise error(f"{path!r}: not a usable path: it contains a NUL byte")
    return path


def printable(path: str) -> str:
    """``path`` safe to print on any stream: bytes that are not UTF-8 shown as ``\\xff``.

        >>> printable(os.fsdecode(b'run\\xff'))
        'run\\\\xff'
    """
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def oserror(error: OSError, message: str) -> OSError:
    """An OSError of the same class and errno as ``error`` whose text is ``message``."""
    new = type(error)(message)
    new.errno = error.errno  # (setting strerror too would put it back into str(new))
    return new


def reason(error: OSError) -> str:
    """The OS's words for ``error`` (``Permission denied``), without the file name."""
    return (error.strerror or str(error)).rstrip(".")


def target_of(path: str) -> str:
    """The file that writing ``path`` changes: ``path``, or where its symlinks lead."""
    if not os.path.islink(path):
        return path
    real = os.path.realpath(path)
    if os.path.islink(real):  # realpath stops at a loop and returns a link
        raise OSError(errno.ELOOP, f"{path}: cannot write: a loop of symbolic links")
    return real


def check_writable_file(path: str) -> None:
    """Refuse, before any work, a target that can never be replaced by a file."""
    target = target_of(path)
    if os.path.isdir(target) or path.endswith(("/", os.sep)):
        error = IsADirectoryError(f"{path}: is a folder, not a file")
        error.errno = errno.EISDIR
        raise error


def _create_temp(folder: str, target: str) -> str:
    ext = os.path.splitext(target)[1][:16]  # keeps the format for writers that read it
    for _ in range(100):
        tmp = os.path.join(folder, f"{_TEMP_PREFIX}{secrets.token_hex(6)}{ext}")
        try:  # 0o666: the process's umask applies, as for any new file
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name")  # pragma: no cover


def _fsync_path(path: str, *, folder: bool = False) -> None:
    flags = os.O_RDONLY if folder else os.O_RDWR
    try:
        fd = os.open(path, flags)
    except OSError:
        if folder:  # some systems (Windows) cannot open a folder; the file itself is synced
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not folder:
            raise
    finally:
        os.close(fd)


def _keep_mode(tmp: str, target: str) -> None:
    """Give the new file the mode of the file it replaces (a 0644 model stays 0644)."""
    try:
        os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
    except OSError:
        pass  # a new target, or one we may not chmod: the umask's mode stands


@contextmanager
def replacing(path: Any, what: str = "file") -> Iterator[str]:
    """Write ``path`` atomically: the block writes the temporary file whose name it gets.

        >>> with replacing('model.json') as tmp, open(tmp, 'w') as f:
        ...     f.write('{}')
        2
        >>> with open('model.json') as f: f.read()
        '{}'

    When the block ends normally the file is synced and moved over ``path``; when
    it raises (KeyboardInterrupt included), the temporary file is removed and
    ``path`` is as it was.
    """
    path = fs_path(path)
    check_writable_file(path)
    target = target_of(path)
    folder = os.path.dirname(os.path.abspath(target))
    try:
        tmp = _create_temp(folder, target)
    except OSError as error:
        raise oserror(error, f"{path}: cannot save the {what}: {_why(error, path, folder)}"
                      ) from None
    try:
        yield tmp
    except BaseException as error:
        _unlink(tmp)
        if isinstance(error, OSError) and tmp in str(error):  # the writer named our temp file
            raise oserror(error, f"{path}: cannot save the {what}: {reason(error)}") from None
        raise
    try:
        _keep_mode(tmp, target)
        _fsync_path(tmp)
        os.replace(tmp, target)
    except BaseException as error:
        _unlink(tmp)
        if isinstance(error, OSError):
            raise oserror(error, f"{path}: cannot save the {what}: {reason(error)}") from None
        raise
    _fsync_path(folder, folder=True)  # the rename itself reaches the disk


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass


def _why(error: OSError, path: str, folder: str) -> str:
    """Why no file could be created in ``folder``: the OS's reason, or which part is missing."""
    if os.path.isdir(folder):
        return reason(error)
    shown = os.path.dirname(path) or folder
    probe = os.path.dirname(path)
    while probe and not os.path.exists(probe) and os.path.dirname(probe) != probe:
        probe = os.path.dirname(probe)
    if probe and not os.path.isdir(probe):
        return f"{probe!r} is a file, not a folder"
    return f"folder {shown!r} does not exist"


def write_bytes(path: Any, data: bytes, what: str = "file") -> None:
    """Write ``data`` to ``path`` atomically (see ``replacing``)."""
    with replacing(path, what) as tmp:
        try:
            with open(tmp, "wb") as f:
                f.write(data)
        except OSError as error:  # a full disk, a quota: name the target, not the temp file
            path = fs_path(path)
            raise oserror(error, f"{path}: cannot save the {what}: {reason(error)}") from None


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
