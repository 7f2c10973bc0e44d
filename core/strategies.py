"""Choosing a bot for a lead (SPEC §5): pure functions of a pool's state and its cursor.

The cursor is the only memory a strategy has between picks (whose turn it is, the
smooth-weighted counters); the caller keeps one per pool and passes it back in.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.domain import BotStatus, MemberState, PoolState, Strategy


@dataclass(slots=True)
class Cursor:
    last_bot_id: int | None = None
    weights_key: tuple[tuple[int, int], ...] = ()
    current: dict[int, float] = field(default_factory=dict)
    # The pool's member order at the last pick: where to go on from a bot that has
    # since left the pool.
    order: tuple[int, ...] = ()
    # Slow start (core.plans): each ramping member's credit toward its next turn.
    credit: dict[int, float] = field(default_factory=dict)


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


def round_robin_turn(pool: PoolState, group: Sequence[MemberState], cursor: Cursor) -> MemberState:
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


def weighted_turn(
    group: Sequence[MemberState], key: tuple[tuple[int, int], ...], total: int, cursor: Cursor
) -> MemberState:
    """Smooth weighted round robin over `group`, whose (bot id, weight) pairs are `key`
    and whose weights sum to `total`. The counters start afresh when the key changes."""
    if cursor.weights_key is not key:
        if key != cursor.weights_key:
            cursor.current = {bot_id: 0 for bot_id, _weight in key}
        cursor.weights_key = key
    current = cursor.current
    best: MemberState | None = None
    best_current = 0
    for member in group:
        value = current[member.bot_id] = current[member.bot_id] + member.weight
        if best is None or value > best_current:
            best, best_current = member, value
    assert best is not None
    current[best.bot_id] -= total
    return best


def least_connections_turn(
    pool: PoolState,
    group: Sequence[MemberState],
    cursor: Cursor,
    hour_counts: Mapping[int, int] | None,
) -> MemberState:
    """The member of `group` with the fewest redirects in the last hour; ties in turn."""
    counts = hour_counts or {}
    fewest = min(counts.get(m.bot_id, 0) for m in group)
    tied = [m for m in group if counts.get(m.bot_id, 0) == fewest]
    return round_robin_turn(pool, tied, cursor)


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
        key = tuple((m.bot_id, m.weight) for m in group)
        chosen = weighted_turn(group, key, sum(m.weight for m in group), cursor)
    elif pool.strategy is Strategy.RANDOM:
        chosen = (rng or random).choice(group)
    elif pool.strategy is Strategy.LEAST_CONNECTIONS:
        chosen = least_connections_turn(pool, group, cursor, hour_counts)
    else:
        chosen = round_robin_turn(pool, group, cursor)
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
    """Choose in the pool, then down its chain of fallback pools; None means 503."""
    for pool in fallback_chain(pools, pool_id):
        cursor = cursors.get(pool.pool_id)
        if cursor is None:
            cursor = cursors[pool.pool_id] = Cursor()
        member = choose(pool, cursor, now, hour_counts=hour_counts, rng=rng)
        if member is not None:
            return pool, member
    return None


def fallback_chain(pools: Mapping[int, PoolState], pool_id: int) -> Iterator[PoolState]:
    """The pools that may serve a lead sent to `pool_id`, in order: the pool itself, then
    down its fallbacks, a paused one passed over (its own fallback still followed). A
    missing pool or a loop of fallbacks ends the chain."""
    seen: set[int] = set()
    current: int | None = pool_id
    while current is not None and current not in seen:
        seen.add(current)
        pool = pools.get(current)
        if pool is None:
            return
        if pool.is_active or current == pool_id:
            yield pool
        current = pool.fallback_pool_id
