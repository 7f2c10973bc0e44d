"""Engine, sessions and transactions, on SQLite and PostgreSQL alike.

SQLite: WAL, foreign keys on, a busy timeout, and transactions begun by us rather than
by pysqlite (which sends BEGIN only before the first write, so the reads of a unit that
reads and then writes would not be isolated): a write unit begins with BEGIN IMMEDIATE,
taking the write lock first, so two read-then-write units serialize; a read begins with
a plain BEGIN and sees one snapshot. PostgreSQL: READ COMMITTED, with the row locks
(SELECT ... FOR UPDATE) that the repositories take where an invariant needs them, and a
lock timeout as long as SQLite's busy timeout."""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
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

from core.errors import BotpoolError, StorageBusy, StorageUnavailable
from storage import sqlite_driver
from storage.models import RoutingChange

SQLITE_BUSY_TIMEOUT_MS = 5000

Sessions = async_sessionmaker[AsyncSession]
Insert = PgInsert | SqliteInsert


# The execution option that makes a transaction a write unit (BEGIN IMMEDIATE on SQLite).
WRITE = "botpool_write"
# PostgreSQL's SQLSTATEs for "another writer is in the way": lock_not_available,
# serialization_failure, deadlock_detected, query_canceled (a statement or lock timeout).
PG_BUSY = frozenset({"55P03", "40001", "40P01", "57014"})
# SQLite's messages for "cannot write or open the file now" (SQLITE_FULL, SQLITE_READONLY,
# SQLITE_IOERR, SQLITE_CANTOPEN).
SQLITE_UNAVAILABLE = (
    "database or disk is full",
    "attempt to write a readonly database",
    "disk i/o error",
    "unable to open database file",
)
# PostgreSQL's SQLSTATEs for the same: connection exceptions (class 08), the server
# shutting down or starting (57P01-57P03), insufficient resources such as disk_full
# (class 53), read_only_sql_transaction (a standby, or default_transaction_read_only).
PG_UNAVAILABLE_CLASSES = ("08", "53")
PG_UNAVAILABLE = frozenset({"57P01", "57P02", "57P03", "25006"})
# asyncpg's errors for a connection that is gone, named so that storage needs no asyncpg.
LOST_CONNECTION = frozenset({"ConnectionDoesNotExistError", "InterfaceError"})


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
    parsed = make_url(url)
    if parsed.get_driver_name() == "aiosqlite":
        kwargs.setdefault("module", sqlite_driver.dbapi())  # one trip per statement
    if parsed.get_backend_name() == "postgresql":
        timeout = str(int(busy_timeout_ms))
        kwargs.setdefault("connect_args", {"server_settings": {"lock_timeout": timeout}})
        kwargs.setdefault("pool_pre_ping", True)  # a server restart leaves dead connections
    engine = create_async_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        _TURNS[engine.sync_engine] = _Turns(asyncio.Lock(), busy_timeout_ms / 1000)
    event.listen(engine.sync_engine, "handle_error", _discard_on_fault)
    return engine


def _discard_on_fault(context: Any) -> None:
    """A storage fault discards the pool's connections: one opened while the file was
    read-only stays read-only (SQLite opens it so), one to a restarted server is dead;
    so the first write after the fault clears gets a fresh connection."""
    if is_unavailable(context.original_exception):
        context.is_disconnect = True


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


def is_unavailable(exc: BaseException) -> bool:
    """Whether `exc` (a driver's error, or SQLAlchemy's wrapping one) says the database
    cannot be written or reached now: disk full, read-only, I/O error, cannot open the
    file; on PostgreSQL a lost or refused connection, disk full, a read-only server."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    seen: BaseException | None = exc
    for _ in range(4):  # SQLAlchemy's error, the adapter's, the driver's
        if seen is None:
            return False
        if _is_fault(seen):
            return True
        seen = seen.orig if isinstance(seen, DBAPIError) else seen.__cause__
    return False


def _is_fault(exc: BaseException) -> bool:
    if type(exc).__module__.startswith("asyncpg") and type(exc).__name__ in LOST_CONNECTION:
        return True
    sqlstate = getattr(exc, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate in PG_UNAVAILABLE or sqlstate[:2] in PG_UNAVAILABLE_CLASSES
    if isinstance(exc, OSError):  # refused, unreachable, reset: raised as is at connect
        return True
    if isinstance(exc, sqlite3.Error):
        message = str(exc).lower()
        return any(fault in message for fault in SQLITE_UNAVAILABLE)
    return False


def storage_error(exc: BaseException) -> BotpoolError | None:
    """The domain error that a database error means (StorageBusy, StorageUnavailable),
    or None for any other error. The one place where storage faults are told apart."""
    if isinstance(exc, BotpoolError):
        return None
    if isinstance(exc, DBAPIError) and is_busy(exc):
        return StorageBusy("the database is busy")
    if is_unavailable(exc):
        return StorageUnavailable("the database is unavailable")
    return None


@asynccontextmanager
async def transaction(sessions: Sessions) -> AsyncIterator[AsyncSession]:
    """One write unit: a session in one transaction that holds SQLite's write lock from
    its first statement (BEGIN IMMEDIATE). A database still busy after the timeout
    comes out as StorageBusy, a storage fault as StorageUnavailable, with everything
    rolled back. Keep it short and free of
    network calls; read-only work uses `sessions()`, whose reads see one snapshot."""
    async with _write_turn(sessions):
        with busy_as_storage_busy():
            async with write_session(sessions) as session, session.begin():
                yield session
                await publish_changes(session)


# On SQLite, the write units of one process take turns on an asyncio lock before they
# ask for the database's write lock. SQLite's busy handler polls a held lock with
# growing sleeps, up to 100 ms apart, so ten units waiting on it left it idle between
# holders most of the time: 10 clients added 12 to 43 members a second (bench/scale.py).
# Handed over in the process, the lock goes to the next unit at once; other processes
# still wait on the busy handler. PostgreSQL locks rows, and needs no turns.
@dataclass(slots=True)
class _Turns:
    lock: asyncio.Lock
    timeout_s: float  # the engine's busy timeout: waiting for a turn is waiting for it


_TURNS: weakref.WeakKeyDictionary[object, _Turns] = weakref.WeakKeyDictionary()


@asynccontextmanager
async def _write_turn(sessions: Sessions) -> AsyncIterator[None]:
    engine = sessions.kw.get("bind")
    turns = _TURNS.get(engine.sync_engine) if engine is not None else None
    if turns is None:
        yield
        return
    try:
        async with asyncio.timeout(turns.timeout_s):
            await turns.lock.acquire()
    except TimeoutError:
        raise StorageBusy("the database is busy") from None
    try:
        yield
    finally:
        turns.lock.release()


def write_session(sessions: Sessions) -> AsyncSession:
    """A session each of whose transactions is a write unit (BEGIN IMMEDIATE on SQLite)."""
    return sessions(execution_options={WRITE: True})


@contextmanager
def busy_as_storage_busy() -> Iterator[None]:
    """A database error that means "busy" comes out as StorageBusy, and one that means
    the database cannot be written or reached as StorageUnavailable (storage_error)."""
    try:
        yield
    except Exception as exc:
        domain = storage_error(exc)
        if domain is None:
            raise
        raise domain from exc


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
