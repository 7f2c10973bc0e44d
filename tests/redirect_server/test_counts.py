"""Redirect counts: batched in memory, all of them in the database after a clean shutdown."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from datetime import UTC, datetime

import pytest

from core.domain import BotStatus
from redirect_server.counter import RedirectCounter
from storage.db import create_engine, create_sessions, sqlite_path
from storage.models import utcnow
from storage.repos import counts


async def counted(sessions) -> dict[tuple[int, int], int]:
    async with sessions() as session:
        return await counts.per_bot_since(session, utcnow())


async def test_redirects_followed_by_a_clean_shutdown_are_all_counted_per_bot(
    seed, sessions, start_client
):
    pool = await seed.pool(
        "promo", ("a_bot", "b_bot", "c_bot"), strategy="weighted", weights=(5, 3, 1)
    )
    client = await start_client(flush_interval_s=3600)  # only the shutdown writes
    served: Counter[str] = Counter()
    for _ in range(37):
        async with client.get("/go/promo", allow_redirects=False) as response:
            served[response.headers["Location"].split("/")[-1].split("?")[0]] += 1
    assert await counted(sessions) == {}
    await client.close()
    expected = {(pool.pool_id, pool.bot_ids[name]): n for name, n in served.items()}
    assert await counted(sessions) == expected
    assert sum(expected.values()) == 37


async def test_counts_reach_the_database_while_serving(seed, sessions, start_client):
    pool = await seed.pool("promo", ("a_bot",))
    client = await start_client(flush_interval_s=0.05)
    for _ in range(5):
        async with client.get("/go/promo", allow_redirects=False) as response:
            assert response.status == 302
    found: dict[tuple[int, int], int] = {}
    for _ in range(200):
        found = await counted(sessions)
        if found:
            break
        await asyncio.sleep(0.02)
    assert found == {(pool.pool_id, pool.bot_ids["a_bot"]): 5}


@pytest.mark.sqlite_only
async def test_a_flush_that_finds_the_database_locked_keeps_the_counts_for_the_next(
    seed, settings, sessions
):
    pool = await seed.pool("promo", ("a_bot",))
    served = (pool.pool_id, pool.bot_ids["a_bot"])
    engine = create_engine(settings.database_url, busy_timeout_ms=50)
    impatient = create_sessions(engine)
    counter = RedirectCounter(impatient)
    blocker = sqlite3.connect(sqlite_path(settings.database_url), isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        counter.add({served: 2})
        assert await counter.flush() is False
        counter.add({served: 1})
        assert sum(counter.unflushed().values()) == 3
        assert counter.flush_failures == 1
        blocker.execute("ROLLBACK")
        assert await counter.flush() is True
    finally:
        blocker.close()
        await engine.dispose()
    assert counter.unflushed() == {}
    assert await counted(sessions) == {served: 3}


async def test_counts_of_a_deleted_pool_are_dropped_and_the_others_written(seed, sessions):
    gone = await seed.pool("gone", ("a_bot",))
    kept = await seed.pool("kept", ("b_bot",))
    counter = RedirectCounter(sessions)
    counter.add(
        {(gone.pool_id, gone.bot_ids["a_bot"]): 1, (kept.pool_id, kept.bot_ids["b_bot"]): 1}
    )
    await seed.delete_pool(gone.pool_id)
    assert await counter.flush() is True
    assert await counted(sessions) == {(kept.pool_id, kept.bot_ids["b_bot"]): 1}


async def test_503s_and_404s_are_not_counted(seed, sessions, start_client):
    pool = await seed.pool("promo", ("a_bot",))
    await seed.set_status(pool.bot_ids["a_bot"], BotStatus.BANNED)
    client = await start_client()
    for path in ("/go/promo", "/go/nope"):
        async with client.get(path, allow_redirects=False) as response:
            assert response.status in (404, 503)
    await client.close()
    assert await counted(sessions) == {}


async def test_counts_land_in_the_hour_they_were_harvested_in(seed, sessions):
    pool = await seed.pool("promo", ("a_bot",))
    served = (pool.pool_id, pool.bot_ids["a_bot"])
    now = [1_800_000_000.0 - 1]  # one second before an hour ends
    counter = RedirectCounter(sessions, clock=lambda: now[0])
    counter.add({served: 2})
    now[0] += 2
    counter.add({served: 3})
    assert await counter.flush() is True
    async with sessions() as session:
        rows = await counts.per_bot_since(session, datetime.fromtimestamp(now[0] - 7200, UTC))
        last_hour = await counts.per_bot_since(session, datetime.fromtimestamp(now[0], UTC))
    assert rows == {served: 5}
    assert last_hour == {served: 3}
