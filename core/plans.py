"""Plans: what `core.strategies.route` would do, worked out once per pool state
rather than per lead, so the redirect server's hot path only takes the strategy's step.
Pure, like the strategies; tests prove plan-based picks equal `route`'s.

Two things `route` does not know are planned here too. Slow start (core.ramp): a plan
names the members that ramp, and `take` gives each the share of its turns it has
reached. Hourly caps (core.caps): `take` passes over the members the caller names as
full, and a plan keeps its pool's lower tiers for when the whole group is."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from core.domain import MemberState, PoolState, Strategy
from core.ramp import Ramps, SlowStart, ramps_of
from core.strategies import (
    Cursor,
    candidates,
    fallback_chain,
    least_connections_turn,
    round_robin_turn,
    weighted_turn,
)


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
    # The members of `group` that ramp (None: none does; `take` needs no clock).
    ramps: Ramps | None = None
    # The pool's lower tiers of the group's kind (online or degraded), best first: where
    # a lead goes when every member of the group is at its cap.
    tiers: tuple[tuple[MemberState, ...], ...] = ()


def _plan(pool: PoolState, group: list[MemberState], ramps: Ramps | None, now: datetime) -> Plan:
    next_after: dict[int | None, MemberState] = {None: group[0]}
    for member in pool.members:
        next_after[member.bot_id] = round_robin_turn(pool, group, Cursor(last_bot_id=member.bot_id))
    return Plan(
        pool,
        tuple(group),
        tuple(m.bot_id for m in pool.members),
        next_after,
        tuple((m.bot_id, m.weight) for m in group),
        sum(m.weight for m in group),
        ramps,
        _lower_tiers(pool, group, now),
    )


def _lower_tiers(
    pool: PoolState, group: list[MemberState], now: datetime
) -> tuple[tuple[MemberState, ...], ...]:
    kind, top = group[0].status, group[0].priority
    tiers: dict[int, list[MemberState]] = {}
    for member in pool.members:
        if (
            member.status is kind
            and member.priority < top
            and member.is_enabled
            and not member.in_breaker(now)
        ):
            tiers.setdefault(member.priority, []).append(member)
    return tuple(tuple(tiers[priority]) for priority in sorted(tiers, reverse=True))


def plan_pool(
    pool: PoolState, now: datetime, slow_start: SlowStart | None = None
) -> tuple[Plan | None, datetime | None]:
    """One pool's own plan at `now` (None: no candidate) and the first moment it stops
    holding: the first breaker of its members to expire or the first ramp to end (None:
    until its state changes)."""
    expires: datetime | None = None
    for member in pool.members:
        until = member.breaker_until
        if until is not None and now < until and (expires is None or until < expires):
            expires = until
    group = candidates(pool, now)
    if not group:
        return None, expires
    ramps, ramp_ends = ramps_of(group, now.timestamp(), slow_start)
    if ramp_ends is not None:
        ends = datetime.fromtimestamp(ramp_ends, now.tzinfo)
        if expires is None or ends < expires:
            expires = ends
    return _plan(pool, group, ramps, now), expires


def serving_plan(
    pools: Mapping[int, PoolState], groups: Mapping[int, Plan], pool_id: int
) -> Plan | None:
    """The plan `route` follows for a lead sent to `pool_id`: the first pool down its
    fallback chain that has one (None: 503)."""
    serving = next((p for p in fallback_chain(pools, pool_id) if p.pool_id in groups), None)
    return None if serving is None else groups[serving.pool_id]


def plan_routes(
    pools: Mapping[int, PoolState], now: datetime, slow_start: SlowStart | None = None
) -> tuple[dict[int, Plan], datetime | None]:
    """For each pool id, the plan `route` follows at `now` (absent: 503), and the moment
    these plans stop holding: the first breaker to expire or ramp to end, the only
    things in a pool's state that change by themselves. None: they hold until the state
    changes."""
    groups: dict[int, Plan] = {}
    expires: datetime | None = None
    for pool in pools.values():
        plan, until = plan_pool(pool, now, slow_start)
        if until is not None and (expires is None or until < expires):
            expires = until
        if plan is not None:
            groups[pool.pool_id] = plan
    plans: dict[int, Plan] = {}
    for pool_id in pools:
        plan = serving_plan(pools, groups, pool_id)
        if plan is not None:
            plans[pool_id] = plan
    return plans, expires


def take(
    plan: Plan,
    cursor: Cursor,
    hour_counts: Mapping[int, int] | None = None,
    rng: random.Random | None = None,
    *,
    now: float | None = None,
    full: Collection[int] = (),
) -> MemberState:
    """The member of a planned pool that takes the next lead: `choose` without working
    out the candidates again. `cursor` is the serving pool's (plan.pool). `now` (epoch
    seconds) gives ramping members their share (None: the plan's ramps are ignored);
    the members in `full` (bot ids, at their hourly cap) are passed over, and must
    leave one of the group."""
    strategy = plan.pool.strategy
    if full or (now is not None and plan.ramps is not None):
        chosen = _take_among(plan, cursor, hour_counts, rng, now, full)
    elif strategy is _ROUND_ROBIN:
        chosen = plan.next_after.get(cursor.last_bot_id)
        if chosen is None:  # the last bot left the pool
            chosen = round_robin_turn(plan.pool, plan.group, cursor)
    elif strategy is _WEIGHTED:
        chosen = weighted_turn(plan.group, plan.weights_key, plan.total_weight, cursor)
    elif strategy is _RANDOM:
        chosen = (rng or random).choice(plan.group)
    else:
        chosen = least_connections_turn(plan.pool, plan.group, cursor, hour_counts)
    cursor.last_bot_id = chosen.bot_id
    if cursor.order is not plan.order:
        cursor.order = plan.order
    return chosen


def _take_among(
    plan: Plan,
    cursor: Cursor,
    hour_counts: Mapping[int, int] | None,
    rng: random.Random | None,
    now: float | None,
    full: Collection[int],
) -> MemberState:
    """`take` when members ramp or are full: each strategy's step over the members with
    room, giving a ramping member its share of what would be its turns."""
    group: Sequence[MemberState] = plan.group
    if full:
        group = [m for m in group if m.bot_id not in full]
        assert group, "take() needs a member with room"
    ramps = plan.ramps
    shares = ramps.shares(group, now) if ramps is not None and now is not None else {}
    strategy = plan.pool.strategy
    if strategy is _WEIGHTED:
        return _weighted_share(plan, group, cursor, shares)
    if strategy is _RANDOM:
        if not shares:
            return (rng or random).choice(group)
        weights = [shares.get(m.bot_id, 1.0) for m in group]
        return (rng or random).choices(group, weights)[0]
    if strategy is _ROUND_ROBIN:
        return _in_turn(plan.pool, group, cursor, shares)
    return _in_turn(plan.pool, _fewest(group, hour_counts, shares), cursor, shares)


def _in_turn(
    pool: PoolState, group: Sequence[MemberState], cursor: Cursor, shares: Mapping[int, float]
) -> MemberState:
    """Round robin over `group` where a ramping member takes its share of its turns (a
    deterministic credit: it takes the turn once the share it has added up reaches a
    whole lead); a turn it lets pass goes to the next in turn. The group's largest share
    is whole, so some turn is always taken."""
    turn = round_robin_turn(pool, group, cursor)
    if not shares:
        return turn
    credit = cursor.credit
    for _ in range(len(group)):
        share = shares.get(turn.bot_id)
        if share is None:
            return turn
        banked = credit.get(turn.bot_id, 0.5) + share
        if banked >= 1.0:
            credit[turn.bot_id] = banked - 1.0
            return turn
        credit[turn.bot_id] = banked
        cursor.last_bot_id = turn.bot_id
        turn = round_robin_turn(pool, group, cursor)
    return max(group, key=lambda m: shares.get(m.bot_id, 1.0))


def _fewest(
    group: Sequence[MemberState],
    hour_counts: Mapping[int, int] | None,
    shares: Mapping[int, float],
) -> list[MemberState]:
    """Least connections' ties. A ramping member counts at least as many redirects as
    the fewest of the others, so that, back with none, it does not take every lead: it
    joins the ties and takes its share of its turns among them."""
    counts = hour_counts or {}
    floor = min((counts.get(m.bot_id, 0) for m in group if m.bot_id not in shares), default=0)
    seen = [
        (max(counts.get(m.bot_id, 0), floor) if m.bot_id in shares else counts.get(m.bot_id, 0))
        for m in group
    ]
    fewest = min(seen)
    return [m for m, n in zip(group, seen, strict=True) if n == fewest]


def _weighted_share(
    plan: Plan, group: Sequence[MemberState], cursor: Cursor, shares: Mapping[int, float]
) -> MemberState:
    """Smooth weighted round robin over `group` with each member's weight scaled by its
    share, on the cursor's counters: members left out (full) keep theirs as they are."""
    key = plan.weights_key
    if cursor.weights_key is not key:
        if key != cursor.weights_key:
            cursor.current = {bot_id: 0 for bot_id, _weight in key}
        cursor.weights_key = key
    current = cursor.current
    best = group[0]
    best_value = total = 0.0
    for index, member in enumerate(group):
        weight = member.weight * shares.get(member.bot_id, 1.0)
        total += weight
        value = current[member.bot_id] = current[member.bot_id] + weight
        if index == 0 or value > best_value:
            best, best_value = member, value
    current[best.bot_id] -= total
    return best


_ROUND_ROBIN, _WEIGHTED, _RANDOM = Strategy.ROUND_ROBIN, Strategy.WEIGHTED, Strategy.RANDOM
