"""What /apikey shows: the operator's keys (never the key itself), a new key once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.utils.formatting import Code, Text

from bot_manager.texts import t
from bot_manager.views.format import moment
from storage.models import ApiKey


def label_of(lang: str, key: ApiKey, limit: int | None = None) -> str:
    """The key's label, or a placeholder; shortened to `limit` for a button."""
    label = key.label or t(lang, "apikeys.no_label")
    return label if limit is None or len(label) <= limit else label[: limit - 1] + "…"


def list_text(lang: str, keys: Sequence[ApiKey]) -> str:
    never = t(lang, "apikeys.never")
    lines = [t(lang, "apikeys.title"), ""]
    lines += [
        t(
            lang,
            "apikeys.line",
            label=label_of(lang, key),
            prefix=key.prefix,
            created=moment(key.created_at, never),
            last_used=moment(key.last_used_at, never),
        )
        for key in keys
    ] or [t(lang, "apikeys.none")]
    lines += ["", t(lang, "apikeys.usage")]
    return "\n".join(lines)


def created_message(lang: str, row: ApiKey, key: str) -> dict[str, Any]:
    """Text and entities of the one message that shows a new key: the key as code,
    so a tap copies it."""
    label = t(lang, "apikeys.created_label", label=row.label) if row.label else ""
    text = Text(
        t(lang, "apikeys.created", label=label),
        "\n\n",
        Code(key),
        "\n\n",
        t(lang, "apikeys.created_warning"),
    )
    return text.as_kwargs()


def confirm_revoke_text(lang: str, key: ApiKey) -> str:
    return t(lang, "apikeys.confirm_revoke", label=label_of(lang, key), prefix=key.prefix)
