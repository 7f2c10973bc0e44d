"""The routing table: every pool as /go needs it, in memory, so that choosing a bot
never waits for the database. Loaded whole at start; then it follows the routing
change log (storage.repos.changes): a change reloads and re-plans only the pools it
touched, and those that fall back to them, so its cost is that of the pools, not of
the installation. It learns of a change from its own process at once (ON_CHANGE), from
PostgreSQL's NOTIFY, and by polling the log about once a second."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from multidict import CIMultiDict

from core.caps import cap_of, has_room, least_loaded, take_with_room
from core.domain import PoolState, Strategy
from core.plans import Plan, plan_pool, serving_plan, take
from core.ramp import SlowStart
from core.strategies import Cursor, fallback_chain
from redirect_server.counter import RedirectCounter, Served, Taken
from storage.db import Sessions
from storage.repos import bots, changes, counts

log = logging.getLogger(__name__)

DEFAULT_RELOAD_INTERVAL_S = 1.0  # how often the change log is polled (SPEC §11: 2 s)
LOAD_CHUNK = 500  # pools read per query when loading everything
FIGURES_EVERY_S = 15.0  # bots by status (for /metrics) and last-hour counts, read again
GAP_GRACE_S = 30.0  # a hole in the log's ids this old is a rolled-back transaction
CATCH_UP_S = changes.KEEP.total_seconds() / 2  # behind longer: load everything again
NO_CAP = 1 << 62  # the hourly cap of a target that has none


@dataclass(slots=True)
class Target:
    """A member as /go serves it: the Location up to the start parameter, and the leads
    it took since the counter last harvested them."""

    served: Served
    location_prefix: str
    count: int = 0
    returning: int = 0  # of `count`, leads that came back to this bot (a sticky cookie)
    # Response headers by start parameter, for pools' default ones only (few, bounded).
    headers: dict[str, CIMultiDict[str]] = field(default_factory=dict)
    # A pool's fallback link (served is (pool id, 0)): `location_prefix` is the whole
    # Location, no start parameter added.
    link: bool = False
    # Leads per rolling hour the bot may take (its membership's or the default), counted
    # across all its pools.
    cap: int = NO_CAP


class Route:
    """An active pool's public link as /go serves it: the plan that serves it (its own
    pool's or a fallback's), that pool's cursor and targets, all resolved when planning,
    so that a lead costs one call.

    Hourly caps cost a lead a lookup and a compare in `loads` (bot id -> leads in the
    last hour, across its pools, shared by every route). A pick at its cap spills
    (core.caps): to a member of the serving pool with room, the most spare of its lower
    tiers, the same down its fallback pools, then the link's fallback URL, and with
    nowhere else to go to the least loaded member of the serving pool."""

    __slots__ = (
        "pool_id", "start_param", "sticky_s", "link", "_plan", "_cursor", "_targets",
        "_loads", "_after", "_routable", "_chain", "_chain_targets", "_default_cap",
        "_clock", "_read", "_full_at",
    )  # fmt: skip

    def __init__(
        self,
        pool: PoolState,
        plan: Plan | None,
        cursor: Cursor,
        targets: dict[int, Target],
        loads: dict[int, int] | None,
        link: Target | None = None,
        *,
        fallbacks: Iterable[tuple[Plan, Cursor, dict[int, Target]]] = (),
        default_cap: int = NO_CAP,
        clock: Callable[[], float] = time.time,
        loads_read: list[int] | None = None,
    ) -> None:
        self.pool_id = pool.pool_id
        self.start_param = pool.start_param
        self.sticky_s = pool.sticky_days * 86400  # 0: sticky leads off
        self.link = link  # where a lead goes when no bot can take it (None: the 503 page)
        self._plan = plan
        self._cursor = cursor
        self._targets = targets
        self._loads = {} if loads is None else loads
        self._default_cap = default_cap  # a member's cap when it has none of its own
        self._clock = clock  # read per lead only while members of the plan ramp
        # How many times `loads` was read afresh (the table's count; a load only grows in
        # between), and the read in which no bot of the chain had room: until the next,
        # a full chain's leads skip the search for room.
        self._read = [0] if loads_read is None else loads_read
        self._full_at = -1
        # Round robin, the default, is stepped here without a call: the target after each
        # bot, which is what `take` chooses while the cursor follows this plan.
        self._after: dict[int | None, Target] | None = None
        if plan is not None and plan.pool.strategy is Strategy.ROUND_ROBIN and plan.ramps is None:
            self._after = {last: targets[m.bot_id] for last, m in plan.next_after.items()}
        # The bots a returning lead may go back to: the serving pool's candidates.
        self._routable = frozenset(()) if plan is None else frozenset(m.bot_id for m in plan.group)
        # Where a lead spills when its pick is at its cap: the serving plan, then the
        # plans of the pools below it in the fallback chain.
        chain = [] if plan is None else [(plan, cursor, targets)]
        chain += [f for f in fallbacks if plan is None or f[0] is not plan]
        self._chain = tuple((p, c) for p, c, _t in chain)
        self._chain_targets = {p.pool.pool_id: t for p, _c, t in chain}

    def take(self) -> Target | None:
        """The member that gets this lead, counted; the fallback link when no bot can
        take it; None means 503."""
        plan = self._plan
        if plan is None:
            link = self.link
            if link is not None:
                link.count += 1
            return link
        cursor, after = self._cursor, self._after
        target = None
        if after is not None and cursor.order is plan.order:
            target = after.get(cursor.last_bot_id)
        if target is None:
            now = None if plan.ramps is None else self._clock()
            target = self._targets[take(plan, cursor, self._loads, now=now).bot_id]
        else:
            cursor.last_bot_id = target.served[1]
        loads = self._loads
        bot_id = target.served[1]
        load = loads.get(bot_id, 0)
        if load >= target.cap:
            return self._spill()
        loads[bot_id] = load + 1
        target.count += 1
        return target

    def _spill(self) -> Target:
        """Where a lead goes when the strategy's pick is at its cap (the class's rule)."""
        loads, default = self._loads, self._default_cap
        found = None
        read = self._read[0]
        if self._full_at != read:
            found = take_with_room(self._chain, loads, default, now=self._clock())
            if found is None:
                self._full_at = read
        if found is not None:
            plan, member = found
            target = self._chain_targets[plan.pool.pool_id][member.bot_id]
        elif self.link is not None:
            target = self.link
            target.count += 1
            return target
        else:
            assert self._plan is not None
            target = self._targets[least_loaded(self._plan.group, loads, default).bot_id]
        bot_id = target.served[1]
        loads[bot_id] = loads.get(bot_id, 0) + 1
        target.count += 1
        return target

    def stick(self, bot_id: int) -> Target | None:
        """The target of `bot_id` for a lead coming back to it, counted as returning,
        while that bot is routable here and has room, or is at its cap but no other bot
        the lead could spill to has any; None: route the lead as a new one."""
        if bot_id not in self._routable:
            return None
        target = self._targets[bot_id]
        loads = self._loads
        load = loads.get(bot_id, 0)
        if load >= target.cap and has_room(
            (plan for plan, _cursor in self._chain), loads, self._default_cap, bot_id
        ):
            return None
        loads[bot_id] = load + 1
        target.count += 1
        target.returning += 1
        return target  # whose turn it is for new leads stays as it was

    def peek(self) -> Target | None:
        """Where a lead would go, asked with a scratch cursor: crawlers never shift
        whose turn it is, and are not counted."""
        plan = self._plan
        if plan is None:
            return self.link
        return self._targets[take(plan, Cursor(), self._loads).bot_id]


def location_prefix(username: str) -> str:
    return f"https://t.me/{quote(username, safe='')}?start="


class RoutingTable:
    def __init__(
        self,
        sessions: Sessions,
        counter: RedirectCounter,
        *,
        reload_interval_s: float = DEFAULT_RELOAD_INTERVAL_S,
        hourly_capacity: int | None = None,
        slow_start: SlowStart | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`hourly_capacity`: the cap of a member that has none of its own (None: such
        members are not capped); `slow_start`: the ramp of members that join or come
        back (None: off); `clock`: what time it is, in epoch seconds."""
        self._sessions = sessions
        self._counter = counter
        self.reload_interval_s = reload_interval_s
        self._default_cap = NO_CAP if hourly_capacity is None else hourly_capacity
        self._slow_start = slow_start
        self._clock = clock
        self.routes: dict[str, Route] = {}  # by slug, active pools only
        self.pools: dict[int, PoolState] = {}
        self.targets: dict[int, dict[int, Target]] = {}
        self.links: dict[int, Target] = {}  # by pool id: the fallback links
        self.cursors: dict[int, Cursor] = {}  # by pool id, kept across reloads
        # Bot id -> leads in the last hour across its pools: read from the counts every
        # FIGURES_EVERY_S and counted up by /go in between (caps, least connections).
        self.hour_counts: dict[int, int] = {}
        self._loads_read = [0]  # times hour_counts was read afresh (a cell the routes share)
        self.bot_statuses: dict[str, int] = {}
        self.labels: dict[Served, tuple[str, str]] = {}  # for /metrics: slug, username
        self.loaded_at: float | None = None  # time.monotonic() of the last good load
        self.reload_failures = 0
        self.rebuilt = 0  # pools planned again since start (a change costs its pools)
        self.rerouted = 0  # links routed again: those pools and the ones falling back
        self._groups: dict[int, Plan] = {}  # each pool's own plan, when it has one
        self._expires: dict[int, datetime] = {}  # each pool's first breaker to end
        self._slugs: dict[int, str] = {}  # pool id -> its slug in `routes`
        self._bot_pools: dict[int, set[int]] = {}  # bot id -> the pools it is in
        self._fallen_from: dict[int, set[int]] = {}  # pool id -> pools falling back to it
        self._after = 0  # every logged change up to this id is applied
        self._applied: set[int] = set()  # and these above it
        self._gaps: dict[int, float] = {}  # missing ids above it, since when
        self._figures_at = 0.0
        self._replan: asyncio.TimerHandle | None = None
        self._requested = 0
        self._covered = 0
        self._lock = asyncio.Lock()

    # Loading

    async def load(self) -> None:
        """Read every pool (in chunks, yielding between them) and swap them in; then
        follow the change log from where it stood before the read."""
        async with self._sessions() as session:
            after = await changes.last_id(session)
            ids = await changes.pool_ids(session)
        states: list[PoolState] = []
        for chunk in changes.chunks(ids, LOAD_CHUNK):
            async with self._sessions() as session:
                states += await changes.routing_states(session, chunk)
            await asyncio.sleep(0)
        self._counter.add(self.take_counts())  # the old targets' counts, before they go
        for index in (
            self.targets, self.links, self.pools, self._groups, self._expires, self._slugs
        ):  # fmt: skip
            index.clear()
        self._bot_pools.clear()
        self._fallen_from.clear()
        self.routes = {}
        now = self._now()
        for state in states:
            self._put(state)
        await self._read_figures(now)
        self._replan_pools(set(self.pools), now)
        self.cursors = {pid: c for pid, c in self.cursors.items() if pid in self.pools}
        self._after, self._applied, self._gaps = after, set(), {}
        self.loaded_at = time.monotonic()

    async def follow(self) -> int:
        """Apply the changes logged since the last call; how many were applied. A table
        that could not follow for longer than the log is kept loads everything again."""
        if self.loaded_at is not None and time.monotonic() - self.loaded_at > CATCH_UP_S:
            await self.load()
            return 0
        async with self._sessions() as session:
            logged = await changes.after(session, self._after)
            fresh = [c for c in logged if c.change_id not in self._applied]
            pool_ids: set[int] = set()
            bot_ids: set[int] = set()
            for change in fresh:
                pool_ids |= change.pool_ids
                bot_ids |= change.bot_ids
            for bot_id in bot_ids:
                pool_ids |= self._bot_pools.get(bot_id, set())
            states = []
            for chunk in changes.chunks(sorted(pool_ids), LOAD_CHUNK):
                states += await changes.routing_states(session, chunk)
        now = self._now()
        if pool_ids:
            self._counter.add(self.take_counts(pool_ids))  # before their targets go
            found = {state.pool_id for state in states}
            for pool_id in pool_ids - found:
                self._drop(pool_id)
            for state in states:
                self._put(state)
            self._replan_pools(pool_ids, now)
        self._advance([c.change_id for c in fresh])
        if time.monotonic() - self._figures_at >= FIGURES_EVERY_S:
            await self._read_figures(now)
        self.loaded_at = time.monotonic()
        return len(fresh)

    def _advance(self, applied: list[int]) -> None:
        """Move the mark past every applied id; a hole left by a transaction that
        committed later is waited for (GAP_GRACE_S), one left by a rollback is not."""
        self._applied.update(applied)
        clock = time.monotonic()
        top = max(self._applied, default=self._after)
        for missing in range(self._after + 1, top):
            if missing not in self._applied:
                self._gaps.setdefault(missing, clock)
        while True:
            nxt = self._after + 1
            if nxt in self._applied:
                self._applied.discard(nxt)
            elif nxt in self._gaps and clock - self._gaps[nxt] >= GAP_GRACE_S:
                del self._gaps[nxt]
            else:
                break
            self._after = nxt
        for missing in [g for g in self._gaps if g <= self._after]:
            del self._gaps[missing]

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)

    async def _read_figures(self, now: datetime) -> None:
        """Bots by status for /metrics, and every bot's load in the last hour: what the
        database has (one aggregate) plus what was served here and not yet written,
        harvested at once so that nothing served before the swap is left out (but a
        flush that commits while the aggregate runs)."""
        async with self._sessions() as session:
            statuses = await bots.count_by_status(session)
            loads = await counts.per_bot_load(session, now)
        self.bot_statuses = {status.value: n for status, n in statuses.items()}
        self._counter.add(self.take_counts())
        for (_pool_id, bot_id, _hour), n in self._counter.unflushed().items():
            if bot_id:  # 0: a fallback link's leads
                loads[bot_id] = loads.get(bot_id, 0) + n
        self.hour_counts.clear()  # in place: the routes hold this dict
        self.hour_counts.update(loads)
        self._loads_read[0] += 1
        self._figures_at = time.monotonic()

    # The in-memory indexes

    def _put(self, state: PoolState) -> None:
        self._drop(state.pool_id, keep_cursor=True)
        pool_id = state.pool_id
        self.pools[pool_id] = state
        default_cap = self._default_cap
        self.targets[pool_id] = {
            m.bot_id: Target(
                (pool_id, m.bot_id),
                location_prefix(m.username),
                cap=cap_of(m, default_cap),
            )
            for m in state.members
        }
        if state.fallback_url is not None:
            self.links[pool_id] = Target((pool_id, 0), state.fallback_url, link=True)
        for m in state.members:
            self._bot_pools.setdefault(m.bot_id, set()).add(pool_id)
            self.labels[(pool_id, m.bot_id)] = (state.slug, m.username)
        if state.fallback_pool_id is not None:
            self._fallen_from.setdefault(state.fallback_pool_id, set()).add(pool_id)

    def _drop(self, pool_id: int, *, keep_cursor: bool = False) -> None:
        old = self.pools.pop(pool_id, None)
        self.targets.pop(pool_id, None)
        self.links.pop(pool_id, None)
        self._groups.pop(pool_id, None)
        self._expires.pop(pool_id, None)
        if not keep_cursor:
            self.cursors.pop(pool_id, None)
        self._unroute(pool_id)
        if old is None:
            return
        for m in old.members:
            holders = self._bot_pools.get(m.bot_id)
            if holders is not None:
                holders.discard(pool_id)
                if not holders:
                    del self._bot_pools[m.bot_id]
        if old.fallback_pool_id is not None:
            self._fallen_from.get(old.fallback_pool_id, set()).discard(pool_id)

    # Planning

    def plan(self, now: datetime | None = None) -> None:
        """Plan every pool again (a test that sets `pools` and `targets` by hand)."""
        for pool_id in list(self.pools):
            state = self.pools[pool_id]
            for m in state.members:
                self._bot_pools.setdefault(m.bot_id, set()).add(pool_id)
            if state.fallback_pool_id is not None:
                self._fallen_from.setdefault(state.fallback_pool_id, set()).add(pool_id)
        self._replan_pools(set(self.pools), now or self._now())

    def _replan_pools(self, changed: set[int], now: datetime) -> None:
        """Plan `changed` pools again, then the routes of every pool whose fallback
        chain reaches one of them. A breaker running out and a ramp ending are the only
        things in a pool's state that change by themselves, so a timer plans again at
        the first such moment: /go looks at the clock only for pools whose members
        ramp."""
        for pool_id in changed:
            state = self.pools.get(pool_id)
            if state is None:
                continue
            plan, expires = plan_pool(state, now, self._slow_start)
            if plan is None:
                self._groups.pop(pool_id, None)
            else:
                self._groups[pool_id] = plan
            if expires is None:
                self._expires.pop(pool_id, None)
            else:
                self._expires[pool_id] = expires
        reached = set(changed)
        frontier = list(changed)
        while frontier:
            for upstream in self._fallen_from.get(frontier.pop(), ()):
                if upstream not in reached:
                    reached.add(upstream)
                    frontier.append(upstream)
        for pool_id in reached:
            self._route(pool_id)
        self.rebuilt += len(changed)
        self.rerouted += len(reached)
        self._arm_timer()

    def _route(self, pool_id: int) -> None:
        state = self.pools.get(pool_id)
        self._unroute(pool_id)
        if state is None or not state.is_active:
            return
        plan = serving_plan(self.pools, self._groups, pool_id)
        serving = pool_id if plan is None else plan.pool.pool_id
        self.routes[state.slug] = Route(
            state,
            plan,
            self._cursor(serving),
            self.targets.get(serving, {}),
            self.hour_counts,
            self.links.get(pool_id),
            fallbacks=self._spill_chain(pool_id) if plan is not None else (),
            default_cap=self._default_cap,
            clock=self._clock,
            loads_read=self._loads_read,
        )
        self._slugs[pool_id] = state.slug

    def _cursor(self, pool_id: int) -> Cursor:
        cursor = self.cursors.get(pool_id)
        if cursor is None:
            cursor = self.cursors[pool_id] = Cursor()
        return cursor

    def _spill_chain(self, pool_id: int) -> list[tuple[Plan, Cursor, dict[int, Target]]]:
        """The plans down `pool_id`'s fallback chain, with their cursors and targets:
        where its leads spill when the bots that serve it are at their caps."""
        chain = []
        for pool in fallback_chain(self.pools, pool_id):
            plan = self._groups.get(pool.pool_id)
            if plan is not None:
                chain.append((plan, self._cursor(pool.pool_id), self.targets[pool.pool_id]))
        return chain

    def _unroute(self, pool_id: int) -> None:
        slug = self._slugs.pop(pool_id, None)
        route = self.routes.get(slug) if slug is not None else None
        if route is not None and route.pool_id == pool_id:
            del self.routes[slug]  # type: ignore[arg-type]

    def _arm_timer(self) -> None:
        self.close()
        if not self._expires:
            return
        first = min(self._expires.values())
        delay = max(0.0, first.timestamp() - self._clock())
        self._replan = asyncio.get_running_loop().call_later(delay, self._plans_expired)

    def _plans_expired(self) -> None:
        """A breaker ended or a ramp did: plan those pools again."""
        self._replan = None
        now = self._now()
        ended = {pool_id for pool_id, until in self._expires.items() if until <= now}
        self._replan_pools(ended, now)

    def close(self) -> None:
        """Cancel the pending re-plan (the app is stopping, or a new plan replaces it)."""
        if self._replan is not None:
            self._replan.cancel()
            self._replan = None

    def take_counts(self, pool_ids: Iterable[int] | None = None) -> Taken:
        """The leads each target (of `pool_ids`, or every one) took since the last call,
        with the returning ones among them; a fallback link's under (pool id, 0)."""
        taken = Taken()
        returning = taken.returning
        every = self.targets
        chosen = every.values() if pool_ids is None else (every.get(p, {}) for p in pool_ids)
        for by_bot in chosen:
            for target in by_bot.values():
                if target.count:
                    taken[target.served] = target.count
                    target.count = 0
                    if target.returning:
                        returning[target.served] = target.returning
                        target.returning = 0
        links = self.links
        for target in links.values() if pool_ids is None else map(links.get, pool_ids):
            if target is not None and target.count:  # served (pool id, 0): no bot took them
                taken[target.served] = target.count
                target.count = 0
        return taken

    # Following changes

    async def refresh(self) -> None:
        """Apply what the change log says now (the ON_CHANGE hook). Concurrent calls
        share one pass; a call made while one runs gets another after it, so a change
        committed before the call is always seen. A failure is logged, never raised:
        the caller's change is committed, and the next poll picks it up."""
        self._requested += 1
        ticket = self._requested
        async with self._lock:
            if self._covered >= ticket:
                return
            covers = self._requested
            try:
                await self.follow()
            except Exception:
                self.reload_failures += 1
                log.exception("routing table reload failed; serving the previous one")
                return
            self._covered = covers

    async def run(self, wake: asyncio.Event | None = None) -> None:
        """Follow the log every interval, or at once when `wake` is set (a NOTIFY), so
        that changes made by another process are followed."""
        while True:
            if wake is None:
                await asyncio.sleep(self.reload_interval_s)
            else:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.reload_interval_s):
                        await wake.wait()
                wake.clear()
            await self.refresh()
