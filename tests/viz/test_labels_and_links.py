"""Labels, titles and links that Graphviz or a page cannot carry are refused first, named.

Graphviz reads each label into a 16,384-byte buffer and cannot take control
characters; a page's link must not run script. Each is refused with a ValueError
naming it before Graphviz runs (``autograd.see.display.check_text``/``check_link``).
"""

from __future__ import annotations

import pytest

from autograd import Value, explain, step_through, trace_text
from autograd.see.display import TEXT_MAX, check_link, check_text
from autograd.see.viz import draw

TOO_LONG = ["a" * (TEXT_MAX + 1), "&" * 16_000, "é" * 16_384, "😀" * 17_000, "a" * 100_000]
CONTROL = ["\x00", "a\x07b", "\x1b[2J", "x\x7f", "\x85next", "\x9b"]
NOT_XML = ["\ud800", "a\udfffb", "\ufffe", "\uffff"]
BAD_LABELS = TOO_LONG + CONTROL + NOT_XML


def _short_repr(label):
    return repr(label)[:30]


@pytest.mark.parametrize("label", BAD_LABELS, ids=_short_repr)
def test_draw_refuses_a_label_graphviz_cannot_carry_naming_the_node(label):
    x = Value(2.0, label=label)
    with pytest.raises(ValueError, match=r"^draw: the label of node v0 \(op 'leaf', data 2\)"):
        draw(x * 3)  # draw only writes DOT source: Graphviz runs at .pipe()


@pytest.mark.parametrize("label", BAD_LABELS, ids=_short_repr)
def test_step_through_refuses_the_same_labels_before_graphviz(label, monkeypatch):
    import autograd.see.step_page as st

    monkeypatch.setattr(st, "draw", lambda *a, **k: pytest.fail("Graphviz ran"))
    x = Value(2.0, label="x")
    y = Value(1.0, label=label) * x
    with pytest.raises(ValueError, match=r"^step_through: the label of node v\d \(op 'leaf', "
                       r"data 1\)"):
        step_through(y)


@pytest.mark.parametrize("title", BAD_LABELS[:4] + CONTROL[:2], ids=_short_repr)
def test_a_title_is_checked_too(title):
    x = Value(2.0, label="x")
    with pytest.raises(ValueError, match=r"^draw: the title"):
        draw(x * 3, title=title)
    with pytest.raises(ValueError, match=r"^step_through: the title"):
        step_through(x * 3, title=title)


def test_the_longest_label_allowed_draws_whatever_its_characters():
    for ch in ("a", "&", "é", "😀", '"'):
        x = Value(2.0, label=ch * TEXT_MAX)
        svg = draw(x * 3).pipe(format="svg")
        assert svg.startswith(b"<?xml")


@pytest.mark.parametrize("label", ["line\nbreak", "tab\tx", "cr\rx", "w₁", "σ(p)", "😀"])
def test_labels_graphviz_can_carry_are_drawn(label):
    x = Value(2.0, label=label)
    assert draw(x * 3).pipe(format="svg").startswith(b"<?xml")


def test_a_label_set_by_hand_after_the_value_was_made_is_checked_too():
    x = Value(1.0, label="x")
    x.label = "a\x07b"
    with pytest.raises(ValueError, match=r"control character \(U\+0007 at index 1\)"):
        draw(x * 2)


# -- links -------------------------------------------------------------------------------

GOOD_LINKS = ["loss.svg", "plots/step_001.svg", "../up.html", "#anchor", "?q=1",
              "http://example.org/a", "https://example.org/a?b=c#d", "file:///tmp/x.svg",
              "HTTPS://EXAMPLE.ORG", "//example.org/x", "a b.svg", "./a:b.svg"]
BAD_SCHEMES = ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,<b>x</b>",
               "vbscript:x", "blob:http://x/1", "mailto:a@b.c", "ftp://x/y", "c:\\x.svg",
               "a:b/c.svg"]
