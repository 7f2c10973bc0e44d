"""Finding a bot token in whatever an operator pastes or forwards."""

from __future__ import annotations

import re

# Telegram tokens: the bot id, a colon, then 35 characters of [A-Za-z0-9_-].
# The id has grown over the years, so allow 5 to 12 digits; the secret is 30 to 50
# characters to stay tolerant of test tokens without matching ordinary prose.
TOKEN_RE = re.compile(r"(?<![\w:])(\d{5,12}):([A-Za-z0-9_-]{30,50})(?![\w-])")
_LOOSE_RE = re.compile(r"(?<![\w:])\d{3,}:[^\s]{5,}")
# For hiding secrets, also inside Bot API URLs (`.../bot<id>:<secret>/getMe`), which is
# where tokens show up in HTTP error messages.
_SECRET_RE = re.compile(r"(?<!\d)(\d{5,12}):[A-Za-z0-9_-]{30,}")


def find_token(text: str | None) -> str | None:
    """The first bot token inside `text` (alone, or in a @BotFather message), or None."""
    if not text:
        return None
    match = TOKEN_RE.search(text)
    return match.group(0) if match else None


def looks_like_token(text: str | None) -> bool:
    """True for text that resembles a token but is not a valid one (to answer 'malformed')."""
    return bool(text) and find_token(text) is None and bool(_LOOSE_RE.search(text or ""))


def bot_id_of(token: str) -> int:
    return int(token.split(":", 1)[0])


def redact(text: str) -> str:
    """Text safe to log or echo: every token's secret part hidden."""
    return _SECRET_RE.sub(lambda m: f"{m.group(1)}:***", text)
