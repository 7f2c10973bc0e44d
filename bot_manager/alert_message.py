"""The one message that tells an operator's incident, composed from the current state
of the pools and bots it names (not from the alerts, which may be stale by the time it
goes out). Pool-level news carries the bot lines of that pool: no separate per-bot
message for a pool (Alertmanager's inhibition).

Besides Telegram's view of a bot, a bot line tells a failing backend (the funnel behind
the bot does not answer: core.backend), and a pool line its hourly capacity when past
80 % (busy) or full. Both keep the incident open until they clear; a capacity level
that falls back is quiet (no alert), so the incident's next message shows it cleared."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.texts import t
from core.alerts import CapacityLevel, PoolLevel, pool_level
from core.backend import describe
from core.domain import BotStatus, pool_health
from core.health import UNDECRYPTABLE
from core.incidents import Subject
from storage.models import Bot, Pool
from storage.repos import capacity, pools

_DOWN = (BotStatus.OFFLINE, BotStatus.BANNED)
_UP = (BotStatus.ONLINE, BotStatus.DEGRADED, BotStatus.CHECKING)
DEFAULT_HOURLY_CAPACITY = 2250


class Head(IntEnum):
    """What an incident's message leads with: the worst of what it names, lowest first."""

    RESOLVED = 0
    BUSY = 1
    BACKEND = 2
    OFFLINE = 3
    FULL = 4
    CRITICAL = 5
    BANNED = 6
    EMPTY_FALLBACK = 7  # no bot left, the leads go to the pool's fallback link
    EMPTY = 8


_HEAD_KEY = {
    Head.RESOLVED: "alert.head_resolved",
    Head.BUSY: "alert.head_busy",
    Head.BACKEND: "alert.head_backend",
    Head.OFFLINE: "alert.head_offline",
    Head.FULL: "alert.head_full",
    Head.CRITICAL: "alert.head_critical",
    Head.BANNED: "alert.head_banned",
    Head.EMPTY_FALLBACK: "alert.head_empty_fallback",
    Head.EMPTY: "alert.head_empty",
}
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
    *,
    hourly_capacity: int = DEFAULT_HOURLY_CAPACITY,
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
    shown = bot_ids | {m.bot_id for _pool, state in states for m in state.members}
    backend_errors: dict[int, str] = dict(
        (
            await session.execute(
                select(Bot.id, Bot.backend_error).where(
                    Bot.id.in_(shown), Bot.backend_error.is_not(None)
                )
            )
        ).all()  # type: ignore[arg-type]
    )

    def backend_down(status: BotStatus, bot_id: int) -> bool:
        return bot_id in backend_errors and status in _UP

    def line(status: BotStatus, bot_id: int, username: str) -> str:
        if bot_id in locked_out:
            return t(language, "alert.line_undecryptable", bot=username)
        if backend_down(status, bot_id):
            kind, values = describe(backend_errors[bot_id])
            return t(language, f"alert.line_backend_{kind}", bot=username, **values)
        return t(language, _BOT_LINE[status], bot=username)

    heads: list[Head] = []
    blocks: list[str] = []
    pooled: set[int] = set()
    banned = False
    for pool, state in states:
        health = pool_health(state, now)
        level = pool_level(health)
        figures = {"health": health.percent, "online": health.online, "total": health.total}
        lines = [t(language, "alert.pool_line", pool=pool.name, **figures)]
        link = f"{public_url}/go/{pool.slug}"
        if level is PoolLevel.EMPTY and pool.fallback_url:
            heads.append(Head.EMPTY_FALLBACK)
            lines.append(
                t(language, "alert.pool_empty_fallback", link=link, fallback=pool.fallback_url)
            )
        elif level is PoolLevel.EMPTY:
            heads.append(Head.EMPTY)
            lines.append(t(language, "alert.pool_empty", link=link))
        elif level is PoolLevel.CRITICAL:
            heads.append(Head.CRITICAL)
            lines.append(t(language, "alert.pool_critical"))
        if pool.id in pool_ids and pool.is_active:
            load_line = await _capacity_line(session, language, pool, now, hourly_capacity)
            if load_line is not None:
                heads.append(load_line[0])
                lines.append(load_line[1])
        for member in state.members:
            pooled.add(member.bot_id)
            named = member.bot_id in bot_ids
            unwell = member.status is not BotStatus.ONLINE or member.bot_id in backend_errors
            if member.is_enabled and (named or unwell):
                lines.append(line(member.status, member.bot_id, member.username))
            if named:  # a bot down before the incident is shown, not what it is about
                heads.append(_bot_head(member.status, backend_down(member.status, member.bot_id)))
                banned = banned or member.status is BotStatus.BANNED
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
            heads.append(_bot_head(status, backend_down(status, bot.id)))
            banned = banned or status is BotStatus.BANNED
            lines.append(line(status, bot.id, bot.username))
        blocks.append("\n".join(lines))
    head = max(heads, default=Head.RESOLVED)
    text = "\n\n".join([t(language, _HEAD_KEY[head]), *blocks])
    if banned:
        text += "\n\n" + t(language, "alert.banned_hint")
    return Situation(text, head is Head.RESOLVED, empty=not blocks)


def _bot_head(status: BotStatus, backend_down: bool) -> Head:
    if status is BotStatus.BANNED:
        return Head.BANNED
    if status is BotStatus.OFFLINE:
        return Head.OFFLINE
    return Head.BACKEND if backend_down else Head.RESOLVED


async def _capacity_line(
    session: AsyncSession, language: str, pool: Pool, now: datetime, default: int
) -> tuple[Head, str] | None:
    """The pool's hourly-capacity line while it is busy or full, with its figures now."""
    if pool.capacity_level not in (CapacityLevel.BUSY, CapacityLevel.FULL):
        return None
    load = await capacity.load_of(session, pool.id, now, default)
    figures = {"used": load.used, "capacity": load.capacity, "percent": load.percent}
    if pool.capacity_level == CapacityLevel.FULL:
        return Head.FULL, t(language, "alert.pool_full", **figures)
    return Head.BUSY, t(language, "alert.pool_busy", **figures)
