"""The figures of a pool's status: the pool card of the control bot and
GET /api/redirect-pools/{pool_id}/status show the same numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.caps import cap_of
from core.domain import BotStatus, PoolState, pool_health


@dataclass(frozen=True, slots=True)
class PoolStatus:
    health: int  # percent of enabled members that are online
    online_bots: int
    total_bots: int  # enabled members
    redirects_hour: int
    capacity_hour: int
    capacity_used: float  # percent, one decimal
    bot_redirects: Mapping[int, int]  # bot id -> redirects of this pool in the last hour


def hourly_capacity(pool: PoolState, now: datetime, per_bot: int) -> int:
    """Leads per hour the pool's online members can take, each at its own cap."""
    return sum(
        cap_of(m, per_bot)
        for m in pool.members
        if m.is_enabled and m.status is BotStatus.ONLINE and not m.in_breaker(now)
    )


def capacity_used(redirects_hour: int, capacity_hour: int) -> float:
    """The share of the capacity used, in percent with one decimal (100 with no capacity
    but traffic: every lead went over)."""
    if not capacity_hour:
        return 100.0 if redirects_hour else 0.0
    return round(100 * redirects_hour / capacity_hour, 1)


def is_ramping(ramp_from: datetime | None, now: datetime, window_s: float) -> bool:
    """Whether slow start still holds a member below its full share: it joined the pool
    or its bot came back from offline or banned (`ramp_from`) less than `window_s` ago."""
    if ramp_from is None or window_s <= 0:
        return False
    return now - ramp_from < timedelta(seconds=window_s)


def pool_status(
    pool: PoolState, redirects: Mapping[int, int], now: datetime, per_bot_capacity: int
) -> PoolStatus:
    """`redirects` maps bot id to the pool's redirects in the last hour; bots that left
    the pool still count toward the pool's total, since those leads were sent."""
    health = pool_health(pool, now)
    redirects_hour = sum(redirects.values())
    capacity_hour = hourly_capacity(pool, now, per_bot_capacity)
    return PoolStatus(
        health=health.percent,
        online_bots=health.online,
        total_bots=health.total,
        redirects_hour=redirects_hour,
        capacity_hour=capacity_hour,
        capacity_used=capacity_used(redirects_hour, capacity_hour),
        bot_redirects={m.bot_id: redirects.get(m.bot_id, 0) for m in pool.members},
    )


def ramping_bots(pool: PoolState, now: datetime, window_s: float) -> frozenset[int]:
    """The bot ids of the pool's members still ramping up (slow start)."""
    return frozenset(m.bot_id for m in pool.members if is_ramping(m.ramp_from, now, window_s))
