"""Redirect counts kept in memory and written to the database in batches, so that a
lead never waits for a write and a locked database loses nothing."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from storage.db import Sessions, transaction
from storage.repos import counts

log = logging.getLogger(__name__)

Served = tuple[int, int]  # pool id, bot id
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
        self._pending: dict[datetime, dict[Served, int]] = {}
        self._inflight: dict[counts.Key, int] = {}
        self._bucket: dict[Served, int] = {}
        self._hour_ends = 0.0
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()

    def hit(self, served: Served) -> None:
        """Count one lead sent by pool `served[0]` to bot `served[1]` (the hot path)."""
        if self._clock() >= self._hour_ends:
            self._next_hour()
        self._bucket[served] = self._bucket.get(served, 0) + 1
        self.totals[served] = self.totals.get(served, 0) + 1

    def _next_hour(self) -> None:
        now = self._clock()
        start = now - now % HOUR_S
        self._hour_ends = start + HOUR_S
        self._bucket = self._pending.setdefault(datetime.fromtimestamp(start, UTC), {})

    def unflushed(self) -> dict[counts.Key, int]:
        """Counted here but not (yet) in the database."""
        batch = dict(self._inflight)
        for hour, bucket in self._pending.items():
            for (pool_id, bot_id), n in bucket.items():
                key = (pool_id, bot_id, hour)
                batch[key] = batch.get(key, 0) + n
        return batch

    def _take(self) -> dict[counts.Key, int]:
        batch = {
            (pool_id, bot_id, hour): n
            for hour, bucket in self._pending.items()
            for (pool_id, bot_id), n in bucket.items()
        }
        self._pending = {}
        self._hour_ends = 0.0  # the next hit opens a fresh bucket
        return batch

    def _put_back(self, batch: dict[counts.Key, int]) -> None:
        for (pool_id, bot_id, hour), n in batch.items():
            bucket = self._pending.setdefault(hour, {})
            bucket[(pool_id, bot_id)] = bucket.get((pool_id, bot_id), 0) + n

    async def flush(self) -> bool:
        """Write everything counted so far in one transaction. On failure the counts
        stay in memory for the next attempt; True when nothing is left unwritten."""
        async with self._lock:
            batch = self._take()
            if not batch:
                return True
            self._inflight = batch
            try:
                await self._write(batch)
            except BaseException as exc:
                self._put_back(batch)
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

    async def run(self) -> None:
        """Flush every interval until stop(); a flush in progress is never cut short."""
        while True:
            try:
                async with asyncio.timeout(self.flush_interval_s):
                    await self._stop.wait()
                return
            except TimeoutError:
                await self.flush()

    def stop(self) -> None:
        self._stop.set()

    async def drain(self, attempts: int = 3, pause_s: float = 0.5) -> None:
        """The last flush at shutdown, retried while the database is busy."""
        for attempt in range(attempts):
            if await self.flush():
                return
            if attempt + 1 < attempts:
                await asyncio.sleep(pause_s)
        lost = sum(self.unflushed().values())
        log.error("%d redirect counts could not be written before shutdown", lost)
