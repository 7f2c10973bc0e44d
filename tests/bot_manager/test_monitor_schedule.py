"""The monitor as an APScheduler job: passes run on their own, never stack, stop cleanly."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MAX_INSTANCES, JobEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot_manager.monitor import HealthMonitor
from bot_manager.probe import Prober
from core.domain import BotStatus

OWNER = 7301


class JobEvents:
    """Counts the job's executions and skipped ticks as APScheduler reports them."""

    def __init__(self, scheduler: AsyncIOScheduler) -> None:
        self.seen: Counter[int] = Counter()
        self._changed = asyncio.Event()
        scheduler.add_listener(self._on_event, EVENT_JOB_EXECUTED | EVENT_JOB_MAX_INSTANCES)

    def _on_event(self, event: JobEvent) -> None:
        self.seen.update([event.code])
        self._changed.set()

    async def wait_for(self, executed: int, skipped: int, timeout_s: float = 10.0) -> None:
        async with asyncio.timeout(timeout_s):
            while (
                self.seen[EVENT_JOB_EXECUTED] < executed
                or self.seen[EVENT_JOB_MAX_INSTANCES] < skipped
            ):
                await self._changed.wait()
                self._changed.clear()


def errors(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


async def test_scheduled_job_runs_passes_at_once_and_every_interval_until_stopped(
    monitor_world, caplog
):
    world = monitor_world
    await world.operator(OWNER)
    bot = await world.bot(OWNER)
    await world.pool(OWNER, "leads", [bot])
    await world.client.ban(bot)
    scheduler = AsyncIOScheduler()
    scheduler.start()
    try:
        world.monitor.start(scheduler)
        await world.client.wait_for_requests(bot, "getMe", 3, timeout_s=10)
        await world.monitor.stop()
    finally:
        scheduler.shutdown()
        await asyncio.sleep(0)

    assert await world.status(bot) is BotStatus.BANNED
    assert scheduler.get_jobs() == []
    calls = await world.client.request_count(bot, "getMe")
    await world.client.restore(bot)
    await asyncio.sleep(3 * world.settings.health_interval_s)
    assert await world.client.request_count(bot, "getMe") == calls
    assert errors(caplog) == []


async def test_a_pass_that_overruns_the_interval_is_never_stacked_on_the_next(
    monitor_world, caplog
):
    world = monitor_world
    await world.operator(OWNER)
    hung = await world.bot(OWNER)
    await world.pool(OWNER, "leads", [hung])
    await world.client.hang(hung, methods=["getMe"])
    scheduler = AsyncIOScheduler()
    events = JobEvents(scheduler)
    scheduler.start()
    try:
        world.monitor.start(scheduler)
        await events.wait_for(executed=2, skipped=2)
        await world.monitor.stop()
    finally:
        scheduler.shutdown()
        await asyncio.sleep(0)

    # Each pass holds one probe for health_timeout_s while ticks come every 0.2 s:
    # stacked passes would have sent a getMe per tick.
    assert await world.client.request_count(hung, "getMe") <= events.seen[EVENT_JOB_EXECUTED] + 1
    assert await world.status(hung) in (BotStatus.DEGRADED, BotStatus.OFFLINE)
    assert errors(caplog) == []


async def test_stop_cancels_a_pass_still_running_after_its_grace_without_errors(
    monitor_world, caplog
):
    caplog.set_level(logging.INFO, logger="bot_manager.monitor")
    world = monitor_world
    await world.operator(OWNER)
    hung = await world.bot(OWNER)
    await world.pool(OWNER, "leads", [hung])
    await world.client.hang(hung, methods=["getMe"])
    patient = world.settings.model_copy(update={"health_timeout_s": 60.0})
    prober = Prober(world.sandbox.url, patient.health_timeout_s)
    monitor = HealthMonitor(patient, world.sessions, world.cipher, prober, world.notifier, None)
    scheduler = AsyncIOScheduler()
    scheduler.start()
    try:
        monitor.start(scheduler)
        await world.client.wait_for_requests(hung, "getMe", 1)
        async with asyncio.timeout(5):
            await monitor.stop(grace_s=0.2)
    finally:
        scheduler.shutdown()
        await asyncio.sleep(0)
        await prober.close()

    assert await world.status(hung) is BotStatus.ONLINE
    assert errors(caplog) == []
    assert "cancelled at shutdown" in caplog.text
