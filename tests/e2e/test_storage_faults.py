"""Storage faults met by a running `botpool redirect`: SIGTERM with the database down
loses no count (spooled, written by the next start), and a full disk answers 503
storage_unavailable until it clears, when the next write works (SPEC §11)."""

from __future__ import annotations

import resource
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from redirect_server.api import create_api_key
from redirect_server.spool import DIRECTORY_NAME
from storage.crypto import cipher_for
from storage.db import create_engine, create_sessions, sqlite_path, transaction
from storage.migrate import upgrade
from storage.models import RedirectCount
from storage.repos import bots, members, operators, pools
from tests.e2e.process import Process, botpool, clean_env, free_port, wait_http_ok
from tests.plugins.database import TEST_SECRET_KEY, on_postgres

OWNER = 77
# Small enough that no WAL frame (a 4 KiB page) can be written, big enough for a spool file.
DISK_LEFT_BYTES = 2048


async def _seed(url: str) -> None:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        cipher = cipher_for(TEST_SECRET_KEY if on_postgres() else None, sqlite_path(url))
        async with transaction(create_sessions(engine)) as session:
            await operators.get_or_create(session, OWNER)
            pool = await pools.create(session, OWNER, name="Faults", slug="faults")
            bot = await bots.register(
                session, cipher, OWNER, telegram_id=5550001, username="f_bot", token="5550001:A"
            )
            await members.add(session, OWNER, pool.id, bot.id, max_per_pool=10)
    finally:
        await engine.dispose()


async def _counted(url: str) -> int:
    engine = create_engine(url)
    try:
        async with create_sessions(engine)() as session:
            return await session.scalar(select(func.sum(RedirectCount.count))) or 0
    finally:
        await engine.dispose()


async def _admin(url: str, *statements: str) -> None:
    admin = create_engine(url, poolclass=NullPool)
    try:
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            for statement in statements:
                await connection.execute(text(statement))
    finally:
        await admin.dispose()


@asynccontextmanager
async def full_disk(process: Process) -> AsyncIterator[None]:
    """No room left for `process` to write its database: RLIMIT_FSIZE, which Python
    turns into failed writes (it ignores SIGXFSZ) and SQLite into "disk is full"."""
    pid = process.proc.pid
    before = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (DISK_LEFT_BYTES, before[1]))
    try:
        yield
    finally:
        if process.proc.returncode is None:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, before)


@asynccontextmanager
async def database_down(url: str, process: Process) -> AsyncIterator[None]:
    """SQLite: a full disk. PostgreSQL: the database refuses connections and drops those
    it had, as a stopped server does (the shared test server itself keeps running)."""
    if not on_postgres():
        async with full_disk(process):
            yield
        return
    name = make_url(url).database
    postgres = make_url(url).set(database="postgres").render_as_string(hide_password=False)
    await _admin(
        postgres,
        f"ALTER DATABASE {name} ALLOW_CONNECTIONS false",
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
    )
    try:
        yield
    finally:
        await _admin(postgres, f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")


def _env(url: str, port: int) -> dict[str, str]:
    secret = {"BOTPOOL_SECRET_KEY": TEST_SECRET_KEY} if on_postgres() else {}
    return clean_env(
        BOTPOOL_DATABASE_URL=url,
        BOTPOOL_HTTP_HOST="127.0.0.1",
        BOTPOOL_HTTP_PORT=str(port),
        BOTPOOL_RATE_LIMIT_PER_MIN="0",
        **secret,
    )


async def _serve(http: aiohttp.ClientSession, port: int, n: int, process: Process) -> int:
    for _ in range(n):
        async with http.get(f"http://127.0.0.1:{port}/go/faults", allow_redirects=False) as r:
            assert r.status == 302, process.text()
    return n


def _spooled(directory: Path) -> list[Path]:
    return sorted(directory.glob("counts-*.jsonl")) if directory.exists() else []


async def test_sigterm_with_the_database_down_then_a_restart_counts_every_redirect(
    db_url, tmp_path
):
    await _seed(db_url)
    port = free_port()
    env = _env(db_url, port)
    spool_dir = (sqlite_path(db_url) or tmp_path / "x").parent / DIRECTORY_NAME
    async with aiohttp.ClientSession() as http:
        async with botpool("redirect", env=env, cwd=tmp_path) as first:
            await wait_http_ok(f"http://127.0.0.1:{port}/healthz")
            served = await _serve(http, port, 120, first)
            async with database_down(db_url, first):
                served += await _serve(http, port, 80, first)
                assert await first.stop(timeout_s=30) == 0, first.text()
        assert "spooled" in first.text(), first.text()
        assert len(_spooled(spool_dir)) == 1, first.text()

        async with botpool("redirect", env=env, cwd=tmp_path) as second:
            await wait_http_ok(f"http://127.0.0.1:{port}/healthz")
            served += await _serve(http, port, 5, second)
            assert await second.stop(timeout_s=30) == 0, second.text()
    assert _spooled(spool_dir) == []
    assert await _counted(db_url) == served == 205


async def _post_pool(http: aiohttp.ClientSession, port: int, key: str, slug: str) -> Any:
    async with http.post(
        f"http://127.0.0.1:{port}/api/redirect-pools",
        json={"name": slug, "slug": slug},
        headers={"Authorization": f"Bearer {key}"},
    ) as response:
        return response.status, await response.json(), response.headers.get("Retry-After")


@pytest.mark.sqlite_only
async def test_a_full_disk_is_503_with_retry_after_and_the_next_write_after_it_works(
    db_url, tmp_path
):
    await _seed(db_url)
    engine = create_engine(db_url)
    try:
        key = await create_api_key(create_sessions(engine), OWNER)
    finally:
        await engine.dispose()
    port = free_port()
    async with (
        aiohttp.ClientSession() as http,
        botpool("redirect", env=_env(db_url, port), cwd=tmp_path) as replica,
    ):
        await wait_http_ok(f"http://127.0.0.1:{port}/healthz")
        async with full_disk(replica):
            for slug in ("full1", "full2"):
                status, body, retry_after = await _post_pool(http, port, key, slug)
                assert (status, body["error"]["code"]) == (503, "storage_unavailable"), body
                assert retry_after is not None and int(retry_after) >= 1
            async with http.get(
                f"http://127.0.0.1:{port}/api/redirect-pools",
                headers={"Authorization": f"Bearer {key}"},
            ) as response:
                # A fresh connection may not even open (SQLite extends its -shm file).
                assert response.status in (200, 503), await response.text()
        status, body, _ = await _post_pool(http, port, key, "after")
        assert status == 201, (body, replica.text())
        assert await replica.stop(timeout_s=30) == 0, replica.text()
