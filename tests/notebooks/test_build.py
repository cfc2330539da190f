"""notebooks/build.py: the percent-format parser, the output cleaner, the command line."""

from __future__ import annotations

import doctest

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from .nbbuild import build

SOURCE = """\
# %% [markdown]
# # Title
#
# Two  spaces and `code`;
#    an indented line.

# %%
import math


def f(x):
    # %% inside a function is a comment, not a marker
    return math.tanh(x)

# %% [markdown]
#
# after an empty first line
#

# %%
f(0.5)
"""


def test_cells_keep_their_text_and_drop_the_blank_lines_around_them():
    assert build.parse(SOURCE) == [
        ("markdown", "# Title\n\nTwo  spaces and `code`;\n   an indented line."),
        ("code", "import math\n\n\ndef f(x):\n"
                 "    # %% inside a function is a comment, not a marker\n"
                 "    return math.tanh(x)"),
        ("markdown", "after an empty first line"),
        ("code", "f(0.5)"),
    ]


def test_windows_line_ends_parse_the_same():
    assert build.parse(SOURCE.replace("\n", "\r\n")) == build.parse(SOURCE)


def test_the_docstring_example_runs():
    result = doctest.testmod(build)
    assert result.attempted >= 1 and result.failed == 0


@pytest.mark.parametrize("text, message", [
    ("import math\n# %%\nx = 1\n", "x.py:1: text before the first '# %%' marker"),
    ("\n\n# %% title\nx = 1\n", "x.py:3: unknown cell marker '# %% title'"),
    ("# %%[markdown]\n# hi\n", "x.py:1: unknown cell marker"),
    ("# %% [markdown]\n# one\n\n# two\n", "x.py:3: blank line inside a markdown cell"),
    ("# %% [markdown]\n# text\nx = 1\n", "x.py:3: a markdown line must start with '# '"),
    ("# %% [markdown]\n#text\n", "x.py:2: a markdown line must start with '# '"),
    ("# %%\nx = 1\n# %%\n\n\n# %%\ny = 2\n", "x.py:3: empty code cell"),
    ("# %% [markdown]\n#\n#\n", "x.py:1: empty markdown cell"),
    ("", "x.py: no cells"),
    ('"""A docstring."""\n', "x.py:1: text before the first"),
])
def test_mistakes_are_refused_with_file_and_line(text, message):
    with pytest.raises(ValueError) as caught:
        build.parse(text, "x.py")
    assert message in str(caught.value)


def test_every_source_builds_with_ids_unique_and_stable():
    for name in build.names():
        nb = build.build(name)
        nbformat.validate(nb)
        ids = [cell.id for cell in nb.cells]
        assert len(set(ids)) == len(ids)
        assert ids == [cell.id for cell in build.build(name).cells]


def test_an_unknown_notebook_is_named_with_the_known_ones():
    with pytest.raises(FileNotFoundError, match="known: 00_start_here"):
        build.build("99_nothing")
    with pytest.raises(SystemExit) as caught:
        build.main(["99"])
    assert caught.value.code == 2


def _notebook_with(*outputs) -> nbformat.NotebookNode:
    cell = new_code_cell("x", id="00-00")
    cell.outputs = list(outputs)
    cell.execution_count = 3
    return new_notebook(cells=[cell])


def test_clean_merges_progress_bars_and_drops_counts_and_addresses():
    nb = build.clean(_notebook_with(
        new_output("stream", name="stderr", text="  0%|\r 50%|"),
        new_output("stream", name="stderr", text="\r100%| done\n"),
        new_output("execute_result", data={"text/plain": "<Thing at 0x7f3a2b1c9d00>"},
                   execution_count=3),
    ))
    cell = nb.cells[0]
    assert cell.execution_count is None
    assert [out.output_type for out in cell.outputs] == ["stream", "execute_result"]
    assert cell.outputs[0].text == "100%| done\n"
    assert cell.outputs[1].data["text/plain"] == "<Thing>"
    assert cell.outputs[1].execution_count is None


@pytest.mark.parametrize("output, problem", [
    (new_output("error", ename="ZeroDivisionError", evalue="x", traceback=[]),
     "error output ZeroDivisionError"),
    (new_output("stream", name="stdout", text="saved to /home/me/model.json\n"),
     "machine path near '/home/'"),
    (new_output("display_data", data={"text/html": "<p>Thing at 0x7f3a2b1c9d00</p>"}),
     "object address '0x7f3a2b1c9d00'"),
])
def test_clean_refuses_what_must_not_be_committed(output, problem):
    with pytest.raises(RuntimeError, match="cell 00-00: " + problem):
        build.clean(_notebook_with(output))
    assert build.output_problem(output).startswith(problem)


def test_a_failed_write_keeps_the_old_notebook(tmp_path, monkeypatch):
    path = tmp_path / "00_x.ipynb"
    path.write_text("old")

    def half_write(nb, target):
        open(target, "w").write("half")
        raise OSError("disk full")

    monkeypatch.setattr(build.nbformat, "write", half_write)
    with pytest.raises(OSError, match="disk full"):
        build._write(new_notebook(), path)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["00_x.ipynb"]
