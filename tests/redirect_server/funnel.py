"""Writes the funnel-routing fields (issue 17) straight into the database, as the API
and the health monitor will, with the routing change logged as they log it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update

from storage.db import Sessions, mark_changed, transaction
from storage.models import Bot, Member, Pool
from storage.repos import counts


async def set_member(sessions: Sessions, pool_id: int, bot_id: int, **values: object) -> None:
    async with transaction(sessions) as session:
        await session.execute(
            update(Member)
            .where(Member.pool_id == pool_id, Member.bot_id == bot_id)
            .values(**values)
        )
        mark_changed(session, pools=[pool_id])


async def set_pool(sessions: Sessions, pool_id: int, **values: object) -> None:
    async with transaction(sessions) as session:
        await session.execute(update(Pool).where(Pool.id == pool_id).values(**values))
        mark_changed(session, pools=[pool_id])


async def set_bot(sessions: Sessions, bot_id: int, **values: object) -> None:
    async with transaction(sessions) as session:
        await session.execute(update(Bot).where(Bot.id == bot_id).values(**values))
        mark_changed(session, bots=[bot_id])


async def add_counts(
    sessions: Sessions, pool_id: int, bot_id: int, n: int, moment: datetime
) -> None:
    async with transaction(sessions) as session:
        await counts.add(session, {(pool_id, bot_id, moment): n})
