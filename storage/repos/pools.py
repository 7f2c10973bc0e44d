from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from core import validation
from core.domain import (
    DEFAULT_START_PARAM,
    DEFAULT_STICKY_DAYS,
    MemberState,
    PoolState,
    Priority,
    Strategy,
    ramp_start,
    routed_status,
)
from core.errors import Invalid, NotFound, SlugTaken
from storage.db import dialect_insert, mark_changed
from storage.models import Member, Pool
from storage.repos import operators

EDITABLE = (
    "name",
    "strategy",
    "is_active",
    "start_param",
    "fallback_pool_id",
    "fallback_url",
    "sticky_days",
)


async def create(
    session: AsyncSession,
    owner_id: int,
    *,
    name: str,
    slug: str,
    strategy: str | Strategy = Strategy.ROUND_ROBIN,
    start_param: str = DEFAULT_START_PARAM,
    fallback_url: str | None = None,
    sticky_days: int = DEFAULT_STICKY_DAYS,
) -> Pool:
    """A new pool; SlugTaken when any operator has the slug, even one committed by a
    concurrent session a moment ago (the session stays usable)."""
    values = {
        "owner_id": owner_id,
        "name": validation.name(name),
        "slug": validation.slug(slug),
        "strategy": validation.strategy(strategy).value,
        "start_param": validation.start_param(start_param),
        "fallback_url": validation.fallback_url(fallback_url),
        "sticky_days": validation.sticky_days(sticky_days),
    }
    await operators.get_or_create(session, owner_id)
    statement = (
        dialect_insert(session, Pool)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["slug"])
        .returning(Pool.id)
    )
    pool_id = await session.scalar(statement)
    if pool_id is None:
        raise SlugTaken(slug=slug)
    mark_changed(session, pools=[pool_id])
    return await get_owned(session, owner_id, pool_id)


def _with_members(statement):  # type: ignore[no-untyped-def]
    return statement.options(selectinload(Pool.members).joinedload(Member.bot))


async def get_owned(
    session: AsyncSession, owner_id: int, pool_id: int, *, lock: bool = False
) -> Pool:
    """The owner's pool with its members. `lock`: hold the pool's row until commit (on
    PostgreSQL; SQLite serializes write units anyway) and read its members afresh, for a
    change that must not race another one to the same pool (its size limit)."""
    statement = _with_members(select(Pool).where(Pool.id == pool_id))
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    pool = await session.scalar(statement)
    if pool is None or pool.owner_id != owner_id:
        raise NotFound("pool", pool_id=pool_id)
    return pool


async def get_owned_by_slug(session: AsyncSession, owner_id: int, slug: str) -> Pool:
    pool = await session.scalar(_with_members(select(Pool).where(Pool.slug == slug)))
    if pool is None or pool.owner_id != owner_id:
        raise NotFound("pool", slug=slug)
    return pool


async def list_owned(session: AsyncSession, owner_id: int) -> Sequence[Pool]:
    statement = _with_members(select(Pool).where(Pool.owner_id == owner_id).order_by(Pool.id))
    return (await session.scalars(statement)).all()


async def update_owned(
    session: AsyncSession, owner_id: int, pool_id: int, /, **changes: object
) -> Pool:
    """Apply `changes` (any of EDITABLE); any other key, even `owner_id`, is Invalid."""
    if "fallback_pool_id" in changes:  # two fallback changes at once could close a loop
        await operators.lock(session, owner_id)
    pool = await get_owned(session, owner_id, pool_id)
    for field, value in changes.items():
        if field == "name":
            pool.name = validation.name(value)
        elif field == "strategy":
            pool.strategy = validation.strategy(value).value
        elif field == "is_active":
            if not isinstance(value, bool):
                raise Invalid("is_active", "true or false")
            pool.is_active = value
        elif field == "start_param":
            pool.start_param = validation.start_param(value)
        elif field == "fallback_pool_id":
            pool.fallback_pool_id = await _fallback(session, owner_id, pool, value)
        elif field == "fallback_url":
            pool.fallback_url = validation.fallback_url(value)
        elif field == "sticky_days":
            pool.sticky_days = validation.sticky_days(value)
        else:
            raise Invalid(field, "cannot be changed")
    await session.flush()
    mark_changed(session, pools=[pool.id])
    return pool


