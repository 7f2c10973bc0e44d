"""A database locked by another writer: the operator is asked to try again, nothing is
half-written, and the same request works once the lock is gone."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import select

from core.settings import Settings
from storage.db import Sessions, create_engine, create_sessions, sqlite_path
from storage.models import Pool
from tests.plugins.control_bot import OPERATOR, ControlBotDriver

SHORT_BUSY_TIMEOUT_MS = 100


@pytest.fixture
async def impatient_sessions(settings: Settings, engine: object) -> AsyncIterator[Sessions]:
    """Sessions on the migrated test database that give up on a lock after 100 ms."""
    impatient = create_engine(settings.database_url, busy_timeout_ms=SHORT_BUSY_TIMEOUT_MS)
    try:
        yield create_sessions(impatient)
    finally:
        await impatient.dispose()


@contextmanager
def write_lock(settings: Settings) -> Iterator[None]:
    """Another process holding the write lock (BEGIN IMMEDIATE) for the block."""
    path = sqlite_path(settings.database_url)
    assert path is not None
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        yield
        connection.execute("ROLLBACK")
    finally:
        connection.close()


async def pool_slugs(driver: ControlBotDriver) -> list[str]:
    async with driver.sessions() as session:
        return list((await session.scalars(select(Pool.slug))).all())


@pytest.mark.sqlite_only
async def test_locked_database_asks_to_try_again_and_loses_nothing(
    start_control_bot: Callable[..., Any], impatient_sessions: Sessions, settings: Settings
) -> None:
    async with start_control_bot(sessions=impatient_sessions) as driver:
        sent = await driver.send(OPERATOR, "/newpool red1 Principal")
        card = await driver.wait_reply(OPERATOR, "Principal (red1)", after=sent)
        reloads = len(driver.reloads)

        with write_lock(settings):
            sent = await driver.send(OPERATOR, "/newpool red2 Reserva")
            busy = await driver.wait_reply(OPERATOR, after=sent)
            answer = await driver.press(OPERATOR, card, contains="Pausar")
        assert "ocupado" in busy["text"] and "Tente de novo" in busy["text"]
        assert answer["show_alert"] and "ocupado" in answer["text"]
        assert await pool_slugs(driver) == ["red1"]
        async with driver.sessions() as session:
            assert await session.scalar(select(Pool.is_active).where(Pool.slug == "red1"))
        assert len(driver.reloads) == reloads

        sent = await driver.send(OPERATOR, "/newpool red2 Reserva")
        await driver.wait_reply(OPERATOR, "Reserva (red2)", after=sent)
        assert sorted(await pool_slugs(driver)) == ["red1", "red2"]
