"""Counts that cannot be written at shutdown are spooled to a local file and written at
the next start, exactly once (SPEC §11)."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from redirect_server import spool
from redirect_server.counter import RedirectCounter
from storage.db import create_engine, create_sessions
from storage.models import utcnow
from storage.repos import counts
from tests.e2e.process import free_port
from tests.plugins.database import on_postgres


async def counted(sessions) -> dict[tuple[int, int], int]:
    async with sessions() as session:
        return await counts.per_bot_since(session, utcnow().replace(year=2000))


@pytest.fixture
async def nowhere(tmp_path: Path) -> AsyncIterator[object]:
    """Sessions of a database that is down: a server that does not answer, or a SQLite
    file that cannot be opened (its path is a directory)."""
    if on_postgres():
        url = f"postgresql+asyncpg://botpool@127.0.0.1:{free_port()}/gone"
    else:
        (tmp_path / "gone.db").mkdir()
        url = f"sqlite+aiosqlite:///{tmp_path / 'gone.db'}"
    engine = create_engine(url)
    try:
        yield create_sessions(engine)
    finally:
        await engine.dispose()


@pytest.fixture
def spool_dir(tmp_path: Path) -> Path:
    return tmp_path / "spool"


async def _served(seed) -> tuple[int, int]:
    pool = await seed.pool("promo", ("a_bot",))
    return pool.pool_id, pool.bot_ids["a_bot"]


def files(directory: Path) -> set[Path]:
    return set(directory.iterdir()) if directory.exists() else set()


async def _spool_at_shutdown(nowhere, spool_dir: Path, served, n: int) -> Path:
    """A process that stops with the database down after serving `n` redirects."""
    before = files(spool_dir)
    dying = RedirectCounter(nowhere, spool_dir=spool_dir)
    await dying.drain(lambda: {served: n}, attempts=2, pause_s=0)
    assert dying.unflushed() == {}
    (path,) = files(spool_dir) - before
    return path


def claim_as(path: Path, pid: int) -> Path:
    return path.rename(path.with_name(f"{path.name}{spool.CLAIMED}{pid}"))


async def test_counts_a_shutdown_cannot_write_are_spooled_and_the_next_start_writes_them(
    seed, sessions, nowhere, spool_dir
):
    served = await _served(seed)
    path = await _spool_at_shutdown(nowhere, spool_dir, served, 300)
    assert f"-{os.getpid()}-" in path.name

    starting = RedirectCounter(sessions, spool_dir=spool_dir)
    assert await starting.write_spooled() == 300
    assert await counted(sessions) == {served: 300}
    assert files(spool_dir) == set()


async def test_two_processes_starting_at_once_write_a_spooled_batch_once(
    seed, sessions, nowhere, spool_dir
):
    served = await _served(seed)
    await _spool_at_shutdown(nowhere, spool_dir, served, 7)
    await _spool_at_shutdown(nowhere, spool_dir, served, 5)

    first, second = (RedirectCounter(sessions, spool_dir=spool_dir) for _ in range(2))
    written = await asyncio.gather(first.write_spooled(), second.write_spooled())
    assert sum(written) == 12
    assert await counted(sessions) == {served: 12}


async def test_a_batch_written_but_not_deleted_before_a_crash_is_not_written_twice(
    seed, sessions, nowhere, spool_dir, tmp_path
):
    served = await _served(seed)
    path = await _spool_at_shutdown(nowhere, spool_dir, served, 9)
    kept = shutil.copy(path, tmp_path / "kept")

    assert await RedirectCounter(sessions, spool_dir=spool_dir).write_spooled() == 9
    shutil.copy(kept, path)  # as if the process died between the commit and the delete
    assert await RedirectCounter(sessions, spool_dir=spool_dir).write_spooled() == 0
    assert await counted(sessions) == {served: 9}
    assert files(spool_dir) == set()


async def test_a_start_with_the_database_still_down_keeps_the_batch_for_the_next(
    seed, sessions, nowhere, spool_dir
):
    served = await _served(seed)
    path = await _spool_at_shutdown(nowhere, spool_dir, served, 4)

    assert await RedirectCounter(nowhere, spool_dir=spool_dir).write_spooled() == 0
    assert files(spool_dir) == {path}
    assert await RedirectCounter(sessions, spool_dir=spool_dir).write_spooled() == 4


async def test_a_batch_claimed_by_a_process_that_died_is_taken_and_a_live_ones_left(
    seed, sessions, nowhere, spool_dir
):
    served = await _served(seed)
    dead = await _spool_at_shutdown(nowhere, spool_dir, served, 3)
    live = await _spool_at_shutdown(nowhere, spool_dir, served, 100)
    process = await asyncio.create_subprocess_exec("true")
    await process.wait()  # its pid is free now
    claim_as(dead, process.pid)
    claimed_by_live = claim_as(live, os.getppid())

    assert await RedirectCounter(sessions, spool_dir=spool_dir).write_spooled() == 3
    assert files(spool_dir) == {claimed_by_live}