async def _fallback(session: AsyncSession, owner_id: int, pool: Pool, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid("fallback_pool_id", "a pool id or null")
    if value == pool.id:
        raise Invalid("fallback_pool_id", "a pool cannot fall back to itself")
    try:
        target = await get_owned(session, owner_id, value)
    except NotFound:
        raise Invalid("fallback_pool_id", "no such pool") from None
    seen = {pool.id}
    while target.fallback_pool_id is not None:
        if target.fallback_pool_id in seen or target.fallback_pool_id == pool.id:
            raise Invalid("fallback_pool_id", "this would make a loop of fallbacks")
        seen.add(target.id)
        nxt = await session.get(Pool, target.fallback_pool_id)
        if nxt is None:
            break
        target = nxt
    return value


async def delete_owned(session: AsyncSession, owner_id: int, pool_id: int) -> None:
    await session.delete(await get_owned(session, owner_id, pool_id))
    await session.flush()
    mark_changed(session, pools=[pool_id])


def state_of(pool: Pool) -> PoolState:
    """The routing view of a pool loaded with its members and their bots."""
    return PoolState(
        pool_id=pool.id,
        slug=pool.slug,
        strategy=Strategy(pool.strategy),
        is_active=pool.is_active,
        start_param=pool.start_param,
        fallback_pool_id=pool.fallback_pool_id,
        fallback_url=pool.fallback_url,
        sticky_days=pool.sticky_days,
        members=tuple(
            MemberState(
                bot_id=m.bot_id,
                username=m.bot.username,
                weight=m.weight,
                priority=Priority(m.priority),
                is_enabled=m.is_enabled,
                status=routed_status(m.bot.status, m.bot.backend_error),
                breaker_until=m.bot.breaker_until,
                hourly_cap=m.hourly_cap,
                ramp_from=ramp_from(m),
            )
            for m in pool.members
        ),
    )


def ramp_from(member: Member) -> datetime:
    """Where the member's slow start runs from (core.domain.ramp_start)."""
    return ramp_start(member.added_at, member.bot.recovered_at)


async def all_states(session: AsyncSession) -> list[tuple[Pool, PoolState]]:
    """Every pool of the installation, for the routing table and the monitor."""
    pools = (await session.scalars(_with_members(select(Pool).order_by(Pool.id)))).all()
    return [(pool, state_of(pool)) for pool in pools]


@dataclass(frozen=True, slots=True)
class AlertLevel:
    """A pool's stored alert level, with what deciding its alert needs."""

    pool_id: int
    owner_id: int
    level: str
    is_active: bool


async def lock_alert_levels(session: AsyncSession, bot_ids: Iterable[int]) -> list[AlertLevel]:
    """The alert levels of the pools that have any of `bot_ids` as a member, their rows
    held until commit (for writing them). Plain rows: a health change of bots in
    hundreds of pools reads no ORM object."""
    having = select(Member.pool_id).where(Member.bot_id.in_(list(bot_ids)))
    statement = (
        select(Pool.id, Pool.owner_id, Pool.alert_level, Pool.is_active)
        .where(Pool.id.in_(having))
        .order_by(Pool.id)
        .with_for_update()
    )
    return [AlertLevel(*row) for row in await session.execute(statement)]


async def set_alert_levels(session: AsyncSession, levels: Mapping[int, str]) -> None:
    """Store pool id -> alert level, in one statement."""
    if levels:
        rows = [{"id": pool_id, "alert_level": level} for pool_id, level in levels.items()]
        await session.execute(update(Pool), rows)


async def slug_taken(session: AsyncSession, slug: str) -> bool:
    """Whether any operator's pool has `slug` (slugs are unique across the installation)."""
    return await session.scalar(select(Pool.id).where(Pool.slug == slug)) is not None


async def states_named(
    session: AsyncSession, owner_id: int, pool_ids: Iterable[int], bot_ids: Iterable[int]
) -> list[tuple[Pool, PoolState]]:
    """The owner's pools among `pool_ids` or having any of `bot_ids`, with their members
    (what an alert about those pools and bots shows)."""
    having = select(Member.pool_id).where(Member.bot_id.in_(list(bot_ids)))
    statement = _with_members(
        select(Pool)
        .where(Pool.owner_id == owner_id, or_(Pool.id.in_(list(pool_ids)), Pool.id.in_(having)))
        .order_by(Pool.id)
    )
    return [(pool, state_of(pool)) for pool in (await session.scalars(statement)).all()]
