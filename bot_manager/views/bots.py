"""The /bots list and one bot's detail."""

from __future__ import annotations

from collections.abc import Sequence

from bot_manager.texts import t
from bot_manager.views.format import latency, moment, status_emoji
from core.tokens import redact
from storage.models import Bot


def bots_text(lang: str, bots: Sequence[Bot]) -> str:
    if not bots:
        return t(lang, "bots.empty")
    lines = [t(lang, "bots.title", count=len(bots))]
    lines += [
        t(
            lang,
            "bots.line",
            emoji=status_emoji(bot.status),
            username=bot.username,
            status=t(lang, f"status.{bot.status}"),
            latency=latency(bot.latency_ms),
        )
        for bot in bots
    ]
    return "\n".join(lines)


async def detail_text(lang: str, bot: Bot) -> str:
    """Status, latency, last check and error, and the pools the bot serves."""
    memberships = await bot.awaitable_attrs.memberships
    slugs = [(await member.awaitable_attrs.pool).slug for member in memberships]
    text = t(
        lang,
        "bot.detail",
        username=bot.username,
        emoji=status_emoji(bot.status),
        status=t(lang, f"status.{bot.status}"),
        latency=latency(bot.latency_ms),
        last_check=moment(bot.last_check, t(lang, "bot.never")),
        pools=", ".join(slugs) or t(lang, "bot.no_pools"),
    )
    if bot.last_error and bot.status != "online":
        text += "\n" + t(lang, "bot.last_error", error=redact(bot.last_error))
    if bot.backend_error:
        text += "\n" + t(lang, "bot.backend_error", error=redact(bot.backend_error))
    if bot.recovered_at is not None:
        text += "\n" + t(lang, "bot.recovered", at=moment(bot.recovered_at, ""))
    return text
