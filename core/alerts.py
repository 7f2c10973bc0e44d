"""The alert policy of SPEC §6 and §12: which changes an operator hears about, once per
change."""

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
    BACKEND_FAILING = "backend_failing"
    BACKEND_RECOVERED = "backend_recovered"
    POOL_BUSY = "pool_busy"  # past BUSY_PERCENT of its hourly capacity: add bots
    POOL_FULL = "pool_full"  # at its hourly capacity


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


def backend_alert(old_error: str | None, new_error: str | None) -> AlertKind | None:
    """A backend that starts failing is told, and so is its recovery; a failing one whose
    reason changes is not news."""
    if old_error is None and new_error is not None:
        return AlertKind.BACKEND_FAILING
    if old_error is not None and new_error is None:
        return AlertKind.BACKEND_RECOVERED
    return None


BUSY_PERCENT = 80
FULL_PERCENT = 100
# Hysteresis: a full pool is full until it falls under this, a busy pool busy until it
# falls under OK_BELOW_PERCENT, so that a pool hovering at a threshold is told once.
FULL_UNTIL_PERCENT = 90
OK_BELOW_PERCENT = 70


class CapacityLevel(StrEnum):
    """How much of a pool's hourly capacity the last rolling hour used; the last level
    is stored with the pool (pools.capacity_level)."""

    OK = "ok"
    BUSY = "busy"
    FULL = "full"


def capacity_level(previous: CapacityLevel, used: int, capacity: int) -> CapacityLevel:
    """The level after `used` leads in the last hour of `capacity`. A pool with no
    capacity (no bot to route to) keeps its level: the empty-pool alert tells that."""
    if capacity <= 0:
        return previous
    percent = 100 * used / capacity
    if percent >= FULL_PERCENT:
        return CapacityLevel.FULL
    if previous is CapacityLevel.FULL and percent >= FULL_UNTIL_PERCENT:
        return CapacityLevel.FULL
    if percent >= BUSY_PERCENT:
        return CapacityLevel.BUSY
    if previous is not CapacityLevel.OK and percent >= OK_BELOW_PERCENT:
        return CapacityLevel.BUSY
    return CapacityLevel.OK


def capacity_alert(old: CapacityLevel, new: CapacityLevel) -> AlertKind | None:
    """Rising is told (busy: add bots; full); falling back is quiet."""
    if new is CapacityLevel.FULL and old is not CapacityLevel.FULL:
        return AlertKind.POOL_FULL
    if new is CapacityLevel.BUSY and old is CapacityLevel.OK:
        return AlertKind.POOL_BUSY
    return None
