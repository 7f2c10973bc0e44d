"""The engine and transactions: WAL, foreign keys and isolated read-then-write units on
SQLite, lock timeouts on PostgreSQL, and a database locked by someone else coming out as
StorageBusy with nothing written, on both."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from core.errors import StorageBusy
from storage.db import (
    Sessions,
    changed,
    create_engine,
    create_sessions,
    mark_changed,
    sqlite_path,
    transaction,
)
from storage.repos import operators, pools

OWNER = 1001


@pytest.fixture
def write_lock(db_url: str, engine: object) -> Iterator[sqlite3.Connection]:
    """Another process's connection holding the write lock (BEGIN IMMEDIATE)."""
    path = sqlite_path(db_url)
    assert path is not None
    raw = sqlite3.connect(path, isolation_level=None, timeout=0)
    raw.execute("BEGIN IMMEDIATE")
    raw.execute("INSERT INTO operators (id, language, alerts_enabled, created_at) "
                "VALUES (7, 'en', 1, '2026-11-25 10:00:00')")  # fmt: skip
    try:
        yield raw
    finally:
        if raw.in_transaction:
            raw.execute("ROLLBACK")
        raw.close()


async def pool_slugs(sessions: Sessions) -> list[str]:
    async with sessions() as session:
        rows = await session.execute(text("SELECT slug FROM pools ORDER BY slug"))
        return [row[0] for row in rows]


@pytest.mark.sqlite_only
async def test_a_locked_database_is_storage_busy_after_the_busy_timeout_and_nothing_is_written(
    db_url: str, write_lock: sqlite3.Connection
) -> None:
    impatient = create_engine(db_url, busy_timeout_ms=100)
    try:
        sessions = create_sessions(impatient)
        with pytest.raises(StorageBusy) as caught:
            async with transaction(sessions) as session:
                await operators.get_or_create(session, OWNER)
                await pools.create(session, OWNER, name="Sales", slug="sales")
        assert caught.value.code == "storage_busy"
        assert isinstance(caught.value.__cause__, OperationalError)
        write_lock.execute("ROLLBACK")
        assert await pool_slugs(sessions) == []
        async with transaction(sessions) as session:  # the same engine works once released
            await pools.create(session, OWNER, name="Sales", slug="sales")
        assert await pool_slugs(sessions) == ["sales"]
        async with sessions() as session:
            assert await operators.get(session, 7) is None
    finally:
        await impatient.dispose()


@pytest.mark.sqlite_only
async def test_reads_go_on_while_another_connection_writes(
    db_url: str, sessions: Sessions, write_lock: sqlite3.Connection
) -> None:
    assert await pool_slugs(sessions) == []


async def test_an_error_inside_a_transaction_rolls_everything_back(sessions: Sessions) -> None:
    with pytest.raises(LookupError):
        async with transaction(sessions) as session:
            await pools.create(session, OWNER, name="One", slug="one")
            await pools.create(session, OWNER, name="Two", slug="two")
            raise LookupError
    assert await pool_slugs(sessions) == []


async def test_other_database_errors_are_not_disguised_as_busy(sessions: Sessions) -> None:
    with pytest.raises(DBAPIError) as caught:
        async with transaction(sessions) as session:
            await session.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(caught.value, StorageBusy)


