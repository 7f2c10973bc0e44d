"""Choosing a bot for a lead (SPEC §5): pure functions of a pool's state and its cursor.

The cursor is the only memory a strategy has between picks (whose turn it is, the
smooth-weighted counters); the caller keeps one per pool and passes it back in.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from datetime import datetime

from core.domain import BotStatus, MemberState, PoolState, Strategy


@dataclass(slots=True)
class Cursor:
    last_bot_id: int | None = None
    weights_key: tuple[tuple[int, int], ...] = ()
    current: dict[int, int] = field(default_factory=dict)
    # The pool's member order at the last pick: where to go on from a bot that has
    # since left the pool.
    order: tuple[int, ...] = ()


_ONLINE, _DEGRADED = BotStatus.ONLINE, BotStatus.DEGRADED


def candidates(pool: PoolState, now: datetime) -> list[MemberState]:
    """Enabled members out of any breaker: the online ones of the highest priority tier,
    or, when no tier has an online bot, the degraded ones of theirs. One pass with no
    comprehensions: this runs for every lead."""
    group: list[MemberState] = []
    best_online, best_priority = False, None
    for member in pool.members:
        status = member.status
        if status is _ONLINE:
            online = True
        elif status is _DEGRADED:
            online = False
        else:
            continue
        if not member.is_enabled or (member.breaker_until and member.in_breaker(now)):
            continue
        priority = member.priority
        if (
            best_priority is None
            or online > best_online
            or (online == best_online and priority > best_priority)
        ):
            group = [member]
            best_online, best_priority = online, priority
        elif online == best_online and priority == best_priority:
            group.append(member)
    return group


def _round_robin(pool: PoolState, group: list[MemberState], cursor: Cursor) -> MemberState:
    """The first of `group` after the last pick in the pool's order, wrapping around."""
    last = cursor.last_bot_id
    if last is None or len(group) == 1:
        return group[0]
    members = pool.members
    # The usual case, in one pass without building sets: `group` keeps the pool's order.
    turn, seen_last = 0, False
    for member in members:
        if turn < len(group) and member.bot_id == group[turn].bot_id:
            if seen_last:
                return group[turn]
            turn += 1
        seen_last = seen_last or member.bot_id == last
    if seen_last:
        return group[0]
    order = [m.bot_id for m in members]
    if last in order:
        after = set(order[order.index(last) + 1 :])
    elif last in cursor.order:
        # The last bot left the pool: go on from where it stood; newcomers are last.
        before = set(cursor.order[: cursor.order.index(last)])
        after = {bot_id for bot_id in order if bot_id not in before}
    else:
        after = set()
    return next((m for m in group if m.bot_id in after), group[0])


def _weighted(group: list[MemberState], cursor: Cursor) -> MemberState:
    key = tuple((m.bot_id, m.weight) for m in group)
    if key != cursor.weights_key:
        cursor.weights_key = key
        cursor.current = {m.bot_id: 0 for m in group}
    current = cursor.current
    best: MemberState | None = None
    for member in group:
        current[member.bot_id] += member.weight
        if best is None or current[member.bot_id] > current[best.bot_id]:
            best = member
    assert best is not None
    current[best.bot_id] -= sum(m.weight for m in group)
    return best


def choose(
    pool: PoolState,
    cursor: Cursor,
    now: datetime,
    *,
    hour_counts: Mapping[int, int] | None = None,
    rng: random.Random | None = None,
) -> MemberState | None:
    """The member that takes the next lead, or None when the pool has none to give."""
    group = candidates(pool, now)
    if not group:
        return None
    if pool.strategy is Strategy.WEIGHTED:
        chosen = _weighted(group, cursor)
    elif pool.strategy is Strategy.RANDOM:
        chosen = (rng or random).choice(group)
    elif pool.strategy is Strategy.LEAST_CONNECTIONS:
        counts = hour_counts or {}
        fewest = min(counts.get(m.bot_id, 0) for m in group)
        tied = [m for m in group if counts.get(m.bot_id, 0) == fewest]
        chosen = _round_robin(pool, tied, cursor)
    else:
        chosen = _round_robin(pool, group, cursor)
    cursor.last_bot_id = chosen.bot_id
    if not _same_order(cursor.order, pool.members):
        cursor.order = tuple(m.bot_id for m in pool.members)
    return chosen


def _same_order(order: tuple[int, ...], members: tuple[MemberState, ...]) -> bool:
    if len(order) != len(members):
        return False
    for bot_id, member in zip(order, members, strict=True):  # noqa: SIM110 (no generator frame)
        if bot_id != member.bot_id:
            return False
    return True


