"""The daily digest (SPEC §13): once a day, at the hour each operator picked in /settings
(in their time zone), yesterday's leads per pool against the day before, incidents,
uptime and the chart, sent through the alerts' notifier (retries, 429 honoured).

A scheduler job checks every minute. The local day a digest went out is written to the
operator's row *before* it is queued, so a restart never sends it twice (a crash in
between loses that day's digest rather than repeating it). The clock is a parameter so
tests drive the hours."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import or_, update

from bot_manager import charts
from bot_manager.views import reports as views
from core import reports
from core.reports import CHART_BOTS, HOUR, TrafficSeries
from core.settings import Settings
from storage.db import Sessions, transaction
from storage.models import Operator, Pool, utcnow
from storage.repos import operators, outages
from storage.repos import reports as repo

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
CHECK_EVERY_S = 60
MAX_CHARTS = 3  # the busiest pools get a chart; the text covers them all
JOB_ID = "botpool-digest"


class DigestSink(Protocol):
    async def send(self, chat_id: int, text: str) -> None: ...

    async def send_photo(
        self, chat_id: int, photo: bytes, caption: str = "", *, filename: str = ...
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Due:
    operator_id: int
    language: str
    time_zone: str
    day: date  # the local day it goes out on; the figures are of the day before


class DigestJob:
    def __init__(
        self, settings: Settings, sessions: Sessions, sink: DigestSink, *, clock: Clock = utcnow
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._sink = sink
        self._clock = clock

    def start(self, scheduler: AsyncIOScheduler) -> None:
        scheduler.add_job(
            self.run_once,
            "interval",
            seconds=CHECK_EVERY_S,
            id=JOB_ID,
            max_instances=1,
            coalesce=True,
        )

    async def run_once(self) -> int:
        """Send every digest that is due now; returns how many operators got one."""
        sent = 0
        for due in await self._due(self._clock()):
            if not await self._claim(due):
                continue
            try:
                await self._send(due)
                sent += 1
            except Exception:
                log.exception("daily digest for operator %s failed", due.operator_id)
        return sent

    async def _due(self, now: datetime) -> list[Due]:
        async with self._sessions() as session:
            found = []
            for operator in await operators.with_digest(session):
                tz = reports.zone(operator.time_zone)
                day = reports.digest_due(now, tz, operator.digest_hour, operator.digest_sent_on)
                if day is not None:
                    found.append(Due(operator.id, operator.language, tz.key, day))
            return found

    async def _claim(self, due: Due) -> bool:
        """Mark today's digest sent; False when another pass already did."""
        async with transaction(self._sessions) as session:
            result = await session.execute(
                update(Operator)
                .where(
                    Operator.id == due.operator_id,
                    or_(Operator.digest_sent_on.is_(None), Operator.digest_sent_on != due.day),
                )
                .values(digest_sent_on=due.day)
            )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _send(self, due: Due) -> None:
        tz = reports.zone(due.time_zone)
        yesterday = due.day - timedelta(days=1)
        start, end = reports.local_days(yesterday, yesterday, tz)
        first, last = reports.hour_range(start, end)
        hours = int((last - first) / HOUR)
        capacity = self._settings.bot_hourly_capacity
        async with self._sessions() as session:
            figures = await repo.digests(session, due.operator_id, start, end)
            outage_count = await outages.count_between(session, start, end)
            busiest = sorted((f for f in figures if f[1].leads), key=lambda f: -f[1].leads)
            pictures: list[tuple[Pool, TrafficSeries]] = [
                (pool, await repo.traffic(session, pool, first, hours, capacity, CHART_BOTS))
                for pool, _digest in busiest[:MAX_CHARTS]
            ]
        lang = due.language
        text = views.digest_text(
            lang, yesterday, [digest for _pool, digest in figures], outages=outage_count
        )
        await self._sink.send(due.operator_id, text)
        period = views.yesterday(lang, yesterday)
        for pool, series in pictures:
            texts = views.chart_texts(lang, pool, hours, period)
            png = await charts.render(series, texts, tz)
            caption = views.chart_caption(lang, pool, hours, series.total, period)
            filename = f"{pool.slug}-{yesterday.isoformat()}.png"
            await self._sink.send_photo(due.operator_id, png, caption, filename=filename)