@pytest.mark.sqlite_only
async def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_the_busy_timeout(
    db_url: str, engine: object
) -> None:
    custom = create_engine(db_url, busy_timeout_ms=1234)
    try:
        async with custom.connect() as connection:
            pragma = {
                name: (await connection.exec_driver_sql(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
    finally:
        await custom.dispose()
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 1234}


def test_sqlite_path_finds_the_file_of_a_sqlite_url_only(tmp_path: Path) -> None:
    assert sqlite_path(f"sqlite+aiosqlite:///{tmp_path}/x.db") == tmp_path / "x.db"
    assert sqlite_path("sqlite+aiosqlite:///botpool.db") == Path("botpool.db")
    assert sqlite_path("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_path("sqlite+aiosqlite://") is None
    assert sqlite_path("postgresql+asyncpg://u:p@db/botpool") is None


async def test_the_database_directory_is_created(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/deeper/still/botpool.db"
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.exec_driver_sql("SELECT 1")
    finally:
        await engine.dispose()
    assert (tmp_path / "deeper" / "still" / "botpool.db").exists()


async def test_a_transaction_can_be_marked_as_changing_routing(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        assert not changed(session)
        mark_changed(session)
        assert changed(session)


@pytest.mark.sqlite_only
async def test_a_write_unit_takes_the_write_lock_before_its_first_read(
    db_url: str, sessions: Sessions
) -> None:
    """BEGIN IMMEDIATE: a second read-then-write unit waits for the first from its start,
    so it cannot act on a read that the first is about to make stale."""
    impatient = create_engine(db_url, busy_timeout_ms=100)
    try:
        async with transaction(sessions) as first:
            assert await operators.get(first, OWNER) is None  # a read, no write yet
            with pytest.raises(StorageBusy):
                async with transaction(create_sessions(impatient)) as second:
                    await operators.get(second, OWNER)
    finally:
        await impatient.dispose()


@pytest.mark.sqlite_only
async def test_the_reads_of_one_session_see_one_snapshot(db_url: str, sessions: Sessions) -> None:
    """pysqlite alone would begin only at the first write, letting a commit made by
    another connection show up between two SELECTs of one unit."""
    async with sessions() as reader:
        before = (await reader.execute(text("SELECT count(*) FROM pools"))).scalar()
        async with transaction(sessions) as writer:
            await pools.create(writer, OWNER, name="Sales", slug="sales")
        after = (await reader.execute(text("SELECT count(*) FROM pools"))).scalar()
    assert before == after == 0
    assert await pool_slugs(sessions) == ["sales"]


@pytest.mark.postgres_only
async def test_a_row_lock_held_past_the_lock_timeout_is_storage_busy_on_postgresql(
    db_url: str, sessions: Sessions
) -> None:
    async with transaction(sessions) as session:
        await operators.get_or_create(session, OWNER)
    impatient = create_engine(db_url, busy_timeout_ms=100)
    try:
        async with transaction(sessions) as holder:
            await holder.execute(text(f"SELECT id FROM operators WHERE id = {OWNER} FOR UPDATE"))
            with pytest.raises(StorageBusy):
                async with transaction(create_sessions(impatient)) as blocked:
                    await operators.set_language(blocked, OWNER, "en")
                    await blocked.flush()
        async with transaction(create_sessions(impatient)) as session:  # works once released
            await operators.set_language(session, OWNER, "en")
    finally:
        await impatient.dispose()
    async with sessions() as session:
        assert (await operators.get(session, OWNER)).language == "en"


@pytest.mark.sqlite_only
async def test_the_write_units_of_one_process_take_turns_in_the_order_they_came(
    engine: AsyncEngine, sessions: Sessions
) -> None:
    """On SQLite a process's write units queue for the write lock in their order, and
    one waiting for its turn holds no connection: only the unit that writes asks SQLite
    for the lock (whose busy handler, polled with growing sleeps, would let waiting
    connections in at random and leave the lock idle between them)."""
    order: list[int] = []
    connections: list[int] = []

    async def unit(i: int) -> None:
        async with transaction(sessions) as session:
            await session.execute(text("SELECT 1"))
            order.append(i)
            connections.append(engine.sync_engine.pool.checkedout())  # type: ignore[attr-defined]
            await asyncio.sleep(0.01)  # holds the write lock meanwhile

    await asyncio.gather(*(unit(i) for i in range(10)))
    assert order == list(range(10))
    assert connections == [1] * 10


@pytest.mark.sqlite_only
async def test_a_write_unit_waiting_for_its_turn_past_the_busy_timeout_is_storage_busy(
    db_url: str, engine: AsyncEngine
) -> None:
    impatient = create_engine(db_url, busy_timeout_ms=100)
    sessions = create_sessions(impatient)
    try:
        async with transaction(sessions) as holding:
            await holding.execute(text("SELECT 1"))
            with pytest.raises(StorageBusy):
                async with transaction(sessions) as session:
                    await pools.create(session, OWNER, name="Sales", slug="sales")
            await operators.get_or_create(holding, OWNER)
        assert await pool_slugs(sessions) == []
        async with sessions() as session:
            assert await operators.get(session, OWNER) is not None
    finally:
        await impatient.dispose()
