from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import Invalid
from core.reports import time_zone
from storage.db import dialect_insert
from storage.models import Operator

LANGUAGES = ("pt-BR", "en")


def language_from_telegram(code: str | None) -> str:
    """Telegram's `language_code` to one of ours: English for en*, else Portuguese."""
    return "en" if code and code.lower().startswith("en") else "pt-BR"


async def get(session: AsyncSession, operator_id: int) -> Operator | None:
    return await session.get(Operator, operator_id)


async def lock(session: AsyncSession, operator_id: int) -> None:
    """Serialize this transaction with the operator's other writers that lock too (a row
    lock on PostgreSQL; SQLite's write units are serialized already by BEGIN IMMEDIATE)."""
    await get_or_create(session, operator_id)
    await session.execute(select(Operator.id).where(Operator.id == operator_id).with_for_update())


async def get_or_create(
    session: AsyncSession, operator_id: int, language: str = "pt-BR"
) -> Operator:
    """The operator, created on first sight (also when two updates race to create it)."""
    operator = await session.get(Operator, operator_id)
    if operator is None:
        values = {"id": operator_id, "language": language if language in LANGUAGES else "pt-BR"}
        statement = dialect_insert(session, Operator).values(**values)
        await session.execute(statement.on_conflict_do_nothing(index_elements=["id"]))
        operator = await session.get(Operator, operator_id)
        assert operator is not None
    return operator


async def set_language(session: AsyncSession, operator_id: int, language: str) -> Operator:
    operator = await get_or_create(session, operator_id)
    operator.language = language if language in LANGUAGES else "pt-BR"
    return operator


async def set_alerts(session: AsyncSession, operator_id: int, enabled: bool) -> Operator:
    operator = await get_or_create(session, operator_id)
    operator.alerts_enabled = enabled
    return operator


async def set_time_zone(session: AsyncSession, operator_id: int, name: str) -> Operator:
    """Invalid for a name tzdata does not know."""
    operator = await get_or_create(session, operator_id)
    operator.time_zone = time_zone(name)
    return operator


async def set_digest_hour(session: AsyncSession, operator_id: int, hour: int | None) -> Operator:
    """The local hour of the daily digest, 0-23; None turns it off."""
    if hour is not None and not 0 <= hour <= 23:
        raise Invalid("digest_hour", "an hour from 0 to 23")
    operator = await get_or_create(session, operator_id)
    operator.digest_hour = hour
    return operator


async def set_quiet_hours(
    session: AsyncSession, operator_id: int, quiet_from: int | None, quiet_to: int | None
) -> Operator:
    """Local hours [from, to) when only a pool with no bot left notifies; None: none."""
    if (quiet_from is None) != (quiet_to is None) or any(
        hour is not None and not 0 <= hour <= 23 for hour in (quiet_from, quiet_to)
    ):
        raise Invalid("quiet_hours", "two hours from 0 to 23, or none")
    operator = await get_or_create(session, operator_id)
    operator.quiet_from, operator.quiet_to = quiet_from, quiet_to
    return operator


async def with_digest(session: AsyncSession) -> Sequence[Operator]:
    """Every operator who asked for the daily digest."""
    statement = select(Operator).where(Operator.digest_hour.is_not(None)).order_by(Operator.id)
    return (await session.scalars(statement)).all()
