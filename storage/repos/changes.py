"""The routing change log (storage.db.mark_changed writes it): what each process's
routing table reads to reload only the pools a change touched."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import MemberState, PoolState, Priority, Strategy, ramp_start, routed_status
from storage.models import Bot, Member, Pool, RoutingChange
from storage.repos import pruning

KEEP = timedelta(minutes=10)  # the log's rows live this long at least (retention)


@dataclass(frozen=True, slots=True)
class Change:
    change_id: int
    pool_ids: frozenset[int]
    bot_ids: frozenset[int]


def _ids(text: str) -> frozenset[int]:
    return frozenset(int(part) for part in text.split(",") if part)


# Every process reads these after each change: built once, with parameters. Building a
# SELECT (and its cache key) was about half of a routing refresh's time.
_AFTER = (
    select(RoutingChange.id, RoutingChange.pool_ids, RoutingChange.bot_ids)
    .where(RoutingChange.id > bindparam("after"))
    .order_by(RoutingChange.id)
    .limit(bindparam("limit"))
)
_POOLS = select(
    Pool.id,
    Pool.slug,
    Pool.strategy,
    Pool.is_active,
    Pool.start_param,
    Pool.fallback_pool_id,
    Pool.fallback_url,
    Pool.sticky_days,
).where(Pool.id.in_(bindparam("ids", expanding=True)))
_MEMBERS = (
    select(
        Member.pool_id,
        Member.bot_id,
        Bot.username,
        Member.weight,
        Member.priority,
        Member.is_enabled,
        Bot.status,
        Bot.breaker_until,
        Member.hourly_cap,
        Member.added_at,
        Bot.recovered_at,
        Bot.backend_error,
    )
    .join(Bot, Bot.id == Member.bot_id)
    .where(Member.pool_id.in_(bindparam("ids", expanding=True)))
    .order_by(Member.pool_id, Member.added_at, Member.bot_id)
)


async def after(session: AsyncSession, change_id: int, limit: int = 5000) -> list[Change]:
    """The changes logged after `change_id`, oldest first."""
    rows = await session.execute(_AFTER, {"after": change_id, "limit": limit})
    return [Change(i, _ids(p), _ids(b)) for i, p, b in rows]


async def last_id(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.coalesce(func.max(RoutingChange.id), 0))) or 0)


async def delete_before(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Delete up to `limit` of the changes logged before `cutoff` (every process has
    followed them), oldest first; the number deleted."""
    return await pruning.delete_oldest(session, RoutingChange, cutoff, limit, at=RoutingChange.at)


async def pool_ids(session: AsyncSession) -> list[int]:
    return list((await session.scalars(select(Pool.id).order_by(Pool.id))).all())


async def routing_states(session: AsyncSession, ids: Sequence[int]) -> list[PoolState]:
    """The routing view of the pools `ids` that still exist, as plain rows (no ORM
    objects: a full load of thousands of pools reads them in chunks of these)."""
    wanted = {"ids": list(ids)}
    pool_rows = await session.execute(_POOLS, wanted)
    member_rows = await session.execute(_MEMBERS, wanted)
    members: dict[int, list[MemberState]] = {}
    for (
        pool_id, bot_id, username, weight, priority, enabled, status, until,
        capacity, added_at, recovered_at, backend_error,
    ) in member_rows:  # fmt: skip
        state = routed_status(status, backend_error)
        members.setdefault(pool_id, []).append(
            MemberState(
                bot_id=bot_id,
                username=username,
                weight=weight,
                priority=Priority(priority),
                is_enabled=enabled,
                status=state,
                breaker_until=until,
                hourly_cap=capacity,
                ramp_from=ramp_start(added_at, recovered_at),
            )
        )
    return [
        PoolState(
            pool_id=pool_id,
            slug=slug,
            strategy=Strategy(strategy),
            is_active=is_active,
            start_param=start_param,
            fallback_pool_id=fallback,
            fallback_url=fallback_url,
            sticky_days=sticky_days,
            members=tuple(members.get(pool_id, ())),
        )
        for (
            pool_id,
            slug,
            strategy,
            is_active,
            start_param,
            fallback,
            fallback_url,
            sticky_days,
        ) in pool_rows  # fmt: skip
    ]


def chunks(ids: Iterable[int], size: int) -> Iterable[list[int]]:
    batch: list[int] = []
    for item in ids:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
