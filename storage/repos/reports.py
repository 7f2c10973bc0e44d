"""What charts, exports and the daily digest read (SPEC §13): a pool's hourly counts per
bot, its members' status changes, and yesterday's figures per pool. Callers load the
pool as the operator's own first (pools.get_owned*), so ownership is checked there."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core import reports
from core.domain import BotStatus
from core.reports import HOUR, OTHERS_ID, CountRow, PoolDigest, StatusChange, TrafficSeries
from storage.models import Bot, HealthRecord, Pool, RedirectCount
from storage.repos import history, pools


async def count_rows(
    session: AsyncSession,
    pool_id: int,
    start: datetime,
    end: datetime,
    bot_ids: Collection[int] | None = None,
) -> list[CountRow]:
    """Stored buckets of the pool in [start, end) (of `bot_ids` only, when given), by
    hour then bot."""
    statement = (
        select(RedirectCount.hour, RedirectCount.bot_id, Bot.username, RedirectCount.count)
        .join(Bot, Bot.id == RedirectCount.bot_id)
        .where(
            RedirectCount.pool_id == pool_id,
            RedirectCount.hour >= start,
            RedirectCount.hour < end,
        )
        .order_by(RedirectCount.hour, RedirectCount.bot_id)
    )
    if bot_ids is not None:
        statement = statement.where(RedirectCount.bot_id.in_(list(bot_ids)))
    return [CountRow(h, b, u, int(n)) for h, b, u, n in await session.execute(statement)]


def _in_range(pool_id: int, start: datetime, end: datetime) -> tuple[Any, ...]:
    return (
        RedirectCount.pool_id == pool_id,
        RedirectCount.hour >= start,
        RedirectCount.hour < end,
    )


async def bot_totals(
    session: AsyncSession, pool_id: int, start: datetime, end: datetime
) -> dict[int, int]:
    statement = (
        select(RedirectCount.bot_id, func.sum(RedirectCount.count))
        .where(*_in_range(pool_id, start, end))
        .group_by(RedirectCount.bot_id)
    )
    return {bot_id: int(n) for bot_id, n in await session.execute(statement)}


async def others_per_hour(
    session: AsyncSession, pool_id: int, start: datetime, end: datetime, named: Collection[int]
) -> list[CountRow]:
    """Hourly sums of every bot but `named`, as the rows of one bot, OTHERS_ID."""
    statement = (
        select(RedirectCount.hour, func.sum(RedirectCount.count))
        .where(*_in_range(pool_id, start, end), RedirectCount.bot_id.not_in(list(named)))
        .group_by(RedirectCount.hour)
        .order_by(RedirectCount.hour)
    )
    return [CountRow(h, OTHERS_ID, "", int(n)) for h, n in await session.execute(statement)]


async def pool_total(session: AsyncSession, pool_id: int, start: datetime, end: datetime) -> int:
    statement = select(func.coalesce(func.sum(RedirectCount.count), 0)).where(
        *_in_range(pool_id, start, end)
    )
    return int(await session.scalar(statement) or 0)


async def status_changes(
    session: AsyncSession, bot_ids: Iterable[int], start: datetime, end: datetime
) -> list[StatusChange]:
    statement = (
        select(HealthRecord.at, HealthRecord.bot_id, HealthRecord.detail, HealthRecord.status)
        .where(
            HealthRecord.bot_id.in_(list(bot_ids)),
            HealthRecord.kind == history.STATUS_CHANGE,
            HealthRecord.at >= start,
            HealthRecord.at < end,
        )
        .order_by(HealthRecord.at, HealthRecord.id)
    )
    rows = await session.execute(statement)
    return [StatusChange(at, bot_id, old or "", new or "") for at, bot_id, old, new in rows]


async def statuses_at(
    session: AsyncSession, members: Sequence[Bot], moment: datetime, later: Sequence[StatusChange]
) -> dict[int, str]:
    """Each bot's status at `moment`: its newest change before it, else the status its
    first later change left, else its status now. One query for all the bots."""
    ids = [bot.id for bot in members]
    newest = (
        select(HealthRecord.bot_id, func.max(HealthRecord.at).label("at"))
        .where(
            HealthRecord.bot_id.in_(ids),
            HealthRecord.kind == history.STATUS_CHANGE,
            HealthRecord.at < moment,
        )
        .group_by(HealthRecord.bot_id)
        .subquery()
    )
    statement = (
        select(HealthRecord.bot_id, HealthRecord.status)
        .join(newest, (HealthRecord.bot_id == newest.c.bot_id) & (HealthRecord.at == newest.c.at))
        .where(HealthRecord.kind == history.STATUS_CHANGE)
        .order_by(HealthRecord.id)
    )
    before = {bot_id: status for bot_id, status in await session.execute(statement) if status}
    first_later: dict[int, str] = {}
    for change in later:
        first_later.setdefault(change.bot_id, change.old)
    return {bot.id: before.get(bot.id) or first_later.get(bot.id) or bot.status for bot in members}


async def traffic(
    session: AsyncSession,
    pool: Pool,
    start: datetime,
    hours: int,
    per_bot_capacity: int,
    keep: int | None = None,
) -> TrafficSeries:
    """The pool's chart data for `hours` hours from `start` (a UTC hour). With `keep`,
    the `keep` busiest bots have their own series and the rest one summed in SQL
    (OTHERS_ID): a week of 50 bots is then ~1,400 rows for the event loop, not 8,400."""
    end = start + hours * HOUR
    members = pool.members
    names = {m.bot_id: m.bot.username for m in members}
    shown = names
    totals = await bot_totals(session, pool.id, start, end) if keep is not None else {}
    everyone = set(names) | set(totals)
    if keep is not None and len(everyone) > keep + 1:
        ranked = sorted(everyone, key=lambda b: (-totals.get(b, 0), names.get(b, "")))
        named = ranked[:keep]
        rows = await count_rows(session, pool.id, start, end, named)
        rows += await others_per_hour(session, pool.id, start, end, named)
        shown = {b: names[b] for b in named if b in names} | {OTHERS_ID: ""}
    else:
        rows = await count_rows(session, pool.id, start, end)
    changes = await status_changes(session, names, start, end)
    enabled = [m.bot for m in members if m.is_enabled]
    at_start = await statuses_at(session, enabled, start, changes)
    return TrafficSeries(
        start=start,
        hours=hours,
        bots=reports.series_per_bot(start, hours, rows, shown),
        capacity=reports.capacity_series(start, hours, per_bot_capacity, at_start, changes),
        markers=reports.markers(changes, names),
    )


async def pool_digest(
    session: AsyncSession, pool: Pool, start: datetime, end: datetime
) -> PoolDigest:
    """One pool over [start, end) (yesterday, local), against the same span before it."""
    span = end - start
    bot_ids = [m.bot_id for m in pool.members]
    tally = reports.incidents(await status_changes(session, bot_ids, start, end))
    enabled = [m.bot for m in pool.members if m.is_enabled]
    uptimes = [
        await history.uptime_percent(session, bot.id, BotStatus(bot.status), end, span)
        for bot in enabled
    ]
    return PoolDigest(
        pool_id=pool.id,
        slug=pool.slug,
        name=pool.name,
        leads=await pool_total(session, pool.id, start, end),
        leads_before=await pool_total(session, pool.id, start - span, start),
        bans=tally[reports.MarkerKind.BANNED],
        drops=tally[reports.MarkerKind.OFFLINE],
        recoveries=tally[reports.MarkerKind.RECOVERED],
        uptime_percent=round(sum(uptimes) / len(uptimes), 1) if uptimes else None,
    )


async def digests(
    session: AsyncSession, owner_id: int, start: datetime, end: datetime
) -> list[tuple[Pool, PoolDigest]]:
    """Each of the operator's pools with its digest figures, in creation order."""
    return [
        (pool, await pool_digest(session, pool, start, end))
        for pool in await pools.list_owned(session, owner_id)
    ]
