"""The alert policy of SPEC §6: which changes an operator hears about, once per change."""

from __future__ import annotations

from enum import StrEnum

from core.domain import BotStatus, PoolHealth
from core.health import StatusChange

CRITICAL_BELOW_PERCENT = 50


class AlertKind(StrEnum):
    BOT_OFFLINE = "bot_offline"
    BOT_BANNED = "bot_banned"
    BOT_RECOVERED = "bot_recovered"
    BOT_UNDECRYPTABLE = "bot_undecryptable"
    POOL_CRITICAL = "pool_critical"
    POOL_HEALTHY = "pool_healthy"
    POOL_EMPTY = "pool_empty"


class PoolLevel(StrEnum):
    """A pool's alerting level; the last one alerted is stored with the pool."""

    IDLE = "idle"  # no enabled member: nothing to watch
    HEALTHY = "healthy"
    CRITICAL = "critical"
    EMPTY = "empty"


_DOWN = (BotStatus.OFFLINE, BotStatus.BANNED)


def bot_alert(change: StatusChange) -> AlertKind | None:
    """Offline and banned are told; so is the way back to online from either.
    `degraded` (one failed probe) stays quiet: it is routed around, not alarming."""
    if change.new is BotStatus.BANNED:
        return AlertKind.BOT_BANNED
    if change.new is BotStatus.OFFLINE and change.old not in _DOWN:
        return AlertKind.BOT_OFFLINE
    if change.new is BotStatus.ONLINE and change.old in _DOWN:
        return AlertKind.BOT_RECOVERED
    return None


def pool_level(health: PoolHealth) -> PoolLevel:
    if health.total == 0:
        return PoolLevel.IDLE
    if health.servable == 0:
        return PoolLevel.EMPTY
    if 100 * health.online < CRITICAL_BELOW_PERCENT * health.total:  # exact, not rounded
        return PoolLevel.CRITICAL
    return PoolLevel.HEALTHY


def pool_alert(old: PoolLevel, new: PoolLevel) -> AlertKind | None:
    """A level change is told once; filling an idle pool or emptying it by hand is not."""
    if old is new or new is PoolLevel.IDLE:
        return None
    if new is PoolLevel.HEALTHY:
        return None if old is PoolLevel.IDLE else AlertKind.POOL_HEALTHY
    return AlertKind.POOL_EMPTY if new is PoolLevel.EMPTY else AlertKind.POOL_CRITICAL
