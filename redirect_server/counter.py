"""Redirect counts written to the database in batches, so that a lead never waits for
a write and a locked database loses nothing. The hot path counts on the routing
table's targets; `collect` harvests them into hour buckets here. What cannot be written
at shutdown is spooled to a local file and written at the next start (redirect_server.
spool); a kill -9 loses what was served since the last flush (`flush_interval_s`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from redirect_server import spool
from storage.db import Sessions, dialect_insert, transaction
from storage.models import SpooledBatch, utcnow
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
        spool_dir: Path | None = None,
    ) -> None:
        self._sessions = sessions
        self.spool_dir = spool_dir
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

    async def _write(self, batch: dict[counts.Key, int], spooled: str | None = None) -> bool:
        """`spooled`: the id of the spooled batch these counts are, written once only;
        False when it already was."""
        try:
            async with transaction(self._sessions) as session:
                if spooled is not None and not await _first_time(session, spooled):
                    return False
                await counts.add(session, batch)
        except IntegrityError:
            return await self._write_each(batch, spooled)
        return True

    async def _write_each(self, batch: dict[counts.Key, int], spooled: str | None) -> bool:
        """Row by row, dropping counts of pools or bots deleted since they were served
        (their counts went with them)."""
        async with transaction(self._sessions) as session:
            if spooled is not None and not await _first_time(session, spooled):
                return False
            for key, n in batch.items():
                try:
                    async with session.begin_nested():
                        await counts.add(session, {key: n})
                except IntegrityError:
                    log.info("dropped %d redirects of deleted pool or bot %s", n, key[:2])
        return True

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
        left = self.unflushed()
        if self.spool_dir is not None:
            try:
                path = spool.write(self.spool_dir, left)
            except OSError as exc:
                log.error("redirect counts could not be spooled: %s", exc)
            else:
                self._pending = {}
                log.warning(
                    "%d redirect counts spooled to %s; the next start writes them",
                    sum(left.values()),
                    path,
                )
                return
        log.error("%d redirect counts could not be written before shutdown", sum(left.values()))

    async def write_spooled(self) -> int:
        """Write the batches spooled by processes that stopped with the database down
        (at start-up); a batch that fails is given back for the next start. Returns the
        number of redirects written."""
        if self.spool_dir is None:
            return 0
        written = 0
        for path in spool.claim(self.spool_dir):
            try:
                batch = spool.read(path)
                first_time = await self._write(batch, spooled=spool.batch_id(path))
            except Exception as exc:
                spool.release(path)
                log.warning("spooled redirect counts %s not written yet: %s", path.name, exc)
                continue
            spool.done(path)
            if first_time:
                written += sum(batch.values())
                log.info("wrote %d spooled redirect counts of %s", sum(batch.values()), path.name)
        return written


async def _first_time(session: AsyncSession, batch_id: str) -> bool:
    """Record the spooled batch as written in this transaction; False if it already was."""
    statement = dialect_insert(session, SpooledBatch).on_conflict_do_nothing(index_elements=["id"])
    result = await session.execute(statement.values(id=batch_id, written_at=utcnow()))
    return bool(result.rowcount)
