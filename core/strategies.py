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


def candidates(pool: PoolState, now: datetime) -> list[MemberState]:
    """Enabled members out of any breaker: the online ones of the highest priority tier,
    or, when no tier has an online bot, the degraded ones of theirs."""
    usable = [m for m in pool.members if m.is_enabled and not m.in_breaker(now)]
    for status in (BotStatus.ONLINE, BotStatus.DEGRADED):
        group = [m for m in usable if m.status is status]
        if group:
            top = max(m.priority for m in group)
            return [m for m in group if m.priority == top]
    return []


def _round_robin(pool: PoolState, group: list[MemberState], cursor: Cursor) -> MemberState:
    last = cursor.last_bot_id
    if last is not None and len(group) > 1:
        ids = {m.bot_id for m in group}
        after = False
        for member in pool.members:
            if after and member.bot_id in ids:
                return member
            after = after or member.bot_id == last
    return group[0]


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
    return chosen


def route(
    pools: Mapping[int, PoolState],
    pool_id: int,
    cursors: MutableMapping[int, Cursor],
    now: datetime,
    *,
    hour_counts: Mapping[int, int] | None = None,
    rng: random.Random | None = None,
) -> tuple[PoolState, MemberState] | None:
    """Choose in the pool, then down its chain of active fallback pools; None means 503."""
    seen: set[int] = set()
    current: int | None = pool_id
    while current is not None and current not in seen:
        seen.add(current)
        pool = pools.get(current)
        if pool is None or (not pool.is_active and current != pool_id):
            return None
        cursor = cursors.get(current)
        if cursor is None:
            cursor = cursors[current] = Cursor()
        member = choose(pool, cursor, now, hour_counts=hour_counts, rng=rng)
        if member is not None:
            return pool, member
        current = pool.fallback_pool_id
    return None
