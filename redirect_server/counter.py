"""Redirect counts written to the database in batches, so that a lead never waits for
a write and a locked database loses nothing. The hot path counts on the routing
table's targets (leads, returning leads, the fallback link's) and, for what no target
holds, in this counter's tallies (leads by campaign, leads that got the 503 page);
`collect` harvests them all into hour buckets here. What cannot be written at shutdown
is spooled to a local file and written at the next start (redirect_server.spool); a
kill -9 loses what was served since the last flush (`flush_interval_s`)."""

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
from redirect_server.batch import Batch
from storage.db import Sessions, dialect_insert, transaction
from storage.models import SpooledBatch, utcnow
from storage.repos import campaigns, counts

log = logging.getLogger(__name__)

Served = tuple[int, int]  # pool id, bot id (0: the pool's fallback link)
HOUR_S = 3600
DAY_S = 86400


class Taken(dict[Served, int]):
    """Leads each target took since the last harvest (RoutingTable.take_counts), and
    `returning`: how many of them came back with a sticky cookie."""

    __slots__ = ("returning",)

    def __init__(self) -> None:
        super().__init__()
        self.returning: dict[Served, int] = {}


Collect = Callable[[], Mapping[Served, int]]


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
        # Since start, for /metrics: leads by target, returning leads by target, and by
        # pool and outcome the leads no bot took.
        self.totals: dict[Served, int] = {}
        self.returning_totals: dict[Served, int] = {}
        self.outcome_totals: dict[tuple[int, str], int] = {}
        # Counted by /go between harvests, in place (the redirector holds these dicts):
        # leads by (pool id, the start they brought), and 503s by pool id.
        self.campaign_leads: dict[tuple[int, str], int] = {}
        self.unserved_leads: dict[int, int] = {}
        self.campaigns_per_day = campaigns.CAMPAIGNS_PER_DAY
        self.flush_failures = 0
        self._pending = Batch()
        self._inflight = Batch()
        self._campaign_day = -1
        self._campaign_names: dict[int, set[str]] = {}  # pool id -> today's campaigns
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()

    def add(self, served: Mapping[Served, int]) -> None:
        """Leads served since the last harvest (`Taken`, or any mapping), and this
        counter's own tallies, into this hour's buckets."""
        now = self._clock()
        hour = datetime.fromtimestamp(now - now % HOUR_S, UTC)
        pending = self._pending
        if served:
            redirects, outcomes = pending.redirects, pending.outcomes
            totals, outcome_totals = self.totals, self.outcome_totals
            for (pool_id, bot_id), n in served.items():
                if bot_id == 0:  # a fallback link's
                    outcome = (pool_id, hour, campaigns.FALLBACK_LINK)
                    outcomes[outcome] = outcomes.get(outcome, 0) + n
                    mark = (pool_id, campaigns.FALLBACK_LINK)
                    outcome_totals[mark] = outcome_totals.get(mark, 0) + n
                    continue
                key = (pool_id, bot_id, hour)
                redirects[key] = redirects.get(key, 0) + n
                totals[(pool_id, bot_id)] = totals.get((pool_id, bot_id), 0) + n
            returning = getattr(served, "returning", None)
            if returning:
                returned, returning_totals = pending.returning, self.returning_totals
                for (pool_id, bot_id), n in returning.items():
                    key = (pool_id, bot_id, hour)
                    returned[key] = returned.get(key, 0) + n
                    returning_totals[(pool_id, bot_id)] = (
                        returning_totals.get((pool_id, bot_id), 0) + n
                    )
        if self.campaign_leads:
            self._add_campaigns(now, hour)
        if self.unserved_leads:
            self._add_unserved(hour)

    def _add_campaigns(self, now: float, hour: datetime) -> None:
        """The campaign tallies into the hour's buckets, each pool's first
        `campaigns_per_day` distinct ones of the UTC day under their names, the rest as
        OTHER."""
        day = int(now // DAY_S)
        if day != self._campaign_day:
            self._campaign_day, self._campaign_names = day, {}
        tallied = dict(self.campaign_leads)
        self.campaign_leads.clear()
        pending, names_of = self._pending.campaigns, self._campaign_names
        for (pool_id, name), n in tallied.items():
            names = names_of.setdefault(pool_id, set())
            if name not in names:
                if len(names) < self.campaigns_per_day:
                    names.add(name)
                else:
                    name = campaigns.OTHER
            key = (pool_id, hour, name)
            pending[key] = pending.get(key, 0) + n

    def _add_unserved(self, hour: datetime) -> None:
        tallied = dict(self.unserved_leads)
        self.unserved_leads.clear()
        pending, totals = self._pending.outcomes, self.outcome_totals
        for pool_id, n in tallied.items():
            key = (pool_id, hour, campaigns.UNSERVED)
            pending[key] = pending.get(key, 0) + n
            totals[(pool_id, campaigns.UNSERVED)] = totals.get((pool_id, campaigns.UNSERVED), 0) + n

    def unflushed(self) -> dict[counts.Key, int]:
        """Redirects to bots harvested here but not (yet) in the database."""
        return self.unflushed_batch().redirects

    def unflushed_batch(self) -> Batch:
        """Everything harvested here but not (yet) in the database."""
        batch = Batch()
        batch.merge(self._inflight)
        batch.merge(self._pending)
        return batch

    async def flush(self) -> bool:
        """Write everything harvested so far in one transaction. On failure the counts
        stay in memory for the next attempt; True when nothing is left unwritten."""
        async with self._lock:
            batch, self._pending = self._pending, Batch()
            if not batch:
                return True
            self._inflight = batch
            try:
                await self._write(batch)
            except BaseException as exc:
                self._pending.merge(batch)
                if not isinstance(exc, Exception):
                    raise
                self.flush_failures += 1
                log.warning("redirect counts not written, will retry: %s", exc)
                return False
            finally:
                self._inflight = Batch()
            return True

    async def _write(self, batch: Batch, spooled: str | None = None) -> bool:
        """`spooled`: the id of the spooled batch these counts are, written once only;
        False when it already was."""
        try:
            async with transaction(self._sessions) as session:
                if spooled is not None and not await _first_time(session, spooled):
                    return False
                await _add(session, batch)
        except IntegrityError:
            return await self._write_each(batch, spooled)
        return True

    async def _write_each(self, batch: Batch, spooled: str | None) -> bool:
        """Row by row, dropping counts of pools or bots deleted since they were served
        (their counts went with them)."""
        async with transaction(self._sessions) as session:
            if spooled is not None and not await _first_time(session, spooled):
                return False
            for row in batch.rows():
                try:
                    async with session.begin_nested():
                        await _add(session, row)
                except IntegrityError:
                    log.info("dropped the counts of a deleted pool or bot: %s", row)
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
        left = self.unflushed_batch()
        if self.spool_dir is not None:
            try:
                path = spool.write(self.spool_dir, left)
            except OSError as exc:
                log.error("redirect counts could not be spooled: %s", exc)
            else:
                self._pending = Batch()
                log.warning(
                    "%d lead counts spooled to %s; the next start writes them", left.leads(), path
                )
                return
        log.error("%d lead counts could not be written before shutdown", left.leads())

    async def write_spooled(self) -> int:
        """Write the batches spooled by processes that stopped with the database down
        (at start-up); a batch that fails is given back for the next start. Returns the
        number of leads written (redirects, fallback link and unserved)."""
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
                written += batch.leads()
                log.info("wrote %d spooled lead counts of %s", batch.leads(), path.name)
        return written


async def _add(session: AsyncSession, batch: Batch) -> None:
    await counts.add(session, batch.redirects, batch.returning)
    await campaigns.add(session, batch.campaigns)
    await campaigns.add_outcomes(session, batch.outcomes)


async def _first_time(session: AsyncSession, batch_id: str) -> bool:
    """Record the spooled batch as written in this transaction; False if it already was."""
    statement = dialect_insert(session, SpooledBatch).on_conflict_do_nothing(index_elements=["id"])
    result = await session.execute(statement.values(id=batch_id, written_at=utcnow()))
    return bool(result.rowcount)
