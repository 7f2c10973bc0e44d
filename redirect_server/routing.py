"""The routing table: every pool as /go needs it, in memory, so that choosing a bot
never waits for the database. Rebuilt on demand (ON_CHANGE) and every few seconds."""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from multidict import CIMultiDict

from core.domain import BotStatus, PoolState, Strategy
from core.plans import Plan, plan_routes, take
from core.strategies import Cursor
from redirect_server.counter import RedirectCounter, Served
from storage.db import Sessions
from storage.repos import bots, counts, pools

log = logging.getLogger(__name__)

DEFAULT_RELOAD_INTERVAL_S = 4.0  # replicas follow a change within 5 s (SPEC §7)


@dataclass(frozen=True, slots=True)
class Link:
    """An active pool's public link: what /go/<slug> starts from."""

    pool_id: int
    start_param: str


@dataclass(slots=True)
class Target:
    """A member as /go serves it: the Location up to the start parameter, and the leads
    it took since the counter last harvested them."""

    served: Served
    location_prefix: str
    count: int = 0
    # Response headers by start parameter, for pools' default ones only (few, bounded).
    headers: dict[str, CIMultiDict[str]] = field(default_factory=dict)


class RoutingTable:
    def __init__(
        self,
        sessions: Sessions,
        counter: RedirectCounter,
        *,
        reload_interval_s: float = DEFAULT_RELOAD_INTERVAL_S,
    ) -> None:
        self._sessions = sessions
        self._counter = counter
        self.reload_interval_s = reload_interval_s
        self.links: dict[str, Link] = {}
        self.pools: dict[int, PoolState] = {}
        self.targets: dict[int, dict[int, Target]] = {}
        self.cursors: dict[int, Cursor] = {}  # by pool id, kept across reloads
        self.plans: dict[int, Plan] = {}  # by the pool id a lead asks for
        self._plans_until = math.inf  # time.time() when a breaker expires: plan again
        self.hour_counts: dict[int, int] = {}  # bot id -> redirects in the last hour
        self._least_connections = False  # kept up to date only while a pool reads it
        self.bot_statuses: dict[str, int] = {}
        self.labels: dict[Served, tuple[str, str]] = {}  # for /metrics: slug, username
        self.loaded_at: float | None = None  # time.monotonic() of the last good load
        self.reload_failures = 0
        self._requested = 0
        self._covered = 0
        self._lock = asyncio.Lock()

    def pick(self, link: Link, *, take_turn: bool = True) -> Target | None:
        """The member that gets this lead, following fallback pools; None means 503.
        Without `take_turn` (previews) the strategy is asked with a scratch cursor,
        so crawlers never shift whose turn it is."""
        if time.time() >= self._plans_until:
            self._plan()
        plan = self.plans.get(link.pool_id)
        if plan is None:
            return None
        pool_id = plan.pool.pool_id
        if take_turn:
            cursor = self.cursors.get(pool_id)
            if cursor is None:
                cursor = self.cursors[pool_id] = Cursor()
        else:
            cursor = Cursor()
        member = take(plan, cursor, hour_counts=self.hour_counts)
        return self.targets[pool_id][member.bot_id]

    def _plan(self, now: datetime | None = None) -> None:
        """Work out every pool's choices again, from the current states."""
        plans, expires = plan_routes(self.pools, now or datetime.now(UTC))
        self.plans = plans
        self._plans_until = math.inf if expires is None else expires.timestamp()

    def served(self, target: Target) -> None:
        """Count a lead: on its target (harvested by the counter) and in the last hour's
        figures least-connections reads."""
        target.count += 1
        if self._least_connections:
            bot_id = target.served[1]
            self.hour_counts[bot_id] = self.hour_counts.get(bot_id, 0) + 1

    def take_counts(self) -> dict[Served, int]:
        """The leads each target took since the last call."""
        taken: dict[Served, int] = {}
        for by_bot in self.targets.values():
            for target in by_bot.values():
                if target.count:
                    taken[target.served] = target.count
                    target.count = 0
        return taken

    async def load(self) -> None:
        """Read every pool, member, bot status and last-hour count; swap them in at once."""
        now = datetime.now(UTC)
        async with self._sessions() as session:
            states = [state for _pool, state in await pools.all_states(session)]
            last_hour = await counts.per_bot_last_hour(session, now)
            statuses = Counter(bot.status for bot in await bots.all_bots(session))
        self._counter.add(self.take_counts())  # the old targets' counts, before they go
        hour_counts: dict[int, int] = {}
        for (_pool_id, bot_id), n in last_hour.items():
            hour_counts[bot_id] = hour_counts.get(bot_id, 0) + n
        for (_pool_id, bot_id, _hour), n in self._counter.unflushed().items():
            hour_counts[bot_id] = hour_counts.get(bot_id, 0) + n
        targets: dict[int, dict[int, Target]] = {}
        for state in states:
            targets[state.pool_id] = {
                m.bot_id: Target(
                    (state.pool_id, m.bot_id), f"https://t.me/{quote(m.username, safe='')}?start="
                )
                for m in state.members
            }
            for m in state.members:
                self.labels[(state.pool_id, m.bot_id)] = (state.slug, m.username)
        self.pools = {state.pool_id: state for state in states}
        self._plan(now)
        self.targets = targets
        self.links = {s.slug: Link(s.pool_id, s.start_param) for s in states if s.is_active}
        self.hour_counts = hour_counts
        self._least_connections = any(s.strategy is Strategy.LEAST_CONNECTIONS for s in states)
        self.bot_statuses = {status.value: statuses[status.value] for status in BotStatus}
        self.cursors = {pid: c for pid, c in self.cursors.items() if pid in self.pools}
        self.loaded_at = time.monotonic()

    async def refresh(self) -> None:
        """Reload now (the ON_CHANGE hook). Concurrent calls share one reload; a call
        made while a reload is running gets a fresh one after it, so a change committed
        before the call is always seen. A failed reload is logged, never raised: the
        caller's change is committed and the periodic reload picks it up."""
        self._requested += 1
        ticket = self._requested
        async with self._lock:
            if self._covered >= ticket:
                return
            covers = self._requested
            try:
                await self.load()
            except Exception:
                self.reload_failures += 1
                log.exception("routing table reload failed; serving the previous one")
                return
            self._covered = covers

    async def run(self) -> None:
        """Reload every interval, so that changes made by another process are followed."""
        while True:
            await asyncio.sleep(self.reload_interval_s)
            await self.refresh()
