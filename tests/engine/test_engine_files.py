"""The one file writer (autograd.files): whole or nothing, mode and links kept, errors named."""

from __future__ import annotations

import errno
import os
import stat

import pytest

from autograd import Value
from autograd.files import replacing, write_atomic
from autograd.see.page import Page


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def _left_over(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".tmp-"))


def _page():
    return Page.build("t", "<p>hi</p>", {"n": 1})


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_a_replaced_file_keeps_its_mode(tmp_path, mode):
    target = tmp_path / "page.html"
    target.write_text("old")
    os.chmod(target, mode)
    _page().save(target)
    assert _mode(target) == mode and "hi" in target.read_text()
    write_atomic(target, b"new", what="file")
    assert _mode(target) == mode and target.read_bytes() == b"new"


def test_a_new_file_gets_the_umask_default(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "a.txt", "x", what="note")
        _page().save(tmp_path / "b.html")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "a.txt") == 0o640 and _mode(tmp_path / "b.html") == 0o640


def test_a_symlink_is_written_through_and_stays_a_link(tmp_path):
    real = tmp_path / "real.html"
    real.write_text("old")
    os.chmod(real, 0o600)
    link = tmp_path / "link.html"
    link.symlink_to(real)
    _page().save(link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert "hi" in real.read_text() and _mode(real) == 0o600
    assert _left_over(tmp_path) == []


def test_a_link_to_a_missing_file_creates_the_file(tmp_path):
    (tmp_path / "sub").mkdir()
    link = tmp_path / "link.txt"
    link.symlink_to(tmp_path / "sub" / "new.txt")
    write_atomic(link, "made", what="note")
    assert link.is_symlink() and (tmp_path / "sub" / "new.txt").read_text() == "made"


def test_a_loop_of_links_is_named(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(OSError, match=r"a: cannot write: a loop of symbolic links"):
        write_atomic(a, "x")


def test_a_full_disk_is_refused_before_writing_naming_the_target(tmp_path, monkeypatch):
    target = tmp_path / "model.json"
    target.write_text("old")
    real = os.statvfs

    class Full:
        def __init__(self, info):
            self.f_frsize, self.f_blocks, self.f_bavail = info.f_frsize, info.f_blocks, 1

    monkeypatch.setattr(os, "statvfs", lambda p: Full(real(p)))
    opened = []
    monkeypatch.setattr(os, "open", lambda *a, **k: opened.append(a) or pytest.fail("wrote"))
    with pytest.raises(OSError, match=r"model\.json: cannot save the model: no space left") as info:
        write_atomic(target, "x" * 100_000, what="model")
    assert info.value.errno == errno.ENOSPC and ".tmp-" not in str(info.value)
    monkeypatch.undo()
    assert target.read_text() == "old" and _left_over(tmp_path) == []


def test_a_write_that_fails_names_the_target_not_the_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "page.html"
    target.write_text("old")

    def full(fd):  # the disk fills between the space check and the sync
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError) as info:
        _page().save(target)
    text = str(info.value)
    assert text.startswith(str(target)) and "No space left on device" in text
    assert ".tmp-" not in text and info.value.errno == errno.ENOSPC
    assert target.read_text() == "old" and _left_over(tmp_path) == []


def test_a_replace_that_fails_names_the_target(tmp_path, monkeypatch):
    target = tmp_path / "x.txt"

    def refuse(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied", src)

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(PermissionError, match=r"x\.txt: cannot save the note: Permission denied"
                       ) as info:
        write_atomic(target, "x", what="note")
    assert ".tmp-" not in str(info.value)
    assert not target.exists() and _left_over(tmp_path) == []


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit, RuntimeError])
def test_an_interrupted_write_leaves_no_temporary_file_and_the_old_content(tmp_path, error):
    target = tmp_path / "plot.png"
    target.write_bytes(b"old")
    with pytest.raises(error), replacing(target, "plot") as tmp:
        with open(tmp, "wb") as f:
            f.write(b"half")
        raise error()
    assert target.read_bytes() == b"old" and _left_over(tmp_path) == []


def test_an_oserror_inside_replacing_is_named_by_the_target(tmp_path):
    target = tmp_path / "plot.png"
    with pytest.raises(OSError, match=r"plot\.png: cannot save the plot: Disk quota") as info:
        with replacing(target, "plot") as tmp:
            raise OSError(errno.EDQUOT, "Disk quota exceeded", tmp)
    assert ".tmp-" not in str(info.value) and _left_over(tmp_path) == []


@pytest.mark.parametrize("path", ["a\0b.html", b"a\0b.html"])
def test_a_nul_in_the_path_is_a_clear_value_error(tmp_path, path):
    with pytest.raises(ValueError, match="NUL byte"):
        _page().save(path)
    with pytest.raises(ValueError, match="NUL byte"):
        write_atomic(path, "x")


@pytest.mark.parametrize("path, error, words", [
    (None, TypeError, "must be a str or os.PathLike, got NoneType"),
    (3, TypeError, "got int"),
    ("", ValueError, "the path is empty"),
])
def test_a_path_that_is_no_path_is_named(path, error, words):
    with pytest.raises(error, match=words):
        _page().save(path)


def test_data_that_is_not_text_or_bytes_is_refused(tmp_path):
    with pytest.raises(TypeError, match="data must be str or bytes, got float"):
        write_atomic(tmp_path / "x", 1.0)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_and_a_missing_folder_are_named(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder, not a file"):
        write_atomic(tmp_path, "x")
    with pytest.raises(FileNotFoundError, match="folder .*nope.* does not exist"):
        write_atomic(tmp_path / "nope" / "x.txt", "x")


def test_the_model_the_page_and_the_drawing_all_use_the_one_writer():
    import inspect

    import autograd.see.page
    import autograd.see.viz
    import nn._files
    import nn.module

    for module in (autograd.see.page, autograd.see.viz, nn.module, nn._files):
        source = inspect.getsource(module)
        assert "mkstemp" not in source and "write_bytes(data)" not in source, module
        assert "os.replace(" not in source, module
    assert nn._files.replacing is replacing


def test_a_saved_page_is_readable_by_its_owner_whatever_it_was(tmp_path):
    v = Value(2.0, label="x")
    page = _page()
    path = page.save(tmp_path / "p.html")
    assert path == tmp_path / "p.html" and v.data == 2.0
    assert _mode(path) & 0o600 == 0o600
