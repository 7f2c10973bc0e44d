"""The alert outbox: alerts written with the health change that causes them, read and
marked by the alert delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AlertOutbox


async def due_operators(session: AsyncSession, now: datetime) -> list[int]:
    """Operators with an undelivered alert whose next attempt is due."""
    statement = (
        select(AlertOutbox.operator_id)
        .where(
            AlertOutbox.delivered_at.is_(None),
            or_(AlertOutbox.next_attempt_at.is_(None), AlertOutbox.next_attempt_at <= now),
        )
        .distinct()
    )
    return sorted((await session.scalars(statement)).all())


async def undelivered(session: AsyncSession, operator_id: int) -> Sequence[AlertOutbox]:
    statement = (
        select(AlertOutbox)
        .where(AlertOutbox.operator_id == operator_id, AlertOutbox.delivered_at.is_(None))
        .order_by(AlertOutbox.id)
    )
    return (await session.scalars(statement)).all()


async def mark_delivered(session: AsyncSession, ids: Sequence[int], now: datetime) -> None:
    """Delivered (or given up for good); an alert already marked keeps its time."""
    await session.execute(
        update(AlertOutbox)
        .where(AlertOutbox.id.in_(list(ids)), AlertOutbox.delivered_at.is_(None))
        .values(delivered_at=now)
    )


async def postpone(session: AsyncSession, ids: Sequence[int], until: datetime) -> None:
    """One more failed attempt; the next not before `until`."""
    await session.execute(
        update(AlertOutbox)
        .where(AlertOutbox.id.in_(list(ids)))
        .values(attempts=AlertOutbox.attempts + 1, next_attempt_at=until)
    )


async def prune(session: AsyncSession, delivered_before: datetime) -> int:
    result = await session.execute(
        delete(AlertOutbox).where(AlertOutbox.delivered_at < delivered_before)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