def route(
    pools: Mapping[int, PoolState],
    pool_id: int,
    cursors: MutableMapping[int, Cursor],
    now: datetime,
    *,
    hour_counts: Mapping[int, int] | None = None,
    rng: random.Random | None = None,
) -> tuple[PoolState, MemberState] | None:
    """Choose in the pool, then down its chain of fallback pools (a paused one is passed
    over, its own fallback still followed); None means 503. A loop of fallbacks ends."""
    seen: set[int] = set()
    current: int | None = pool_id
    while current is not None and current not in seen:
        seen.add(current)
        pool = pools.get(current)
        if pool is None:
            return None
        if pool.is_active or current == pool_id:
            cursor = cursors.get(current)
            if cursor is None:
                cursor = cursors[current] = Cursor()
            member = choose(pool, cursor, now, hour_counts=hour_counts, rng=rng)
            if member is not None:
                return pool, member
        current = pool.fallback_pool_id
    return None


# Plans: what `route` would do, worked out once per pool state rather than per lead.


@dataclass(frozen=True, slots=True)
class Plan:
    """The pool that serves a lead sent to some pool (itself or down its fallbacks) and
    that pool's candidates, with the per-pick work of its strategy done in advance.
    Valid until the routing view changes or `plan_routes`' expiry passes."""

    pool: PoolState
    group: tuple[MemberState, ...]
    order: tuple[int, ...]  # the pool's member order, as cursors keep it
    next_after: dict[int | None, MemberState]  # round robin: the turn after each bot
    weights_key: tuple[tuple[int, int], ...]
    total_weight: int


def _plan(pool: PoolState, group: list[MemberState]) -> Plan:
    next_after: dict[int | None, MemberState] = {None: group[0]}
    for member in pool.members:
        next_after[member.bot_id] = _round_robin(pool, group, Cursor(last_bot_id=member.bot_id))
    return Plan(
        pool,
        tuple(group),
        tuple(m.bot_id for m in pool.members),
        next_after,
        tuple((m.bot_id, m.weight) for m in group),
        sum(m.weight for m in group),
    )


def plan_routes(
    pools: Mapping[int, PoolState], now: datetime
) -> tuple[dict[int, Plan], datetime | None]:
    """For each pool id, the plan `route` follows at `now` (absent: 503), and the moment
    these plans stop holding: the first breaker to expire, the only thing in a pool's
    state that changes by itself. None: they hold until the state changes."""
    groups: dict[int, Plan] = {}
    expires: datetime | None = None
    for pool in pools.values():
        for member in pool.members:
            until = member.breaker_until
            if until is not None and now < until and (expires is None or until < expires):
                expires = until
        group = candidates(pool, now)
        if group:
            groups[pool.pool_id] = _plan(pool, group)
    plans: dict[int, Plan] = {}
    for pool_id in pools:
        seen: set[int] = set()
        current: int | None = pool_id
        while current is not None and current not in seen:
            seen.add(current)
            pool = pools.get(current)
            if pool is None:
                break
            if (pool.is_active or current == pool_id) and current in groups:
                plans[pool_id] = groups[current]
                break
            current = pool.fallback_pool_id
    return plans, expires


def take(
    plan: Plan,
    cursor: Cursor,
    *,
    hour_counts: Mapping[int, int] | None = None,
    rng: random.Random | None = None,
) -> MemberState:
    """The member of a planned pool that takes the next lead: `choose` without working
    out the candidates again. `cursor` is the serving pool's (plan.pool)."""
    strategy = plan.pool.strategy
    if strategy is _ROUND_ROBIN:
        chosen = plan.next_after.get(cursor.last_bot_id)
        if chosen is None:  # the last bot left the pool
            chosen = _round_robin(plan.pool, list(plan.group), cursor)
    elif strategy is _WEIGHTED:
        chosen = _weighted_step(plan, cursor)
    elif strategy is _RANDOM:
        chosen = (rng or random).choice(plan.group)
    else:
        counts = hour_counts or {}
        group = plan.group
        fewest = min(counts.get(m.bot_id, 0) for m in group)
        tied = [m for m in group if counts.get(m.bot_id, 0) == fewest]
        chosen = _round_robin(plan.pool, tied, cursor)
    cursor.last_bot_id = chosen.bot_id
    if cursor.order is not plan.order:
        cursor.order = plan.order
    return chosen


_ROUND_ROBIN, _WEIGHTED, _RANDOM = Strategy.ROUND_ROBIN, Strategy.WEIGHTED, Strategy.RANDOM


def _weighted_step(plan: Plan, cursor: Cursor) -> MemberState:
    """`_weighted` with the key and the total worked out in advance."""
    key = plan.weights_key
    if cursor.weights_key is not key:
        if key != cursor.weights_key:
            cursor.current = {bot_id: 0 for bot_id, _weight in key}
        cursor.weights_key = key
    current = cursor.current
    best: MemberState | None = None
    best_current = 0
    for member in plan.group:
        value = current[member.bot_id] = current[member.bot_id] + member.weight
        if best is None or value > best_current:
            best, best_current = member, value
    assert best is not None
    current[best.bot_id] -= plan.total_weight
    return best
