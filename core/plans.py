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
        serving = next((p for p in fallback_chain(pools, pool_id) if p.pool_id in groups), None)
        if serving is not None:
            plans[pool_id] = groups[serving.pool_id]
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
