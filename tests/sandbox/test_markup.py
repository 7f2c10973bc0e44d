"""Telegram's HTML subset and keyboards, checked without a server."""

from __future__ import annotations

import pytest

from sandbox.markup import MarkupError, command_entities, parse_text, split_reply_markup


def test_html_becomes_plain_text_with_utf16_entities():
    text, entities = parse_text('😀 <b>bold</b> <a href="https://t.me/x">link</a>', "HTML")

    assert text == "😀 bold link"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 4},
        {"type": "text_link", "offset": 8, "length": 4, "url": "https://t.me/x"},
    ]


def test_html_escapes_are_unescaped():
    assert parse_text("a &lt;b&gt; &amp; &#65;", "HTML") == ("a <b> & A", None)


@pytest.mark.parametrize(
    ("source", "error"),
    [
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("<b>x", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b>x</i>", "Unmatched end tag"),
        ("a < b", "Unsupported start tag"),
    ],
)
def test_broken_html_is_refused_like_telegram(source, error):
    with pytest.raises(MarkupError, match=error):
        parse_text(source, "HTML")


def test_markdown_is_kept_verbatim():
    assert parse_text("*bold*", "MarkdownV2") == ("*bold*", None)


def test_a_command_gets_a_bot_command_entity():
    assert command_entities("/start ref") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("hello") is None


def test_reply_keyboards_are_kept_apart_from_inline_keyboards():
    inline, other = split_reply_markup({"keyboard": [[{"text": "Yes"}]]})

    assert (inline, other) == (None, {"keyboard": [[{"text": "Yes"}]]})


def test_an_inline_button_without_an_action_is_refused():
    with pytest.raises(MarkupError, match="Text buttons are unallowed"):
        split_reply_markup({"inline_keyboard": [[{"text": "Nothing"}]]})
