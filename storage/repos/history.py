"""Health history: each state change and each failed probe of a bot, and each change of
its backend's health (failing with a reason, then ok again)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import BotStatus
from core.health import HealthEvent, ProbeFailed, StatusChange
from storage.models import Bot, HealthRecord
from storage.repos import pruning

STATUS_CHANGE = "status"
BACKEND_FAILING = "backend_failing"  # detail: the reason
BACKEND_OK = "backend_ok"  # detail: the reason it had


def record(
    session: AsyncSession,
    bot_id: int,
    at: datetime,
    events: Sequence[HealthEvent],
    latency_ms: float | None,
) -> None:
    for event in events:
        if isinstance(event, StatusChange):
            session.add(
                HealthRecord(
                    bot_id=bot_id,
                    at=at,
                    kind=STATUS_CHANGE,
                    status=event.new.value,
                    detail=event.old.value,
                    latency_ms=latency_ms,
                )
            )
        elif isinstance(event, ProbeFailed):
            session.add(
                HealthRecord(
                    bot_id=bot_id,
                    at=at,
                    kind=event.kind.value,
                    detail=event.detail,
                    latency_ms=latency_ms,
                )
            )


def record_backend(
    session: AsyncSession, bot_id: int, at: datetime, old: str | None, new: str | None
) -> None:
    """A change of the backend's health: failing (again, or for another reason) or ok."""
    if old == new:
        return
    if new is None:
        session.add(HealthRecord(bot_id=bot_id, at=at, kind=BACKEND_OK, detail=old))
    else:
        session.add(HealthRecord(bot_id=bot_id, at=at, kind=BACKEND_FAILING, detail=new))


async def delete_before(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Delete up to `limit` records older than `cutoff`, oldest first; the number deleted."""
    return await pruning.delete_oldest(session, HealthRecord, cutoff, limit, at=HealthRecord.at)


async def last_failures(
    session: AsyncSession, bot_id: int, limit: int = 10
) -> Sequence[HealthRecord]:
    statement = (
        select(HealthRecord)
        .where(HealthRecord.bot_id == bot_id, HealthRecord.kind.not_in((STATUS_CHANGE, BACKEND_OK)))
        .order_by(HealthRecord.at.desc(), HealthRecord.id.desc())
        .limit(limit)
    )
    return (await session.scalars(statement)).all()


async def uptime_percent(
    session: AsyncSession, bot_id: int, current: BotStatus, now: datetime, window: timedelta
) -> float:
    """Share of `window` the bot spent online, from its status changes. A bot created
    inside the window is measured from its creation: time before it existed is not
    downtime."""
    start = now - window
    bot = await session.get(Bot, bot_id)
    if bot is not None and bot.created_at > start:
        start = min(bot.created_at, now)
    changes = (
        await session.execute(
            select(HealthRecord.at, HealthRecord.status, HealthRecord.detail)
            .where(
                HealthRecord.bot_id == bot_id,
                HealthRecord.kind == STATUS_CHANGE,
                HealthRecord.at > start,
                HealthRecord.at <= now,
            )
            .order_by(HealthRecord.at, HealthRecord.id)
        )
    ).all()
    before = await session.scalar(
        select(HealthRecord.status)
        .where(
            HealthRecord.bot_id == bot_id,
            HealthRecord.kind == STATUS_CHANGE,
            HealthRecord.at <= start,
        )
        .order_by(HealthRecord.at.desc(), HealthRecord.id.desc())
        .limit(1)
    )
    # The status in force at `start`: the newest change at or before it, else the
    # first later change's previous status, else the current one.
    status = before or (changes[0].detail if changes else current.value)
    online = 0.0
    cursor = start
    for at, new_status, _old in changes:
        if status == BotStatus.ONLINE:
            online += (at - cursor).total_seconds()
        cursor, status = at, new_status
    if status == BotStatus.ONLINE:
        online += (now - cursor).total_seconds()
    span = (now - start).total_seconds()
    if span <= 0:
        return 100.0 if status == BotStatus.ONLINE else 0.0
    return round(100 * online / span, 1)
