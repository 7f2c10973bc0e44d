"""Hourly capacity of pools (SPEC §12): what each active pool's routable bots can take in
an hour, what the last rolling hour used, and the level last alerted. One aggregate
query per figure for the whole installation, so a job can watch 10,000 pools cheaply."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import BotStatus, routed_status
from storage.models import Bot, Member, Pool, RedirectCount
from storage.repos import counts

ROW_SLICE = 2000  # member rows read between two turns of the loop


@dataclass(frozen=True, slots=True)
class PoolLoad:
    """One active pool: its owner, the level stored, leads in the last rolling hour and
    leads per hour its routable bots can take."""

    pool_id: int
    owner_id: int
    level: str
    used: int
    capacity: int

    @property
    def percent(self) -> int:
        return round(100 * self.used / self.capacity) if self.capacity else 0


async def used_last_hour(
    session: AsyncSession, now: datetime, pool_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Pool id -> redirects in the last 60 minutes."""
    return await counts.last_hour_by(session, now, RedirectCount.pool_id, pool_ids)


async def capacities(
    session: AsyncSession, now: datetime, default: int, pool_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """Pool id -> leads per hour of its routable members: each enabled member's own cap
    (pool_members.hourly_cap, else `default`), counting the bots /go sends leads to
    first (online at Telegram, out of any breaker, backend answering); a pool with none
    counts the degraded ones, which serve then. Active pools only."""
    statement = (
        select(
            Member.pool_id,
            Member.hourly_cap,
            Bot.status,
            Bot.breaker_until,
            Bot.backend_error,
        )
        .join(Bot, Bot.id == Member.bot_id)
        .join(Pool, Pool.id == Member.pool_id)
        .where(Pool.is_active.is_(True), Member.is_enabled.is_(True))
    )
    if pool_ids is not None:
        statement = statement.where(Member.pool_id.in_(list(pool_ids)))
    first: dict[int, int] = {}
    second: dict[int, int] = {}
    result = await session.execute(statement)
    for rows in result.partitions(ROW_SLICE):
        for pool_id, cap, status, until, backend_error in rows:
            if until is not None and now < until:
                continue
            share = cap if cap is not None else default
            routed = routed_status(status, backend_error)
            if routed is BotStatus.ONLINE:
                first[pool_id] = first.get(pool_id, 0) + share
            elif routed is BotStatus.DEGRADED:
                second[pool_id] = second.get(pool_id, 0) + share
        await asyncio.sleep(0)
    return {pool_id: first.get(pool_id) or second.get(pool_id, 0) for pool_id in first | second}


async def loads(session: AsyncSession, now: datetime, default: int) -> list[PoolLoad]:
    """Every active pool's load, in id order."""
    used = await used_last_hour(session, now)
    caps = await capacities(session, now, default)
    rows = await session.execute(
        select(Pool.id, Pool.owner_id, Pool.capacity_level)
        .where(Pool.is_active.is_(True))
        .order_by(Pool.id)
    )
    return [
        PoolLoad(pool_id, owner_id, level, used.get(pool_id, 0), caps.get(pool_id, 0))
        for pool_id, owner_id, level in rows
    ]


async def load_of(session: AsyncSession, pool_id: int, now: datetime, default: int) -> PoolLoad:
    """One pool's load (what an alert about it shows); zero figures for a paused pool."""
    pool = await session.get(Pool, pool_id)
    level = pool.capacity_level if pool is not None else "ok"
    owner = pool.owner_id if pool is not None else 0
    used = (await used_last_hour(session, now, [pool_id])).get(pool_id, 0)
    capacity = (await capacities(session, now, default, [pool_id])).get(pool_id, 0)
    return PoolLoad(pool_id, owner, level, used, capacity)


async def set_levels(session: AsyncSession, levels: Mapping[int, str]) -> None:
    """Store the new level of each pool, in one statement for the batch."""
    if not levels:
        return
    rows = [{"id": pool_id, "capacity_level": level} for pool_id, level in levels.items()]
    await session.execute(update(Pool), rows)
