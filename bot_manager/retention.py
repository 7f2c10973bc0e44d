"""The retention job of `botpool run`: health history older than
BOTPOOL_HISTORY_RETENTION_DAYS and hourly counts (redirects, campaigns, leads no bot
took) older than BOTPOOL_COUNTS_RETENTION_DAYS are deleted, a small batch per short
transaction with a pause between batches, so that the counter's flushes and the health
passes never wait long for the database."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from storage.db import Sessions, transaction
from storage.models import utcnow
from storage.repos import campaigns, changes, counts, history

log = logging.getLogger(__name__)

JOB_ID = "botpool-retention"
EVERY_S = 3600.0
FIRST_AFTER_S = 60.0  # start-up (migrations, the first health pass) goes first
BATCH_ROWS = 1000
PAUSE_S = 0.05  # between batches: room for other writers to take the SQLite write lock

DeleteBatch = Callable[[AsyncSession, datetime, int], Awaitable[int]]


def cutoff(now: datetime, days: int) -> datetime | None:
    """Rows older than this go; None when `days` is 0 (kept forever)."""
    return now - timedelta(days=days) if days else None


@dataclass(frozen=True)
class Purged:
    rows: int = 0
    batches: int = 0


@dataclass(frozen=True)
class RetentionReport:
    history: Purged
    counts: Purged
    changes: Purged = Purged()
    campaigns: Purged = Purged()  # campaign and outcome buckets, with the counts' cutoff


class Retention:
    def __init__(
        self,
        sessions: Sessions,
        settings: Settings,
        *,
        batch_rows: int = BATCH_ROWS,
        pause_s: float = PAUSE_S,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._history_days = settings.history_retention_days
        self._counts_days = settings.counts_retention_days
        self.batch_rows = batch_rows
        self.pause_s = pause_s
        self._clock = clock
        self._stopping = False
        self._scheduler: AsyncIOScheduler | None = None
        self._running: asyncio.Task[object] | None = None

    async def run_pass(self) -> RetentionReport:
        """Delete everything older than the settings, as of the clock's now."""
        now = self._clock()
        counts_cutoff = cutoff(now, self._counts_days)
        return RetentionReport(
            history=await self._purge(history.delete_before, cutoff(now, self._history_days)),
            counts=await self._purge(counts.delete_before, counts_cutoff),
            changes=await self._purge(changes.delete_before, now - changes.KEEP),
            campaigns=await self._purge(campaigns.delete_before, counts_cutoff),
        )

    async def _purge(self, delete_batch: DeleteBatch, before: datetime | None) -> Purged:
        rows = batches = 0
        while before is not None and not self._stopping:
            async with transaction(self._sessions) as session:
                deleted = await delete_batch(session, before, self.batch_rows)
            rows, batches = rows + deleted, batches + (deleted > 0)
            if deleted < self.batch_rows:
                break
            await asyncio.sleep(self.pause_s)
        return Purged(rows, batches)

    def start(self, scheduler: AsyncIOScheduler, *, every_s: float = EVERY_S) -> None:
        """A pass shortly after start-up, then every hour; never two at once."""
        self._stopping = False
        self._scheduler = scheduler
        scheduler.add_job(
            self._tick,
            "interval",
            seconds=every_s,
            id=JOB_ID,
            name="retention",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(every_s)),
            next_run_time=utcnow() + timedelta(seconds=min(FIRST_AFTER_S, every_s)),
            replace_existing=True,
        )

    async def stop(self) -> None:
        """Remove the job and let a running pass end after its current batch. Call
        before scheduler.shutdown(), which would cancel it mid-batch."""
        self._stopping = True
        if self._scheduler is not None:
            with suppress(JobLookupError):
                self._scheduler.remove_job(JOB_ID)
            self._scheduler = None
        if self._running is not None and not self._running.done():
            await asyncio.wait({self._running})

    async def _tick(self) -> None:
        if self._stopping:
            return
        self._running = asyncio.current_task()
        try:
            report = await self.run_pass()
        except Exception:
            log.exception("retention pass failed; the next one tries again")
            return
        if report.history.rows or report.counts.rows or report.campaigns.rows:
            log.info(
                "retention: %d health records, %d hourly counts and %d campaign and"
                " outcome counts deleted",
                report.history.rows,
                report.counts.rows,
                report.campaigns.rows,
            )
