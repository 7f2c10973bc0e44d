from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.backend import BackendState
from core.domain import BotStatus
from core.errors import BotAlreadyRegistered, NotFound
from core.health import HealthState
from storage.crypto import TokenCipher
from storage.db import dialect_insert, mark_changed
from storage.models import Bot, utcnow
from storage.repos import operators


async def register(
    session: AsyncSession,
    cipher: TokenCipher,
    owner_id: int,
    *,
    telegram_id: int,
    username: str,
    token: str,
    status: BotStatus = BotStatus.ONLINE,
) -> Bot:
    """Store a bot whose token was just checked with getMe (hence online by default).
    BotAlreadyRegistered when the Telegram bot is stored already, by anyone."""
    await operators.get_or_create(session, owner_id)
    values = {
        "owner_id": owner_id,
        "telegram_id": telegram_id,
        "username": username,
        "token_encrypted": cipher.encrypt(token),
        "status": status.value,
        "last_check": utcnow() if status is BotStatus.ONLINE else None,
    }
    statement = (
        dialect_insert(session, Bot)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["telegram_id"])
        .returning(Bot.id)
    )
    bot_id = await session.scalar(statement)
    if bot_id is None:
        existing = await session.scalar(select(Bot).where(Bot.telegram_id == telegram_id))
        own = existing is not None and existing.owner_id == owner_id
        raise BotAlreadyRegistered(username=existing.username if existing else username, own=own)
    bot = await session.get(Bot, bot_id)
    assert bot is not None
    return bot


async def get_owned(session: AsyncSession, owner_id: int, bot_id: int) -> Bot:
    bot = await session.get(Bot, bot_id)
    if bot is None or bot.owner_id != owner_id:
        raise NotFound("bot", bot_id=bot_id)
    return bot


async def list_owned(session: AsyncSession, owner_id: int) -> Sequence[Bot]:
    rows = await session.scalars(select(Bot).where(Bot.owner_id == owner_id).order_by(Bot.id))
    return rows.all()


async def delete_owned(session: AsyncSession, owner_id: int, bot_id: int) -> None:
    await session.delete(await get_owned(session, owner_id, bot_id))
    await session.flush()
    mark_changed(session, bots=[bot_id])


async def lock_many(session: AsyncSession, bot_ids: Iterable[int]) -> dict[int, Bot]:
    """The bots of `bot_ids` that still exist, read afresh and held until commit (row
    locks on PostgreSQL; SQLite's write unit holds the whole database already), so that
    what is written from their state is not lost to a writer that changes or deletes one
    meanwhile."""
    statement = (
        select(Bot)
        .where(Bot.id.in_(list(bot_ids)))
        .order_by(Bot.id)  # one lock order for every writer: no deadlock between two
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {bot.id: bot for bot in (await session.scalars(statement)).all()}


async def all_bots(session: AsyncSession) -> Sequence[Bot]:
    return (await session.scalars(select(Bot).order_by(Bot.id))).all()


async def count_by_status(session: AsyncSession) -> dict[BotStatus, int]:
    """How many bots are in each status (every status named, zero included)."""
    rows = await session.execute(select(Bot.status, func.count()).group_by(Bot.status))
    found = {BotStatus(status): n for status, n in rows.all()}
    return {status: found.get(status, 0) for status in BotStatus}


@dataclass(frozen=True, slots=True)
class DueBot:
    """A bot a health pass probes: its id, its owner, its token as stored, its state as
    read, and its backend's as stored."""

    bot_id: int
    owner_id: int
    token_encrypted: bytes
    state: HealthState
    backend: BackendState = BackendState()


_HEALTH_COLUMNS = (
    Bot.status,
    Bot.consecutive_failures,
    Bot.auth_failures,
    Bot.breaker_until,
    Bot.next_probe_at,
    Bot.last_check,
    Bot.last_error,
    Bot.latency_ms,
)
_BACKEND_COLUMNS = (
    Bot.backend_error,
    Bot.backend_pending,
    Bot.backend_error_date,
    Bot.backend_checked_at,
)


DUE_SLICE = 1000  # rows of due_for_probe turned into DueBots between two turns of the loop


async def due_for_probe(session: AsyncSession, now: datetime) -> tuple[list[DueBot], int]:
    """The bots a scheduled pass probes at `now` (HealthState.due, in SQL) and how many
    bots there are in all; plain rows, no ORM objects, so a fleet of thousands is cheap."""
    statement = (
        select(Bot.id, Bot.owner_id, Bot.token_encrypted, *_HEALTH_COLUMNS, *_BACKEND_COLUMNS)
        .where(
            Bot.status != BotStatus.BANNED.value,
            or_(Bot.next_probe_at.is_(None), Bot.next_probe_at <= now),
        )
        .order_by(Bot.id)
    )
    result = await session.execute(statement)
    due: list[DueBot] = []
    for rows in result.partitions(DUE_SLICE):
        due += [
            DueBot(
                row[0],
                row[1],
                row[2],
                HealthState(BotStatus(row[3]), *row[4:11]),
                BackendState(*row[11:15]),
            )
            for row in rows
        ]
        await asyncio.sleep(0)  # 10,000 rows in one go held the loop ~0.5 s (bench/scale.py)
    total = await session.scalar(select(func.count()).select_from(Bot))
    return due, int(total or 0)


def token_of(cipher: TokenCipher, bot: Bot) -> str:
    return cipher.decrypt(bot.token_encrypted)


def health_of(bot: Bot) -> HealthState:
    return HealthState(
        status=BotStatus(bot.status),
        consecutive_failures=bot.consecutive_failures,
        auth_failures=bot.auth_failures,
        breaker_until=bot.breaker_until,
        next_probe_at=bot.next_probe_at,
        last_check=bot.last_check,
        last_error=bot.last_error,
        latency_ms=bot.latency_ms,
    )


_DOWN = (BotStatus.OFFLINE, BotStatus.BANNED)
_UP = (BotStatus.ONLINE, BotStatus.DEGRADED)


def apply_health(bot: Bot, state: HealthState, username: str | None = None) -> None:
    """Store a health state. A bot back from offline or banned (a probe, a re-check, a
    new token) is stamped `recovered_at` with the moment: slow start ramps it from there."""
    if BotStatus(bot.status) in _DOWN and state.status in _UP:
        bot.recovered_at = state.last_check or utcnow()
    bot.status = state.status.value
    bot.consecutive_failures = state.consecutive_failures
    bot.auth_failures = state.auth_failures
    bot.breaker_until = state.breaker_until
    bot.next_probe_at = state.next_probe_at
    bot.last_check = state.last_check
    bot.last_error = state.last_error
    bot.latency_ms = state.latency_ms
    if username:
        bot.username = username


def backend_of(bot: Bot) -> BackendState:
    return BackendState(
        error=bot.backend_error,
        pending=bot.backend_pending,
        error_date=bot.backend_error_date,
        checked_at=bot.backend_checked_at,
    )


def apply_backend(bot: Bot, state: BackendState) -> None:
    """Store a backend check. The caller marks the routing change when `error` changed:
    an online bot with a backend error is routed as degraded (repos.changes)."""
    bot.backend_error = state.error
    bot.backend_pending = state.pending
    bot.backend_error_date = state.error_date
    bot.backend_checked_at = state.checked_at
