"""The one file writer: a file is written whole or not at all, and every error names it.

    >>> write_atomic('notes.txt', 'dL/dw = 2', what='note')
    PosixPath('notes.txt')
    >>> open('notes.txt').read()
    'dL/dw = 2'

Every file chaingrad writes (a page, a model, a plot, a drawing) goes through
``write_atomic`` or, for a writer that needs a file name of its own (a plotting
library's ``savefig``), ``replacing``. What a user of any careful tool expects:

- The content goes to a temporary file in the target's own folder, flushed to
  disk (fsync), then moved over the target with ``os.replace``, which is atomic
  on POSIX and Windows: a reader sees the old file or the new one, never half of
  one, whatever interrupts the writer (Ctrl-C, a full disk, a crash). No
  temporary file is left behind, on success or on any error (KeyboardInterrupt
  included).
- The new file keeps the mode of the file it replaces (a 0600 file stays 0600);
  a new file gets the process's default (0666 less the umask), as ``open`` gives.
- A target that is a symbolic link is followed: the file the link points to is
  replaced and the link stays a link (what ``open(path, "w")`` does).
- Free space is checked where the system can tell (``os.statvfs``): a write that
  cannot fit is refused before a byte is written (ENOSPC).
- Errors are OSErrors of the OS's class and errno (ValueError or TypeError for
  a path that cannot be one, such as one with a NUL byte) whose message names
  the path the caller asked for, never the temporary file.

Standard library only: this is part of the core.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["write_atomic", "replacing", "fs_path", "printable", "check_writable_file",
           "check_space", "oserror", "reason"]

_TEMP_PREFIX = ".tmp-"
_SPARE = 64 * 1024  # bytes kept free beyond the data: the file system's own bookkeeping


def fs_path(path: Any, error: type[Exception] = ValueError, what: str = "path") -> str:
    """``path`` as a str, refused (as ``error``) when it cannot name a file.

        >>> fs_path(b'model.json')
        'model.json'
        >>> fs_path('a\\0b')
        Traceback (most recent call last):
        ValueError: 'a\\x00b': not a usable path: it contains a NUL byte
    """
    try:
        text = os.fsdecode(os.fspath(path))
    except TypeError:
        raise TypeError(
            f"a {what} must be a str or os.PathLike, got {type(path).__name__} {path!r}"
        ) from None
    if not text:
        raise error(f"the {what} is empty")
    if "\0" in text:
        raise error(f"{text!r}: not a usable path: it contains a NUL byte")
    return text


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
        error = IsADirectoryError(f"{path}: is a folder, not a file; give a file name")
        error.errno = errno.EISDIR
        raise error


def check_space(path: str, size: int, what: str = "file") -> None:
    """Refuse (ENOSPC, naming ``path``) a write of ``size`` bytes its folder has no room for.

    Only where the system can tell (``os.statvfs``, POSIX); elsewhere the write
    itself reports a full disk, with the same message.
    """
    statvfs = getattr(os, "statvfs", None)
    if statvfs is None:  # pragma: no cover - Windows
        return
    folder = os.path.dirname(os.path.abspath(target_of(path)))
    try:
        info = statvfs(folder)
    except OSError:
        return  # the folder's own error is reported, better worded, by the write
    free = info.f_bavail * info.f_frsize
    if info.f_blocks and size + _SPARE > free:  # f_blocks 0: a file system that tells nothing
        error = OSError(f"{path}: cannot save the {what}: no space left on the device "
                        f"({size:,} bytes to write, {free:,} free)")
        error.errno = errno.ENOSPC
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
    """Give the new file the mode of the file it replaces (a 0600 file stays 0600)."""
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except OSError:
        return  # a new target: the umask's mode stands
    os.chmod(tmp, mode)


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
    ``path`` is as it was. An OSError that names the temporary file is raised
    again naming ``path``.
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
        _keep_mode(tmp, target)
        _fsync_path(tmp)
        os.replace(tmp, target)
    except BaseException as error:
        _unlink(tmp)
        if isinstance(error, OSError) and (tmp in str(error) or error.filename == tmp
                                           or not str(error).startswith(path)):
            raise oserror(error, f"{path}: cannot save the {what}: {reason(error)}") from None
        raise
    _fsync_path(folder, folder=True)  # the rename itself reaches the disk


def write_atomic(path: Any, data: str | bytes, *, what: str = "file") -> Path:
    """Write ``data`` (str: as UTF-8) to ``path`` atomically; returns the path as a Path.

    ``what`` names the file in errors ("cannot save the model"). See the module's
    docstring for what is kept (mode, links) and refused (no space, no folder).
    """
    text = fs_path(path)
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    elif not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"write_atomic: data must be str or bytes, got {type(data).__name__}")
    if not isinstance(what, str):
        raise TypeError(f"write_atomic: what must be a str, got {type(what).__name__}")
    check_writable_file(text)
    check_space(text, len(data), what)
    with replacing(text, what) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return Path(text)


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
