"""The hourly-capacity watch of `botpool run` (SPEC §12): every CHECK_EVERY_S, each
active pool's use of the last rolling hour against what its routable bots can take
(storage.repos.capacity), its level stored with it and, when it rises, its owner
alerted through the alert outbox: once past 80 % ("add bots"), once full. Falling back
is quiet (core.alerts.capacity_level has the hysteresis).

One read of the whole installation per round, then one short transaction for the pools
whose level changed and their alerts: nothing is written while the levels hold."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot_manager.monitor_alerts import Draft, record
from core.alerts import CapacityLevel, capacity_alert, capacity_level
from core.settings import Settings
from storage.db import Sessions, transaction
from storage.models import utcnow
from storage.repos import capacity as repo

log = logging.getLogger(__name__)

JOB_ID = "botpool-capacity"
CHECK_EVERY_S = 60.0
FIRST_AFTER_S = 5.0

Clock = Callable[[], datetime]


class CapacityWatch:
    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        *,
        every_s: float = CHECK_EVERY_S,
        clock: Clock = utcnow,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._every_s = every_s
        self._clock = clock
        self._scheduler: AsyncIOScheduler | None = None
        self._running: asyncio.Task[object] | None = None

    async def run_once(self, now: datetime | None = None) -> int:
        """One round: store the levels that changed; returns the alerts written."""
        now = now or self._clock()
        async with self._sessions() as session:
            loads = await repo.loads(session, now, self._settings.bot_hourly_capacity)
        levels: dict[int, str] = {}
        drafts: list[Draft] = []
        for load in loads:
            old = _level(load.level)
            new = capacity_level(old, load.used, load.capacity)
            if new is old and load.level == old.value:
                continue
            levels[load.pool_id] = new.value
            kind = capacity_alert(old, new)
            if kind is not None:
                log.info(
                    "pool %s at %d%% of its hourly capacity (%d of %d): %s",
                    load.pool_id,
                    load.percent,
                    load.used,
                    load.capacity,
                    new.value,
                )
                drafts.append((load.owner_id, kind, load.pool_id, None))
        if not levels:
            return 0
        async with transaction(self._sessions) as session:
            await repo.set_levels(session, levels)
            return await record(session, drafts, now)

    def start(self, scheduler: AsyncIOScheduler) -> None:
        """A round shortly after start-up, then every `every_s`; never two at once."""
        self._scheduler = scheduler
        scheduler.add_job(
            self._tick,
            "interval",
            seconds=self._every_s,
            id=JOB_ID,
            name="hourly capacity",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(self._every_s)),
            next_run_time=utcnow() + timedelta(seconds=min(FIRST_AFTER_S, self._every_s)),
            replace_existing=True,
        )

    async def stop(self) -> None:
        """Remove the job and let a running round finish (its transaction is short)."""
        if self._scheduler is not None:
            with suppress(JobLookupError):
                self._scheduler.remove_job(JOB_ID)
            self._scheduler = None
        if self._running is not None and not self._running.done():
            await asyncio.wait({self._running})

    async def _tick(self) -> None:
        self._running = asyncio.current_task()
        try:
            await self.run_once()
        except Exception:
            log.exception("hourly capacity round failed; the next one tries again")


def _level(stored: str) -> CapacityLevel:
    try:
        return CapacityLevel(stored)
    except ValueError:
        return CapacityLevel.OK
