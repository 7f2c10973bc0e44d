"""Redirect counts written to the database in batches, so that a lead never waits for
a write and a locked database loses nothing. The hot path counts on the routing
table's targets; `collect` harvests them into hour buckets here."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from storage.db import Sessions, transaction
from storage.repos import counts

log = logging.getLogger(__name__)

Served = tuple[int, int]  # pool id, bot id
Collect = Callable[[], Mapping[Served, int]]
HOUR_S = 3600


class RedirectCounter:
    def __init__(
        self,
        sessions: Sessions,
        *,
        flush_interval_s: float = 1.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self.flush_interval_s = flush_interval_s
        self._clock = clock
        self.totals: dict[Served, int] = {}  # since start, for /metrics
        self.flush_failures = 0
        self._pending: dict[counts.Key, int] = {}
        self._inflight: dict[counts.Key, int] = {}
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()

    def add(self, served: Mapping[Served, int]) -> None:
        """Redirects served since the last harvest, into this hour's bucket."""
        if not served:
            return
        now = self._clock()
        hour = datetime.fromtimestamp(now - now % HOUR_S, UTC)
        pending, totals = self._pending, self.totals
        for (pool_id, bot_id), n in served.items():
            key = (pool_id, bot_id, hour)
            pending[key] = pending.get(key, 0) + n
            totals[(pool_id, bot_id)] = totals.get((pool_id, bot_id), 0) + n

    def unflushed(self) -> dict[counts.Key, int]:
        """Harvested here but not (yet) in the database."""
        batch = dict(self._inflight)
        for key, n in self._pending.items():
            batch[key] = batch.get(key, 0) + n
        return batch

    async def flush(self) -> bool:
        """Write everything harvested so far in one transaction. On failure the counts
        stay in memory for the next attempt; True when nothing is left unwritten."""
        async with self._lock:
            batch, self._pending = self._pending, {}
            if not batch:
                return True
            self._inflight = batch
            try:
                await self._write(batch)
            except BaseException as exc:
                for key, n in batch.items():
                    self._pending[key] = self._pending.get(key, 0) + n
                if not isinstance(exc, Exception):
                    raise
                self.flush_failures += 1
                log.warning("redirect counts not written, will retry: %s", exc)
                return False
            finally:
                self._inflight = {}
            return True

    async def _write(self, batch: dict[counts.Key, int]) -> None:
        try:
            async with transaction(self._sessions) as session:
                await counts.add(session, batch)
        except IntegrityError:
            await self._write_each(batch)

    async def _write_each(self, batch: dict[counts.Key, int]) -> None:
        """Row by row, dropping counts of pools or bots deleted since they were served
        (their counts went with them)."""
        async with transaction(self._sessions) as session:
            for key, n in batch.items():
                try:
                    async with session.begin_nested():
                        await counts.add(session, {key: n})
                except IntegrityError:
                    log.info("dropped %d redirects of deleted pool or bot %s", n, key[:2])

    async def run(self, collect: Collect) -> None:
        """Harvest and flush every interval, and at each hour's end so that a count
        lands in the hour it was served, until stop(). A flush is never cut short."""
        while True:
            now = self._clock()
            wait = min(self.flush_interval_s, HOUR_S - now % HOUR_S)
            try:
                async with asyncio.timeout(wait):
                    await self._stop.wait()
                return
            except TimeoutError:
                self.add(collect())
                await self.flush()

    def stop(self) -> None:
        self._stop.set()

    async def drain(self, collect: Collect, attempts: int = 3, pause_s: float = 0.5) -> None:
        """The last harvest and flush at shutdown, retried while the database is busy."""
        self.add(collect())
        for attempt in range(attempts):
            if await self.flush():
                return
            if attempt + 1 < attempts:
                await asyncio.sleep(pause_s)
        lost = sum(self.unflushed().values())
        log.error("%d redirect counts could not be written before shutdown", lost)
