"""Outages of the path to Telegram, as the health monitor saw them begin and end."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutageRecord


async def begin(session: AsyncSession, kind: str, at: datetime) -> None:
    session.add(OutageRecord(kind=kind, started_at=at))
    await session.flush()


async def end_open(session: AsyncSession, at: datetime) -> int:
    """End every outage still open (one, or one left open by a process that stopped)."""
    result = await session.execute(
        update(OutageRecord).where(OutageRecord.ended_at.is_(None)).values(ended_at=at)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def count_between(session: AsyncSession, start: datetime, end: datetime) -> int:
    """How many outages were under way at some moment of [start, end)."""
    statement = select(func.count()).where(
        OutageRecord.started_at < end,
        or_(OutageRecord.ended_at.is_(None), OutageRecord.ended_at > start),
    )
    return int(await session.scalar(statement) or 0)
