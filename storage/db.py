"""Engine and sessions. On SQLite: WAL, foreign keys on, a busy timeout."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core.errors import StorageBusy

SQLITE_BUSY_TIMEOUT_MS = 5000

Sessions = async_sessionmaker[AsyncSession]
Insert = PgInsert | SqliteInsert


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[object, object], None]:
    def on_connect(dbapi_connection: object, _record: object) -> None:
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return on_connect


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for another database or memory."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def create_engine(
    url: str, *, busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS, **kwargs: object
) -> AsyncEngine:
    """`busy_timeout_ms`: how long SQLite waits for another writer before StorageBusy."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"timeout": busy_timeout_ms / 1000})
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout_ms))
    return engine


def dialect_insert(session: AsyncSession, table: Any) -> Insert:
    """An INSERT with `on_conflict_do_*` for the session's database (SQLite or PostgreSQL).
    Prefer it to a SAVEPOINT around a flush: on SQLite a savepoint that opens the
    transaction commits it when released."""
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def create_sessions(engine: AsyncEngine) -> Sessions:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_locked(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower()


@asynccontextmanager
async def transaction(sessions: Sessions) -> AsyncIterator[AsyncSession]:
    """One session in one transaction; a database still locked after the busy timeout
    comes out as StorageBusy, with everything rolled back."""
    try:
        async with sessions() as session, session.begin():
            yield session
    except OperationalError as exc:
        if is_locked(exc):
            raise StorageBusy("database is locked") from exc
        raise


ROUTING_CHANGED = "botpool.routing_changed"


def mark_changed(session: AsyncSession) -> None:
    """Note that this transaction changes what /go routes to. Whoever commits it then
    calls the routing table's reload (after the commit, so the reload sees it)."""
    session.info[ROUTING_CHANGED] = True


def changed(session: AsyncSession) -> bool:
    return bool(session.info.get(ROUTING_CHANGED))
