"""Who may use the control bot, and which messages carry a bot token."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.types import Message

from core.settings import Settings
from core.tokens import find_token, looks_like_token


def allowed(settings: Settings, user_id: int) -> bool:
    """BOTPOOL_ADMIN_IDS, or anyone when BOTPOOL_OPEN_REGISTRATION is on."""
    return settings.open_registration or user_id in settings.admin_ids


def message_text(message: Message) -> str:
    return message.text or message.caption or ""


class CarriesToken(Filter):
    """A message with a bot token anywhere in it (pasted, or forwarded from @BotFather);
    hands the token to the handler as `token`."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        token = find_token(message_text(message))
        return {"token": token} if token else False


class LooksLikeToken(Filter):
    """Text shaped like a token that is not a valid one: answered as malformed."""

    async def __call__(self, message: Message) -> bool:
        return looks_like_token(message_text(message))
