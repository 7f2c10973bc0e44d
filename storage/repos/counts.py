"""Redirect counts per pool, bot and hour bucket."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import dialect_insert
from storage.models import RedirectCount

Key = tuple[int, int, datetime]  # pool id, bot id, hour bucket (aware UTC)


def hour_of(moment: datetime) -> datetime:
    """The UTC hour bucket of an aware moment (in any time zone)."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


async def add(
    session: AsyncSession,
    increments: Mapping[Key, int],
    returning: Mapping[Key, int] | None = None,
) -> None:
    """Add a batch of increments in one statement per row, upserting the buckets;
    `returning`: how many of them were returning leads (a sticky cookie)."""
    buckets: dict[Key, list[int]] = {}
    for column, given in ((0, increments), (1, returning or {})):
        for (pool_id, bot_id, moment), n in given.items():
            bucket = buckets.setdefault((pool_id, bot_id, hour_of(moment)), [0, 0])
            bucket[column] += n
    rows = [
        {"pool_id": pool_id, "bot_id": bot_id, "hour": hour, "count": n, "returning_leads": r}
        for (pool_id, bot_id, hour), (n, r) in buckets.items()
        if n or r
    ]
    if not rows:
        return
    statement = dialect_insert(session, RedirectCount)
    statement = statement.on_conflict_do_update(
        index_elements=["pool_id", "bot_id", "hour"],
        set_={
            "count": RedirectCount.count + statement.excluded.count,
            "returning_leads": RedirectCount.returning_leads + statement.excluded.returning_leads,
        },
    )
    await session.execute(statement, rows)


def last_hour_weights(now: datetime) -> tuple[datetime, datetime, float]:
    """Hour buckets approximate a sliding 60-minute window: all of this hour's bucket
    plus the part of the previous hour's bucket that still falls inside it."""
    current = hour_of(now)
    elapsed = (now - current).total_seconds() / 3600
    return current, current - timedelta(hours=1), 1.0 - elapsed


async def per_bot_last_hour(
    session: AsyncSession, now: datetime, pool_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], int]:
    """(pool id, bot id) -> redirects in the last 60 minutes (sliding approximation)."""
    current, previous, share = last_hour_weights(now)
    statement = select(
        RedirectCount.pool_id, RedirectCount.bot_id, RedirectCount.hour, RedirectCount.count
    ).where(RedirectCount.hour >= previous)
    if pool_ids is not None:
        statement = statement.where(RedirectCount.pool_id.in_(list(pool_ids)))
    totals: dict[tuple[int, int], float] = {}
    for pool_id, bot_id, hour, count in await session.execute(statement):
        weight = 1.0 if hour >= current else share
        totals[(pool_id, bot_id)] = totals.get((pool_id, bot_id), 0.0) + count * weight
    return {key: round(value) for key, value in totals.items()}


async def last_hour_by(
    session: AsyncSession, now: datetime, key: Any, pool_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """`key` (RedirectCount.bot_id or .pool_id) -> redirects in the last 60 minutes (the
    sliding approximation of `last_hour_weights`), summed by the database in one
    aggregate over the hour index."""
    current, previous, share = last_hour_weights(now)
    weighted = case(
        (RedirectCount.hour >= current, RedirectCount.count * 1.0),
        else_=RedirectCount.count * share,
    )
    statement = select(key, func.sum(weighted)).where(RedirectCount.hour >= previous).group_by(key)
    if pool_ids is not None:
        statement = statement.where(RedirectCount.pool_id.in_(list(pool_ids)))
    return {k: round(float(n or 0)) for k, n in await session.execute(statement)}


async def per_bot_load(session: AsyncSession, now: datetime) -> dict[int, int]:
    """Bot id -> redirects in the last 60 minutes across all its pools: what hourly caps
    compare with, read often for the whole fleet."""
    return await last_hour_by(session, now, RedirectCount.bot_id)


async def per_bot_since(
    session: AsyncSession, since: datetime, pool_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], int]:
    """(pool id, bot id) -> redirects in whole hour buckets from `since`'s hour on."""
    statement = (
        select(RedirectCount.pool_id, RedirectCount.bot_id, func.sum(RedirectCount.count))
        .where(RedirectCount.hour >= hour_of(since))
        .group_by(RedirectCount.pool_id, RedirectCount.bot_id)
    )
    if pool_ids is not None:
        statement = statement.where(RedirectCount.pool_id.in_(list(pool_ids)))
    return {(p, b): int(n) for p, b, n in await session.execute(statement)}


async def returning_since(
    session: AsyncSession, since: datetime, pool_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], int]:
    """(pool id, bot id) -> returning leads (a sticky cookie) in whole hour buckets from
    `since`'s hour on; pairs with none are left out."""
    statement = (
        select(RedirectCount.pool_id, RedirectCount.bot_id, func.sum(RedirectCount.returning_leads))
        .where(RedirectCount.hour >= hour_of(since), RedirectCount.returning_leads > 0)
        .group_by(RedirectCount.pool_id, RedirectCount.bot_id)
    )
    if pool_ids is not None:
        statement = statement.where(RedirectCount.pool_id.in_(list(pool_ids)))
    return {(p, b): int(n) for p, b, n in await session.execute(statement)}


async def returning_last_hour(
    session: AsyncSession, now: datetime, pool_ids: Iterable[int] | None = None
) -> dict[tuple[int, int], int]:
    """(pool id, bot id) -> returning leads in the last 60 minutes, the sliding
    approximation of per_bot_last_hour; pairs with none are left out."""
    current, previous, share = last_hour_weights(now)
    statement = select(
        RedirectCount.pool_id, RedirectCount.bot_id, RedirectCount.hour,
        RedirectCount.returning_leads,
    ).where(RedirectCount.hour >= previous, RedirectCount.returning_leads > 0)  # fmt: skip
    if pool_ids is not None:
        statement = statement.where(RedirectCount.pool_id.in_(list(pool_ids)))
    totals: dict[tuple[int, int], float] = {}
    for pool_id, bot_id, hour, n in await session.execute(statement):
        weight = 1.0 if hour >= current else share
        totals[(pool_id, bot_id)] = totals.get((pool_id, bot_id), 0.0) + n * weight
    return {key: round(value) for key, value in totals.items() if round(value)}


async def delete_before(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Delete up to `limit` hour buckets that start before `cutoff`, through the hour
    index; the number deleted."""
    key = (RedirectCount.pool_id, RedirectCount.bot_id, RedirectCount.hour)
    oldest = select(*key).where(RedirectCount.hour < cutoff).order_by(RedirectCount.hour)
    result = await session.execute(
        delete(RedirectCount).where(tuple_(*key).in_(oldest.limit(limit)))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def total(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.sum(RedirectCount.count), 0))) or 0)


async def pool_last_hour(session: AsyncSession, pool_id: int, now: datetime) -> dict[int, int]:
    """Bot id -> redirects of one pool in the last 60 minutes (for core.figures)."""
    per_bot = await per_bot_last_hour(session, now, [pool_id])
    return {bot_id: n for (_pool_id, bot_id), n in per_bot.items()}
