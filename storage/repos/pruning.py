"""Deleting what is older than a cutoff, a small batch at a time (retention)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession


async def delete_oldest(
    session: AsyncSession, model: Any, cutoff: datetime, limit: int, *, at: Any
) -> int:
    """Delete up to `limit` rows of `model` whose `at` is before `cutoff`, lowest ids
    first (the oldest, found without scanning the rest); the number deleted."""
    oldest = select(model.id).where(at < cutoff).order_by(model.id).limit(limit)
    result = await session.execute(delete(model).where(model.id.in_(oldest.scalar_subquery())))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
