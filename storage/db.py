"""Engine, sessions and transactions, on SQLite and PostgreSQL alike.

SQLite: WAL, foreign keys on, a busy timeout, and transactions begun by us rather than
by pysqlite (which sends BEGIN only before the first write, so the reads of a unit that
reads and then writes would not be isolated): a write unit begins with BEGIN IMMEDIATE,
taking the write lock first, so two read-then-write units serialize; a read begins with
a plain BEGIN and sees one snapshot. PostgreSQL: READ COMMITTED, with the row locks
(SELECT ... FOR UPDATE) that the repositories take where an invariant needs them, and a
lock timeout as long as SQLite's busy timeout."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core.errors import StorageBusy
from storage.models import RoutingChange

SQLITE_BUSY_TIMEOUT_MS = 5000

Sessions = async_sessionmaker[AsyncSession]
Insert = PgInsert | SqliteInsert


# The execution option that makes a transaction a write unit (BEGIN IMMEDIATE on SQLite).
WRITE = "botpool_write"
# PostgreSQL's SQLSTATEs for "another writer is in the way": lock_not_available,
# serialization_failure, deadlock_detected, query_canceled (a statement or lock timeout).
PG_BUSY = frozenset({"55P03", "40001", "40P01", "57014"})


def _sqlite_pragmas(busy_timeout_ms: int) -> Callable[[object, object], None]:
    def on_connect(dbapi_connection: object, _record: object) -> None:
        # Autocommit at the driver: _sqlite_begin below sends BEGIN itself.
        dbapi_connection.isolation_level = None  # type: ignore[attr-defined]
        cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.close()

    return on_connect


def _sqlite_begin(connection: Any) -> None:
    """SQLAlchemy's documented pysqlite recipe, with IMMEDIATE for write units."""
    write = connection.get_execution_options().get(WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


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
    if make_url(url).drivername.startswith("postgresql"):
        timeout = str(int(busy_timeout_ms))
        kwargs.setdefault("connect_args", {"server_settings": {"lock_timeout": timeout}})
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
    return engine


def dialect_insert(session: AsyncSession, table: Any) -> Insert:
    """An INSERT with `on_conflict_do_*` for the session's database (SQLite or PostgreSQL).
    Prefer it to a SAVEPOINT around a flush: on SQLite a savepoint that opens the
    transaction commits it when released."""
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def create_sessions(engine: AsyncEngine) -> Sessions:
    return async_sessionmaker(engine, expire_on_commit=False)


def is_busy(exc: BaseException) -> bool:
    """Whether `exc` says another writer held the database past our timeout: SQLite's
    "database is locked", or PostgreSQL's lock timeout, serialization failure, deadlock."""
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower():
        return True
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in PG_BUSY


@asynccontextmanager
async def transaction(sessions: Sessions) -> AsyncIterator[AsyncSession]:
    """One write unit: a session in one transaction that holds SQLite's write lock from
    its first statement (BEGIN IMMEDIATE). A database still busy after the timeout
    comes out as StorageBusy, with everything rolled back. Keep it short and free of
    network calls; read-only work uses `sessions()`, whose reads see one snapshot."""
    with busy_as_storage_busy():
        async with write_session(sessions) as session, session.begin():
            yield session
            await publish_changes(session)


def write_session(sessions: Sessions) -> AsyncSession:
    """A session each of whose transactions is a write unit (BEGIN IMMEDIATE on SQLite)."""
    return sessions(execution_options={WRITE: True})


@contextmanager
def busy_as_storage_busy() -> Iterator[None]:
    """A database error that means "busy" (is_busy) comes out as StorageBusy."""
    try:
        yield
    except DBAPIError as exc:
        if is_busy(exc):
            raise StorageBusy("the database is busy") from exc
        raise


ROUTING_CHANGED = "botpool.routing_changed"
NOTIFY_CHANNEL = "botpool_routing"


@dataclass(slots=True)
class RoutingChanged:
    """What a transaction changed that /go routes on: pools (their settings or members)
    and bots (their status, breaker or username, as seen from every pool they are in)."""

    pool_ids: set[int] = field(default_factory=set)
    bot_ids: set[int] = field(default_factory=set)


def mark_changed(
    session: AsyncSession, *, pools: Iterable[int] = (), bots: Iterable[int] = ()
) -> None:
    """Note that this transaction changes what /go routes to. The transaction logs it
    (routing_changes, and NOTIFY on PostgreSQL) as it commits; whoever commits then
    calls the routing table's reload, which reads the log and reloads just that."""
    change = session.info.setdefault(ROUTING_CHANGED, RoutingChanged())
    change.pool_ids.update(pools)
    change.bot_ids.update(bots)


def changed(session: AsyncSession) -> bool:
    return ROUTING_CHANGED in session.info


def forget_changed(session: AsyncSession) -> None:
    """The routing change marked so far has been acted on (a session that goes on)."""
    session.info.pop(ROUTING_CHANGED, None)


async def publish_changes(session: AsyncSession) -> None:
    """Log the marked change in the transaction about to commit (call it last)."""
    change: RoutingChanged | None = session.info.get(ROUTING_CHANGED)
    if change is None:
        return
    session.add(
        RoutingChange(
            pool_ids=",".join(map(str, sorted(change.pool_ids))),
            bot_ids=",".join(map(str, sorted(change.bot_ids))),
        )
    )
    await session.flush()
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": NOTIFY_CHANNEL})
