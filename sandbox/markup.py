"""Formatted text and keyboards, checked the way the Bot API checks them."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

_TAG_ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
    "tg-emoji": "custom_emoji",
    "blockquote": "blockquote",
}
_CHAR_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class MarkupError(ValueError):
    """Text or markup the Bot API would refuse; the message is the API's description."""


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _TelegramHTML(HTMLParser):
    """Telegram's HTML subset: plain text plus entities, or MarkupError."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=False)
        self.source = source
        self.parts: list[str] = []
        self.length = 0
        self.open: list[tuple[str, int, dict[str, str | None]]] = []
        self.entities: list[dict[str, Any]] = []

    def _byte_offset(self) -> int:
        line, column = self.getpos()
        lines = self.source.split("\n")
        chars = sum(len(text) + 1 for text in lines[: line - 1]) + column
        return len(self.source[:chars].encode("utf-8"))

    def _append(self, text: str) -> None:
        self.parts.append(text)
        self.length += utf16_len(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAG_ENTITY:
            raise MarkupError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')
        self.open.append((tag, self.length, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise MarkupError(f'Unsupported start tag "{tag}" at byte offset {self._byte_offset()}')

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1][0] != tag:
            expected = f'expected "</{self.open[-1][0]}>", ' if self.open else ""
            raise MarkupError(
                f"Unmatched end tag at byte offset {self._byte_offset()}, "
                f'{expected}found "</{tag}>"'
            )
        name, start, attrs = self.open.pop()
        length = self.length - start
        if length == 0:
            return
        entity: dict[str, Any] = {"type": _TAG_ENTITY[name], "offset": start, "length": length}
        if name == "a":
            entity["url"] = attrs.get("href") or ""
        elif name == "pre" and attrs.get("language"):
            entity["language"] = attrs["language"]
        elif name == "blockquote" and "expandable" in attrs:
            entity["type"] = "expandable_blockquote"
        elif name == "tg-emoji":
            entity["custom_emoji_id"] = attrs.get("emoji-id") or ""
        self.entities.append(entity)

    def handle_data(self, data: str) -> None:
        if "<" in data:
            offset = self._byte_offset() + len(data[: data.index("<")].encode("utf-8"))
            raise MarkupError(f'Unsupported start tag "" at byte offset {offset}')
        self._append(data)

    def handle_entityref(self, name: str) -> None:
        self._append(_CHAR_REFS.get(name, f"&{name};"))

    def handle_charref(self, name: str) -> None:
        code = int(name[1:], 16) if name[:1] in "xX" else int(name)
        self._append(chr(code))

    def finish(self) -> tuple[str, list[dict[str, Any]]]:
        self.close()
        if self.open:
            raise MarkupError(
                f'Can\'t find end tag corresponding to start tag "{self.open[-1][0]}"'
            )
        self.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return "".join(self.parts), self.entities


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]] | None]:
    """Visible text and entities for `text` under `parse_mode`.

    HTML is parsed and checked like Telegram does; Markdown modes are stored verbatim.
    """
    if (parse_mode or "").lower() != "html":
        return text, None
    parser = _TelegramHTML(text)
    try:
        parser.feed(text)
        plain, entities = parser.finish()
    except MarkupError as error:
        raise MarkupError(f"can't parse entities: {error}") from None
    return plain, entities or None


def command_entities(text: str) -> list[dict[str, Any]] | None:
    """The bot_command entity Telegram adds to a message that starts with a command."""
    if not text.startswith("/"):
        return None
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]


def split_reply_markup(
    markup: Any,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(inline keyboard, other keyboard) from a reply_markup value, checked."""
    if markup is None:
        return None, None
    if not isinstance(markup, dict):
        raise MarkupError("can't parse reply keyboard markup JSON object")
    if "inline_keyboard" not in markup:
        if {"keyboard", "remove_keyboard", "force_reply"} & markup.keys():
            return None, markup
        raise MarkupError("can't parse reply keyboard markup JSON object")
    rows = markup["inline_keyboard"]
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise MarkupError("can't parse inline keyboard: rows must be arrays of buttons")
    for row in rows:
        for button in row:
            _check_button(button)
    return ({"inline_keyboard": rows} if any(rows) else None), None


def _check_button(button: Any) -> None:
    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
        raise MarkupError("can't parse inline keyboard button: Text must be a String")
    actions = button.keys() - {"text", "style", "icon_custom_emoji_id"}
    if not actions:
        raise MarkupError(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and not (isinstance(data, str) and 1 <= len(data.encode()) <= 64):
        raise MarkupError("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and not (
        isinstance(url, str) and url.startswith(("http://", "https://", "tg://"))
    ):
        raise MarkupError(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
