from __future__ import annotations

from sqlalchemy import case, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.util import identity_key

from core import validation
from core.domain import Priority
from core.errors import AlreadyMember, Invalid, NotFound, PoolFull
from storage.db import mark_changed
from storage.models import Member, Pool
from storage.repos import bots, pools

EDITABLE = ("weight", "priority", "is_enabled", "hourly_cap")


async def add(
    session: AsyncSession,
    owner_id: int,
    pool_id: int,
    bot_id: int,
    *,
    weight: int = 1,
    priority: int = Priority.NORMAL,
    hourly_cap: int | None = None,
    max_per_pool: int,
) -> Member:
    """Add the owner's bot to the owner's pool. The pool's row is locked first, so of
    racing adds each counts the members the others committed: the limit and the one
    membership per (pool, bot) hold (PoolFull, AlreadyMember). Reads the pool's size,
    not its members: an add to a large fleet's pool costs one row."""
    weight = validation.weight(weight)
    priority = validation.priority(priority)
    hourly_cap = validation.hourly_cap(hourly_cap)
    found = await session.execute(
        select(Pool.owner_id, Pool.slug).where(Pool.id == pool_id).with_for_update()
    )
    pool = found.one_or_none()
    if pool is None or pool.owner_id != owner_id:
        raise NotFound("pool", pool_id=pool_id)
    bot = await bots.get_owned(session, owner_id, bot_id)
    size, taken = (
        await session.execute(
            select(func.count(), func.count(case((Member.bot_id == bot.id, 1)))).where(
                Member.pool_id == pool_id
            )
        )
    ).one()
    if taken:
        raise AlreadyMember(pool=pool.slug, bot=bot.username)
    if size >= max_per_pool:
        raise PoolFull(pool=pool.slug, limit=max_per_pool)
    member = Member(
        pool_id=pool_id,
        bot_id=bot.id,
        weight=weight,
        priority=int(priority),
        hourly_cap=hourly_cap,
    )
    member.bot = bot
    loaded = session.identity_map.get(identity_key(Pool, pool_id))
    if loaded is not None and "members" in inspect(loaded).dict:
        loaded.members.append(member)  # a pool this unit read before lists it too
    session.add(member)
    await session.flush()
    mark_changed(session, pools=[pool_id])
    return member


async def get_owned(session: AsyncSession, owner_id: int, pool_id: int, bot_id: int) -> Member:
    return _find(await pools.get_owned(session, owner_id, pool_id), bot_id)


def _find(pool: Pool, bot_id: int) -> Member:
    for member in pool.members:
        if member.bot_id == bot_id:
            return member
    raise NotFound("member", pool_id=pool.id, bot_id=bot_id)


async def update(
    session: AsyncSession, owner_id: int, pool_id: int, bot_id: int, /, **changes: object
) -> Member:
    """Apply `changes` (any of EDITABLE); any other key, even `bot_id`, is Invalid."""
    member = await get_owned(session, owner_id, pool_id, bot_id)
    for field, value in changes.items():
        if field == "weight":
            member.weight = validation.weight(value)
        elif field == "priority":
            member.priority = int(validation.priority(value))
        elif field == "is_enabled":
            if not isinstance(value, bool):
                raise Invalid("is_enabled", "true or false")
            member.is_enabled = value
        elif field == "hourly_cap":
            member.hourly_cap = validation.hourly_cap(value)
        else:
            raise Invalid(field, "cannot be changed")
    await session.flush()
    mark_changed(session, pools=[pool_id])
    return member


async def remove(session: AsyncSession, owner_id: int, pool_id: int, bot_id: int) -> None:
    pool = await pools.get_owned(session, owner_id, pool_id)
    pool.members.remove(_find(pool, bot_id))
    await session.flush()
    mark_changed(session, pools=[pool.id])
