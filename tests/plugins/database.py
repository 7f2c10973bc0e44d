"""A real database per test, migrated with the project's own Alembic revisions.

By default a SQLite file in the test's tmp_path. With BOTPOOL_TEST_DATABASE_URL set to
a PostgreSQL server (`postgresql+asyncpg://user@host:port/postgres`; `.ci/with-postgres`
starts one), each test gets a fresh database of its own there instead, cloned from a
template migrated once per run. Tests about SQLite itself carry `@pytest.mark.sqlite_only`
and are skipped on PostgreSQL; `@pytest.mark.postgres_only` is the converse."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from core.settings import Settings, load_settings
from storage.crypto import TokenCipher, cipher_for
from storage.db import Sessions, create_engine, create_sessions, sqlite_path
from storage.migrate import upgrade

SERVER_URL = os.environ.get("BOTPOOL_TEST_DATABASE_URL", "")
TEMPLATE = "botpool_test_template"
# A fixed key for server databases, which have no file beside them to keep one in.
TEST_SECRET_KEY = "0Hc7b3fYFsyb3uAG6aOa0Vq2Ovr9iS1zC2cmfhrvVRM="


def on_postgres() -> bool:
    return SERVER_URL.startswith("postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "sqlite_only: about SQLite itself; skipped on PostgreSQL")
    config.addinivalue_line("markers", "postgres_only: about PostgreSQL itself; needs its server")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = (
        pytest.mark.skip(reason="about SQLite; this run is on PostgreSQL")
        if on_postgres()
        else pytest.mark.skip(reason="needs BOTPOOL_TEST_DATABASE_URL (PostgreSQL)")
    )
    marker = "sqlite_only" if on_postgres() else "postgres_only"
    for item in items:
        if marker in item.keywords:
            item.add_marker(skip)


def pytest_report_header(config: pytest.Config) -> str:
    engine = make_url(SERVER_URL).render_as_string() if on_postgres() else "SQLite files"
    return f"botpool test database: {engine}"


def _server_url(database: str) -> str:
    return make_url(SERVER_URL).set(database=database).render_as_string(hide_password=False)


async def _admin(*statements: str) -> None:
    import asyncpg

    url = make_url(SERVER_URL)
    connection = await asyncpg.connect(
        host=url.host,
        port=url.port,
        user=url.username,
        password=url.password,
        database=url.database or "postgres",
    )
    try:
        for statement in statements:
            await connection.execute(statement)
    finally:
        await connection.close()


async def _make_template() -> None:
    await _admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)", f"CREATE DATABASE {TEMPLATE}")
    engine = create_engine(_server_url(TEMPLATE))
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated database that each test's database is cloned from (made once per run)."""
    asyncio.run(_make_template())
    yield TEMPLATE
    asyncio.run(_admin(f"DROP DATABASE IF EXISTS {TEMPLATE} WITH (FORCE)"))


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty database: a SQLite file in tmp_path, or a PostgreSQL database of its
    own (already migrated, dropped after the test)."""
    if not on_postgres():
        yield f"sqlite+aiosqlite:///{tmp_path / 'botpool.db'}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"botpool_test_{uuid.uuid4().hex[:16]}"
    asyncio.run(_admin(f"CREATE DATABASE {name} TEMPLATE {template}"))
    try:
        yield _server_url(name)
    finally:
        asyncio.run(_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def settings(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(os.environ):
        if name.startswith("BOTPOOL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    secret = {"secret_key": TEST_SECRET_KEY} if on_postgres() else {}
    return load_settings(database_url=db_url, public_url="http://botpool.test", **secret)


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[object]:
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: object) -> Sessions:
    return create_sessions(engine)  # type: ignore[arg-type]


@pytest.fixture
def cipher(settings: Settings) -> TokenCipher:
    return cipher_for(settings.secret_key, sqlite_path(settings.database_url))
