"""The routing table: every pool as /go needs it, in memory, so that choosing a bot
never waits for the database. Rebuilt on demand (ON_CHANGE) and every few seconds."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from multidict import CIMultiDict

from core.domain import PoolState, Strategy
from core.plans import Plan, plan_routes, take
from core.strategies import Cursor
from redirect_server.counter import RedirectCounter, Served
from storage.db import Sessions
from storage.repos import bots, counts, pools

log = logging.getLogger(__name__)

DEFAULT_RELOAD_INTERVAL_S = 4.0  # replicas follow a change within 5 s (SPEC §7)


@dataclass(slots=True)
class Target:
    """A member as /go serves it: the Location up to the start parameter, and the leads
    it took since the counter last harvested them."""

    served: Served
    location_prefix: str
    count: int = 0
    # Response headers by start parameter, for pools' default ones only (few, bounded).
    headers: dict[str, CIMultiDict[str]] = field(default_factory=dict)


class Route:
    """An active pool's public link as /go serves it: the plan that serves it (its own
    pool's or a fallback's), that pool's cursor and targets, all resolved when planning,
    so that a lead costs one call."""

    __slots__ = (
        "pool_id", "start_param", "_plan", "_cursor", "_targets", "_hour_counts", "_after"
    )  # fmt: skip

    def __init__(
        self,
        pool: PoolState,
        plan: Plan | None,
        cursor: Cursor,
        targets: dict[int, Target],
        hour_counts: dict[int, int] | None,
    ) -> None:
        self.pool_id = pool.pool_id
        self.start_param = pool.start_param
        self._plan = plan
        self._cursor = cursor
        self._targets = targets
        self._hour_counts = hour_counts  # None unless a pool reads them (least connections)
        # Round robin, the default, is stepped here without a call: the target after each
        # bot, which is what `take` chooses while the cursor follows this plan.
        self._after: dict[int | None, Target] | None = None
        if plan is not None and plan.pool.strategy is Strategy.ROUND_ROBIN:
            self._after = {last: targets[m.bot_id] for last, m in plan.next_after.items()}

    def take(self) -> Target | None:
        """The member that gets this lead, counted; None means 503."""
        plan = self._plan
        if plan is None:
            return None
        cursor, after = self._cursor, self._after
        target = None
        if after is not None and cursor.order is plan.order:
            target = after.get(cursor.last_bot_id)
        if target is None:
            target = self._targets[take(plan, cursor, self._hour_counts).bot_id]
        else:
            cursor.last_bot_id = target.served[1]
        target.count += 1
        hour_counts = self._hour_counts
        if hour_counts is not None:  # least connections counts a bot across its pools
            bot_id = target.served[1]
            hour_counts[bot_id] = hour_counts.get(bot_id, 0) + 1
        return target

    def peek(self) -> Target | None:
        """Where a lead would go, asked with a scratch cursor: crawlers never shift
        whose turn it is, and are not counted."""
        plan = self._plan
        if plan is None:
            return None
        return self._targets[take(plan, Cursor(), self._hour_counts).bot_id]


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
        self.routes: dict[str, Route] = {}  # by slug, active pools only
        self.pools: dict[int, PoolState] = {}
        self.targets: dict[int, dict[int, Target]] = {}
        self.cursors: dict[int, Cursor] = {}  # by pool id, kept across reloads
        self.hour_counts: dict[int, int] = {}  # bot id -> redirects in the last hour
        self._least_connections = False  # hour_counts kept up only while a pool reads them
        self._replan: asyncio.TimerHandle | None = None
        self.bot_statuses: dict[str, int] = {}
        self.labels: dict[Served, tuple[str, str]] = {}  # for /metrics: slug, username
        self.loaded_at: float | None = None  # time.monotonic() of the last good load
        self.reload_failures = 0
        self._requested = 0
        self._covered = 0
        self._lock = asyncio.Lock()

    def plan(self, now: datetime | None = None) -> None:
        """Work out every link's route again from the current states. The only thing
        in them that changes by itself is a breaker running out, so a timer plans again
        at the first such moment: /go never has to look at the clock."""
        plans, expires = plan_routes(self.pools, now or datetime.now(UTC))
        hour_counts = self.hour_counts if self._least_connections else None
        routes: dict[str, Route] = {}
        for pool in self.pools.values():
            if not pool.is_active:
                continue
            plan = plans.get(pool.pool_id)
            serving = pool.pool_id if plan is None else plan.pool.pool_id
            cursor = self.cursors.get(serving)
            if cursor is None:
                cursor = self.cursors[serving] = Cursor()
            routes[pool.slug] = Route(
                pool, plan, cursor, self.targets.get(serving, {}), hour_counts
            )
        self.routes = routes
        self.close()
        if expires is not None:
            delay = max(0.0, expires.timestamp() - time.time())
            self._replan = asyncio.get_running_loop().call_later(delay, self.plan)

    def close(self) -> None:
        """Cancel the pending re-plan (the app is stopping, or a new plan replaces it)."""
        if self._replan is not None:
            self._replan.cancel()
            self._replan = None

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
            statuses = await bots.count_by_status(session)
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
        self.targets = targets
        self.hour_counts = hour_counts
        self._least_connections = any(s.strategy is Strategy.LEAST_CONNECTIONS for s in states)
        self.bot_statuses = {status.value: n for status, n in statuses.items()}
        self.cursors = {pid: c for pid, c in self.cursors.items() if pid in self.pools}
        self.plan(now)
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
