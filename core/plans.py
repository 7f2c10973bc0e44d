"""Plans: what `core.strategies.route` would do, worked out once per pool state
rather than per lead, so the redirect server's hot path only takes the strategy's step.
Pure, like the strategies; tests prove plan-based picks equal `route`'s."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.domain import MemberState, PoolState, Strategy
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


def _plan(pool: PoolState, group: list[MemberState]) -> Plan:
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
    )


def plan_pool(pool: PoolState, now: datetime) -> tuple[Plan | None, datetime | None]:
    """One pool's own plan at `now` (None: no candidate) and the first moment it stops
    holding: the first breaker of its members to expire (None: until its state changes)."""
    expires: datetime | None = None
    for member in pool.members:
        until = member.breaker_until
        if until is not None and now < until and (expires is None or until < expires):
            expires = until
    group = candidates(pool, now)
    return (_plan(pool, group) if group else None), expires


def serving_plan(
    pools: Mapping[int, PoolState], groups: Mapping[int, Plan], pool_id: int
) -> Plan | None:
    """The plan `route` follows for a lead sent to `pool_id`: the first pool down its
    fallback chain that has one (None: 503)."""
    serving = next((p for p in fallback_chain(pools, pool_id) if p.pool_id in groups), None)
    return None if serving is None else groups[serving.pool_id]


def plan_routes(
    pools: Mapping[int, PoolState], now: datetime
) -> tuple[dict[int, Plan], datetime | None]:
    """For each pool id, the plan `route` follows at `now` (absent: 503), and the moment
    these plans stop holding: the first breaker to expire, the only thing in a pool's
    state that changes by itself. None: they hold until the state changes."""
    groups: dict[int, Plan] = {}
    expires: datetime | None = None
    for pool in pools.values():
        plan, until = plan_pool(pool, now)
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
) -> MemberState:
    """The member of a planned pool that takes the next lead: `choose` without working
    out the candidates again. `cursor` is the serving pool's (plan.pool)."""
    strategy = plan.pool.strategy
    if strategy is _ROUND_ROBIN:
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


_ROUND_ROBIN, _WEIGHTED, _RANDOM = Strategy.ROUND_ROBIN, Strategy.WEIGHTED, Strategy.RANDOM
