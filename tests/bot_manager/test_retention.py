"""Retention over a real SQLite file: exactly what is older than the settings goes, a
batch per transaction, while /go and the API keep answering."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp.test_utils import TestClient
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import func, insert, select

from bot_manager.retention import JOB_ID, Retention
from core.domain import BotStatus
from redirect_server import keys
from redirect_server.api import create_api_key
from redirect_server.app import create_app
from storage.db import transaction
from storage.models import HealthRecord, RedirectCount
from storage.repos import bots, history, members, operators, pools
from tests.served import ServedAsBotpool

OWNER = 4100
# The retention clock: on the hour, so that a bucket starts at each cutoff; and after
# the bots' real creation, which the uptime figure measures from.
NOW = datetime(2030, 1, 15, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


async def seed_pool(sessions, cipher, slug: str = "kept") -> tuple[int, list[int]]:
    async with transaction(sessions) as session:
        await operators.get_or_create(session, OWNER)
        pool = await pools.create(session, OWNER, name="Kept", slug=slug)
        ids = []
        for n in (1, 2):
            bot = await bots.register(
                session,
                cipher,
                OWNER,
                telegram_id=9_100_000 + n,
                username=f"kept_{n}_bot",
                token=f"{9_100_000 + n}:{'A' * 35}",
                status=BotStatus.ONLINE,
            )
            await members.add(session, OWNER, pool.id, bot.id, max_per_pool=10)
            ids.append(bot.id)
    return pool.id, ids


async def write_history(sessions, bot_ids: list[int], moments: list[datetime]) -> None:
    rows = [
        {"bot_id": bot_id, "at": at, "kind": "transient", "detail": "timeout"}
        for at in moments
        for bot_id in bot_ids
    ]
    async with transaction(sessions) as session:
        await session.execute(insert(HealthRecord), rows)


async def write_counts(sessions, pool_id: int, bot_ids: list[int], hours: list[datetime]) -> None:
    rows = [
        {"pool_id": pool_id, "bot_id": bot_id, "hour": hour, "count": 3}
        for hour in hours
        for bot_id in bot_ids
    ]
    async with transaction(sessions) as session:
        await session.execute(insert(RedirectCount), rows)


async def history_left(sessions) -> list[datetime]:
    async with sessions() as session:
        return list((await session.scalars(select(HealthRecord.at))).all())


async def hours_left(sessions) -> list[datetime]:
    async with sessions() as session:
        return list((await session.scalars(select(RedirectCount.hour))).all())


def settings_with(settings, history_days: int, counts_days: int):
    return settings.model_copy(
        update={"history_retention_days": history_days, "counts_retention_days": counts_days}
    )


async def test_retention_deletes_exactly_what_is_older_than_the_settings_in_batches(
    settings, sessions, cipher
):
    pool_id, bot_ids = await seed_pool(sessions, cipher)
    history_cutoff, counts_cutoff = NOW - timedelta(days=30), NOW - timedelta(days=90)
    moments = [NOW - timedelta(minutes=15 * n) for n in range(40 * 96)]  # 40 days, 15-min steps
    moments += [history_cutoff, history_cutoff - timedelta(microseconds=1)]
    hours = [NOW - timedelta(hours=n) for n in range(100 * 24)]  # 100 days of buckets
    await write_history(sessions, bot_ids, moments)
    await write_counts(sessions, pool_id, bot_ids, hours)

    retention = Retention(
        sessions, settings_with(settings, 30, 90), batch_rows=250, pause_s=0, clock=clock
    )
    report = await retention.run_pass()

    kept_history = sorted(at for at in moments if at >= history_cutoff for _ in bot_ids)
    kept_hours = sorted(hour for hour in hours if hour >= counts_cutoff for _ in bot_ids)
    assert history_cutoff in kept_history and counts_cutoff in kept_hours  # the boundaries stay
    assert sorted(await history_left(sessions)) == kept_history
    assert sorted(await hours_left(sessions)) == kept_hours
    old_history = len(moments) * 2 - len(kept_history)
    old_counts = len(hours) * 2 - len(kept_hours)
    assert report.history.rows == old_history and report.counts.rows == old_counts
    assert report.history.batches == -(-old_history // 250) > 1
    assert report.counts.batches == -(-old_counts // 250) > 1
    assert (await retention.run_pass()).history.rows == 0  # nothing older is left


async def test_zero_days_keeps_that_table_forever(settings, sessions, cipher):
    pool_id, bot_ids = await seed_pool(sessions, cipher)
    await write_history(sessions, bot_ids, [NOW - timedelta(days=3000)])
    await write_counts(sessions, pool_id, bot_ids, [NOW - timedelta(days=3000)])

    report = await Retention(sessions, settings_with(settings, 0, 0), clock=clock).run_pass()

    assert (report.history.rows, report.counts.rows) == (0, 0)
    assert len(await history_left(sessions)) == len(await hours_left(sessions)) == 2


async def test_go_and_the_api_keep_answering_while_retention_deletes(settings, sessions, cipher):
    pool_id, bot_ids = await seed_pool(sessions, cipher)
    now = datetime.now(UTC)  # the app counts /go in the real current hour
    cutoff = now - timedelta(days=settings.history_retention_days)
    old = [cutoff - timedelta(minutes=n + 1) for n in range(6000)]
    await write_history(sessions, bot_ids, old + [cutoff])
    key = await create_api_key(sessions, OWNER, "retention")
    unlimited = settings.model_copy(update={"rate_limit_per_min": 0})
    app = create_app(unlimited, sessions, cipher, flush_interval_s=0.02)
    retention = Retention(sessions, settings, batch_rows=500, pause_s=0.01, clock=lambda: now)
    answers: list[int] = []
    async with TestClient(ServedAsBotpool(app)) as client:
        purge = asyncio.create_task(retention.run_pass())
        for _ in range(2000):  # bounded: the pass ends long before
            async with client.get("/go/kept", allow_redirects=False) as response:
                answers.append(response.status)
            async with client.get(
                f"/api/redirect-pools/{pool_id}/status",
                headers={"Authorization": f"Bearer {key}"},
            ) as response:
                answers.append(response.status)
            if purge.done():
                break
        report = await purge
        flush_failures = app[keys.COUNTER].flush_failures
    served = answers.count(302)
    assert set(answers) == {302, 200} and served == answers.count(200)
    assert served >= 2  # requests were answered while the batches ran
    assert report.history.batches == 24 and report.history.rows == 12000
    assert await history_left(sessions) == [cutoff, cutoff]
    assert flush_failures == 0
    async with sessions() as session:  # every lead of the pass was counted, none deleted
        assert await session.scalar(select(func.sum(RedirectCount.count))) == served


async def test_the_scheduled_job_runs_on_its_own_and_stops_after_a_batch(
    settings, sessions, cipher, caplog
):
    _pool_id, bot_ids = await seed_pool(sessions, cipher)
    await write_history(sessions, bot_ids, [NOW - timedelta(days=60, minutes=n) for n in range(50)])
    retention = Retention(sessions, settings, batch_rows=10, pause_s=0.05, clock=clock)
    scheduler = AsyncIOScheduler()
    scheduler.start()
    try:
        retention.start(scheduler, every_s=0.1)
        assert scheduler.get_job(JOB_ID) is not None
        for _ in range(500):  # bounded; the first pass starts 0.1 s after start()
            if len(await history_left(sessions)) < 100:
                break
            await asyncio.sleep(0.02)
        await retention.stop()
        left = len(await history_left(sessions))
        assert scheduler.get_job(JOB_ID) is None
        await asyncio.sleep(0.3)  # no pass after stop
        assert len(await history_left(sessions)) == left
        assert left % 10 == 0 and 0 <= left < 100  # whole batches only
    finally:
        scheduler.shutdown()
        await asyncio.sleep(0)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize("days", [1, 30])
async def test_the_24_hour_uptime_is_the_same_with_a_single_day_of_history_kept(
    settings, sessions, cipher, days
):
    """Uptime reads the status in force 24 hours ago from the last change before then,
    or else from the next change's previous status: deleting older changes loses
    nothing it needs."""
    _pool_id, (bot_id, _other) = await seed_pool(sessions, cipher)
    changes = [(30, BotStatus.OFFLINE, BotStatus.ONLINE), (6, BotStatus.ONLINE, BotStatus.OFFLINE)]
    async with transaction(sessions) as session:
        for hours_ago, new, old in changes:
            session.add(
                HealthRecord(
                    bot_id=bot_id,
                    at=NOW - timedelta(hours=hours_ago),
                    kind=history.STATUS_CHANGE,
                    status=new.value,
                    detail=old.value,
                )
            )
    report = await Retention(sessions, settings_with(settings, days, 90), clock=clock).run_pass()
    async with sessions() as session:
        uptime = await history.uptime_percent(
            session, bot_id, BotStatus.ONLINE, NOW, timedelta(days=1)
        )
    assert report.history.rows == (1 if days == 1 else 0)
    assert uptime == 25.0