BAD_HREFS = ["", " javascript:alert(1)", "javascript:alert(1) ", "java\tscript:alert(1)",
             "java\nscript:alert(1)", "\x00javascript:x", "x" * (TEXT_MAX + 1), "\ud800"]


def test_good_links_are_kept():
    x = Value(2.0, label="x")
    links = [(f"file {k}", href) for k, href in enumerate(GOOD_LINKS)]
    page = step_through(x * 3, links=links)
    for href in GOOD_LINKS:
        assert check_link("t", href, "t") == ("t", href)
    assert page.html.count("<li><a href=") == len(GOOD_LINKS)


@pytest.mark.parametrize("href", BAD_SCHEMES)
def test_a_link_with_another_scheme_is_refused_naming_it(href):
    scheme = href.split(":")[0].lower()
    with pytest.raises(ValueError, match=rf"^step_through: the link 'run' goes to .*scheme "
                       rf"'{scheme}' is not one of http, https, file"):
        step_through(Value(2.0, label="x") * 3, links=[("run", href)])


@pytest.mark.parametrize("href", BAD_HREFS, ids=_short_repr)
def test_a_malformed_href_is_refused_naming_the_link(href):
    with pytest.raises(ValueError, match=r"^step_through: the (link 'run'|href of link 'run')"):
        step_through(Value(2.0, label="x") * 3, links=[("run", href)])


@pytest.mark.parametrize("links, words", [
    ("loss.svg", "links must be a list of .text, href. pairs, got str"),
    (b"x", "got bytes"),
    (None, "got NoneType"),
    ({"a": "b"}, "got dict"),
    ([("only one",)], r"links\[0\] must be a \(text, href\) pair"),
    (["ab"], r"links\[0\] must be a \(text, href\) pair, got 'ab'"),
    ([("a", "b", "c")], r"links\[0\]"),
    ([("a", None)], "a link's href must be a str, got NoneType"),
    ([(3, "x.svg")], "a link's text must be a str, got int"),
])
def test_malformed_links_are_named(links, words):
    with pytest.raises(TypeError, match=words):
        step_through(Value(2.0, label="x") * 3, links=links)


@pytest.mark.parametrize("text", ["a\x00", "x" * (TEXT_MAX + 1)], ids=_short_repr)
def test_a_bad_link_text_is_refused(text):
    with pytest.raises(ValueError, match="^step_through: the link text"):
        step_through(Value(2.0, label="x") * 3, links=[(text, "a.svg")])


@pytest.mark.parametrize("bad", [0, -1, 1.5, "10", None, True, float("inf")])
def test_max_nodes_must_be_a_count(bad):
    with pytest.raises(ValueError, match=r"max_nodes must be a whole number of nodes"):
        step_through(Value(2.0, label="x") * 3, max_nodes=bad)


# -- text outputs: one line per node, whatever the labels -----------------------------------


def test_a_newline_in_a_label_cannot_forge_a_line_of_trace_text():
    x = Value(2.0, label="x\n  C.grad  = 999")
    text = trace_text(x * 3)
    assert "\n  C.grad" not in text and "999" in text
    assert text.count("\n") == trace_text(Value(2.0, label="x") * 3).count("\n")
    assert "'x\\n  C.grad  = 999'" in text


def test_a_newline_in_a_non_unique_label_prints_escaped_in_the_comment():
    a, b = Value(1.0, label="a\rb"), Value(2.0, label="a\rb")
    text = trace_text(a * b)
    assert "\r" not in text and "('a\\rb')" in text


def test_explain_prints_a_labels_newline_escaped():
    w = Value(0.5, label="w\nforged")
    text = str(explain((w * 2.0).tanh(), w))
    assert "\nforged" not in text and "'w\\nforged'" in text


def test_check_text_allows_what_it_should():
    assert check_text("a\nb\tc", "t", "x") == "a\nb\tc"
    assert check_text(None, "t", "x") == "" and check_text(5, "t", "x") == "5"
