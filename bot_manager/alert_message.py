"""The one message that tells an operator's incident, composed from the current state
of the pools and bots it names (not from the alerts, which may be stale by the time it
goes out). Pool-level news carries the bot lines of that pool: no separate per-bot
message for a pool (Alertmanager's inhibition)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.texts import t
from core.alerts import PoolLevel, pool_level
from core.domain import BotStatus, pool_health
from core.health import UNDECRYPTABLE
from core.incidents import Subject
from storage.models import Bot
from storage.repos import pools

_DOWN = (BotStatus.OFFLINE, BotStatus.BANNED)
_BOT_LINE = {
    BotStatus.BANNED: "alert.line_banned",
    BotStatus.OFFLINE: "alert.line_offline",
    BotStatus.DEGRADED: "alert.line_degraded",
    BotStatus.CHECKING: "alert.line_degraded",
    BotStatus.ONLINE: "alert.line_online",
}


@dataclass(frozen=True, slots=True)
class Situation:
    text: str
    all_clear: bool  # nothing named is down: the incident is over
    empty: bool = False  # every pool and bot named was deleted since: nothing to tell


async def compose(
    session: AsyncSession,
    owner_id: int,
    language: str,
    subjects: Iterable[Subject],
    now: datetime,
    public_url: str,
) -> Situation:
    subjects = set(subjects)
    bot_ids = {i for kind, i in subjects if kind == "bot"}
    pool_ids = {i for kind, i in subjects if kind == "pool"}
    states = await pools.states_named(session, owner_id, pool_ids, bot_ids)
    locked_out = set(
        await session.scalars(
            select(Bot.id).where(Bot.id.in_(bot_ids), Bot.last_error == UNDECRYPTABLE)
        )
    )

    def line(status: BotStatus, bot_id: int, username: str) -> str:
        key = "alert.line_undecryptable" if bot_id in locked_out else _BOT_LINE[status]
        return t(language, key, bot=username)

    levels: list[PoolLevel] = []
    statuses: list[BotStatus] = []
    blocks: list[str] = []
    pooled: set[int] = set()
    for pool, state in states:
        health = pool_health(state, now)
        level = pool_level(health)
        levels.append(level)
        figures = {"health": health.percent, "online": health.online, "total": health.total}
        lines = [t(language, "alert.pool_line", pool=pool.name, **figures)]
        if level is PoolLevel.EMPTY:
            lines.append(t(language, "alert.pool_empty", link=f"{public_url}/go/{pool.slug}"))
        elif level is PoolLevel.CRITICAL:
            lines.append(t(language, "alert.pool_critical"))
        for member in state.members:
            pooled.add(member.bot_id)
            named = member.bot_id in bot_ids
            if member.is_enabled and (named or member.status is not BotStatus.ONLINE):
                lines.append(line(member.status, member.bot_id, member.username))
            if named:  # a bot down before the incident is shown, not what it is about
                statuses.append(member.status)
        blocks.append("\n".join(lines))
    loose = [
        bot
        for bot_id in sorted(bot_ids - pooled)
        if (bot := await session.get(Bot, bot_id)) is not None and bot.owner_id == owner_id
    ]
    if loose:
        lines = [t(language, "alert.no_pool")]
        for bot in loose:
            status = BotStatus(bot.status)
            statuses.append(status)
            lines.append(line(status, bot.id, bot.username))
        blocks.append("\n".join(lines))
    head = _head(levels, statuses)
    text = "\n\n".join([t(language, head), *blocks])
    if BotStatus.BANNED in statuses:
        text += "\n\n" + t(language, "alert.banned_hint")
    return Situation(text, head == "alert.head_resolved", empty=not blocks)


def _head(levels: list[PoolLevel], statuses: list[BotStatus]) -> str:
    if PoolLevel.EMPTY in levels:
        return "alert.head_empty"
    if BotStatus.BANNED in statuses:
        return "alert.head_banned"
    if PoolLevel.CRITICAL in levels:
        return "alert.head_critical"
    if any(status in _DOWN for status in statuses):
        return "alert.head_offline"
    return "alert.head_resolved"
