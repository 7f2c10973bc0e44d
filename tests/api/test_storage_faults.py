"""Storage faults under the API: a read-only database and a lost connection
answer 503 storage_unavailable with Retry-After (never 500), and the first write after
the fault clears succeeds; a held write lock leaves reads answering 200."""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from storage.db import create_engine, sqlite_path
from storage.migrate import upgrade
from storage.models import ApiKey

POOL = {"name": "Promo", "slug": "promo"}
# A connection the fault killed may be collected later as "unclosed" (asyncpg warns from
# __del__); collect it within the test that killed it, where it is expected.
KILLED_CONNECTIONS = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.fixture(autouse=True)
def collect_killed_connections() -> Iterator[None]:
    yield
    gc.collect()


@pytest.fixture
async def engine(settings) -> AsyncIterator[Any]:
    """The app's engine, impatient: a lock that made a request wait would fail it at once."""
    engine = create_engine(settings.database_url, busy_timeout_ms=50)
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


class ReadOnlyFile:
    """A database file that SQLite may not write, as the connections the pool opens
    meanwhile see it (a full disk is shown by tests/e2e/test_storage_faults.py)."""

    def __init__(self, engine: Any, path: str) -> None:
        self.path = path
        self.read_only = False
        event.listen(engine.sync_engine, "do_connect", self._open)

    def _open(self, _dialect: Any, _record: Any, cargs: list[Any], cparams: dict) -> None:
        # What SQLite does with a file it may not write: it opens it read-only, for good.
        if self.read_only:
            cargs[:] = [f"file:{self.path}?mode=ro"]
            cparams["uri"] = True

    @contextmanager
    def fault(self) -> Iterator[None]:
        self.read_only = True
        try:
            yield
        finally:
            self.read_only = False


async def _status_of_post(alice, slug: str) -> tuple[int, dict[str, Any], str | None]:
    async with alice.client.post(
        "/api/redirect-pools",
        json={**POOL, "slug": slug},
        headers={"Authorization": f"Bearer {alice.key}"},
    ) as response:
        return response.status, await response.json(), response.headers.get("Retry-After")


def _assert_unavailable(answer: tuple[int, dict[str, Any], str | None]) -> None:
    status, body, retry_after = answer
    assert (status, body["error"]["code"]) == (503, "storage_unavailable"), body
    assert retry_after is not None and int(retry_after) >= 1


async def _admin(settings: Any, statement: str) -> None:
    """One statement on a connection of its own, outside the app's pool."""
    admin = create_engine(settings.database_url, poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execute(text("SET TRANSACTION READ WRITE"))
            await connection.execute(text(statement))
            await connection.commit()
    finally:
        await admin.dispose()


@pytest.fixture
def read_only_file(engine: Any, settings: Any) -> ReadOnlyFile:
    return ReadOnlyFile(engine, str(sqlite_path(settings.database_url)))


@pytest.mark.sqlite_only
async def test_a_read_only_database_is_503_and_connections_opened_meanwhile_do_not_linger(
    alice, read_only_file, engine
):
    await engine.dispose()  # the connections the requests below use are opened read-only
    with read_only_file.fault():
        _assert_unavailable(await _status_of_post(alice, "ro1"))
        status, pools = await alice.call("GET", "/api/redirect-pools")  # reads still work
        assert (status, pools) == (200, [])
        _assert_unavailable(await _status_of_post(alice, "ro2"))

    status, body, _ = await _status_of_post(alice, "after1")
    assert status == 201, body


@pytest.mark.postgres_only
@KILLED_CONNECTIONS
async def test_a_read_only_server_is_503_and_connections_opened_meanwhile_do_not_linger(
    alice, settings, engine
):
    database = make_url(settings.database_url).database
    await _admin(settings, f"ALTER DATABASE {database} SET default_transaction_read_only = on")
    await engine.dispose()  # the connections opened from now on start read-only
    try:
        _assert_unavailable(await _status_of_post(alice, "ro1"))
        status, pools = await alice.call("GET", "/api/redirect-pools")
        assert (status, pools) == (200, [])
        _assert_unavailable(await _status_of_post(alice, "ro2"))
    finally:
        await _admin(settings, f"ALTER DATABASE {database} RESET default_transaction_read_only")

    status, body, _ = await _status_of_post(alice, "after1")
    assert status == 201, body


@pytest.mark.postgres_only
@KILLED_CONNECTIONS
async def test_connections_the_server_dropped_are_replaced_without_failing_a_request(
    alice, settings, engine
):
    status, _ = await alice.call("GET", "/api/redirect-pools")
    assert status == 200
    database = make_url(settings.database_url).database
    await _admin(
        settings,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
        f" WHERE datname = '{database}' AND pid <> pg_backend_pid()",
    )

    status, body, _ = await _status_of_post(alice, "after1")
    assert status == 201, body


@pytest.mark.sqlite_only
async def test_reads_answer_200_while_another_process_holds_the_write_lock(
    alice, settings, sessions
):
    status, _ = await alice.call("POST", "/api/redirect-pools", POOL)
    assert status == 201
    holder = sqlite3.connect(sqlite_path(settings.database_url), isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        for path in ("/api/bots", "/api/redirect-pools", "/api/redirect-pools/1"):
            for _ in range(3):
                status, body = await alice.call("GET", path)
                assert status == 200, (path, body)
    finally:
        holder.rollback()
        holder.close()

    await alice.client.close()  # the key's last use is written once the lock is gone
    async with sessions() as session:
        assert (await session.scalar(select(ApiKey))).last_used_at is not None


@pytest.mark.postgres_only
@KILLED_CONNECTIONS
async def test_reads_answer_200_while_another_session_holds_the_keys_row_lock(alice, engine):
    async with engine.connect() as holder:
        await holder.execute(text("SELECT id FROM api_keys FOR UPDATE"))
        for path in ("/api/bots", "/api/redirect-pools"):
            status, body = await alice.call("GET", path)
            assert status == 200, (path, body)
        await holder.rollback()
