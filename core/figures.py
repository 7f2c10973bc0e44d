"""The figures of a pool's status: the pool card of the control bot and
GET /api/redirect-pools/{pool_id}/status show the same numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from core.domain import PoolState, capacity, pool_health


@dataclass(frozen=True, slots=True)
class PoolStatus:
    health: int  # percent of enabled members that are online
    online_bots: int
    total_bots: int  # enabled members
    redirects_hour: int
    capacity_hour: int
    capacity_used: float  # percent, one decimal
    bot_redirects: Mapping[int, int]  # bot id -> redirects of this pool in the last hour


def pool_status(
    pool: PoolState, redirects: Mapping[int, int], now: datetime, per_bot_capacity: int
) -> PoolStatus:
    """`redirects` maps bot id to the pool's redirects in the last hour; bots that left
    the pool still count toward the pool's total, since those leads were sent."""
    health = pool_health(pool, now)
    redirects_hour = sum(redirects.values())
    capacity_hour, used = capacity(health.online, redirects_hour, per_bot_capacity)
    return PoolStatus(
        health=health.percent,
        online_bots=health.online,
        total_bots=health.total,
        redirects_hour=redirects_hour,
        capacity_hour=capacity_hour,
        capacity_used=used,
        bot_redirects={m.bot_id: redirects.get(m.bot_id, 0) for m in pool.members},
    )
