"""SPEC §6 alerts: each change told once, nothing while a state holds; pool levels
around the 50% boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import permutations

import pytest

from core.alerts import AlertKind, PoolLevel, bot_alert, pool_alert, pool_level
from core.domain import BotStatus, MemberState, PoolHealth, PoolState, Strategy, pool_health
from core.health import HealthRules, HealthState, ProbeKind, ProbeOutcome, StatusChange, transition

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
RULES = HealthRules(breaker_cooldown_s=120, ban_after_failures=3)
ONLINE, DEGRADED, OFFLINE = BotStatus.ONLINE, BotStatus.DEGRADED, BotStatus.OFFLINE
BANNED, CHECKING = BotStatus.BANNED, BotStatus.CHECKING

OK = ProbeOutcome.ok(50.0)
AUTH = ProbeOutcome(ProbeKind.AUTH, "Unauthorized")
TIMEOUT = ProbeOutcome(ProbeKind.TRANSIENT, "timeout")
RATE_LIMITED = ProbeOutcome(ProbeKind.RATE_LIMITED, "429", retry_after_s=10)


def expected_bot_alert(old: BotStatus, new: BotStatus) -> AlertKind | None:
    if new is BANNED:
        return AlertKind.BOT_BANNED
    if new is OFFLINE and old is not BANNED:
        return AlertKind.BOT_OFFLINE
    if new is ONLINE and old in (OFFLINE, BANNED):
        return AlertKind.BOT_RECOVERED
    return None


@pytest.mark.parametrize(("old", "new"), list(permutations(BotStatus, 2)))
def test_offline_banned_and_recovered_are_told_and_nothing_else(
    old: BotStatus, new: BotStatus
) -> None:
    assert bot_alert(StatusChange(old, new)) is expected_bot_alert(old, new)


def alerts_over(outcomes: list[ProbeOutcome]) -> list[AlertKind]:
    """Drive one bot through the state machine and collect the alerts its changes send."""
    state, now, told = HealthState(ONLINE), NOW, []
    for outcome in outcomes:
        if state.next_probe_at is not None:
            now = max(now, state.next_probe_at)
        state, events = transition(state, outcome, now, RULES)
        for event in events:
            if isinstance(event, StatusChange) and (kind := bot_alert(event)) is not None:
                told.append(kind)
        now += timedelta(seconds=15)
    return told


def test_an_outage_is_told_once_however_long_it_lasts_and_its_end_once() -> None:
    outcomes = [OK, TIMEOUT, TIMEOUT, *[TIMEOUT] * 10, OK, OK, OK]
    assert alerts_over(outcomes) == [AlertKind.BOT_OFFLINE, AlertKind.BOT_RECOVERED]


def test_a_single_failed_probe_is_not_told() -> None:
    assert alerts_over([TIMEOUT, OK, TIMEOUT, OK, RATE_LIMITED, OK]) == []


def test_a_ban_is_told_once_and_so_is_the_recovery_after_a_re_check() -> None:
    outcomes = [AUTH, AUTH, AUTH, AUTH, AUTH, OK]
    assert alerts_over(outcomes) == [
        AlertKind.BOT_OFFLINE,
        AlertKind.BOT_BANNED,
        AlertKind.BOT_RECOVERED,
    ]


def test_a_rate_limit_during_an_outage_neither_ends_it_nor_repeats_it() -> None:
    outcomes = [TIMEOUT, TIMEOUT, RATE_LIMITED, TIMEOUT, RATE_LIMITED, OK]
    assert alerts_over(outcomes) == [AlertKind.BOT_OFFLINE, AlertKind.BOT_RECOVERED]


# pool levels


@pytest.mark.parametrize(
    ("online", "total", "servable", "level"),
    [
        (0, 0, 0, PoolLevel.IDLE),
        (4, 4, 4, PoolLevel.HEALTHY),
        (3, 4, 3, PoolLevel.HEALTHY),
        (2, 4, 2, PoolLevel.HEALTHY),  # exactly 50% is not below it
        (1, 2, 1, PoolLevel.HEALTHY),
        (5, 10, 5, PoolLevel.HEALTHY),
        (1, 3, 1, PoolLevel.CRITICAL),  # the seed's "33%"
        (1, 4, 1, PoolLevel.CRITICAL),
        (4, 9, 4, PoolLevel.CRITICAL),
        (99, 200, 99, PoolLevel.CRITICAL),  # 49.5% shows as 50 but is below
        (0, 3, 2, PoolLevel.CRITICAL),  # only degraded bots left: still serving
        (0, 3, 0, PoolLevel.EMPTY),
        (0, 1, 0, PoolLevel.EMPTY),
    ],
)
def test_pool_level_from_its_health(
    online: int, total: int, servable: int, level: PoolLevel
) -> None:
    assert pool_level(PoolHealth(online=online, total=total, servable=servable)) is level


POOL_ALERTS = {
    (PoolLevel.HEALTHY, PoolLevel.CRITICAL): AlertKind.POOL_CRITICAL,
    (PoolLevel.HEALTHY, PoolLevel.EMPTY): AlertKind.POOL_EMPTY,
    (PoolLevel.CRITICAL, PoolLevel.EMPTY): AlertKind.POOL_EMPTY,
    (PoolLevel.CRITICAL, PoolLevel.HEALTHY): AlertKind.POOL_HEALTHY,
    (PoolLevel.EMPTY, PoolLevel.HEALTHY): AlertKind.POOL_HEALTHY,
    (PoolLevel.EMPTY, PoolLevel.CRITICAL): AlertKind.POOL_CRITICAL,
    (PoolLevel.IDLE, PoolLevel.CRITICAL): AlertKind.POOL_CRITICAL,
    (PoolLevel.IDLE, PoolLevel.EMPTY): AlertKind.POOL_EMPTY,
}


@pytest.mark.parametrize("old", list(PoolLevel))
@pytest.mark.parametrize("new", list(PoolLevel))
def test_a_pool_level_change_alerts_once_and_a_held_level_never(
    old: PoolLevel, new: PoolLevel
) -> None:
    """Filling an idle pool with healthy bots, or emptying it by hand, is not news."""
    assert pool_alert(old, new) is POOL_ALERTS.get((old, new))


def test_a_pool_going_down_and_back_alerts_at_each_level_change_only() -> None:
    members = [1, 2, 3, 4]
    timeline: list[dict[int, BotStatus]] = [
        dict.fromkeys(members, ONLINE),
        {1: OFFLINE, 2: ONLINE, 3: ONLINE, 4: ONLINE},  # 75%
        {1: OFFLINE, 2: BANNED, 3: ONLINE, 4: ONLINE},  # 50%: not below
        {1: OFFLINE, 2: BANNED, 3: OFFLINE, 4: ONLINE},  # 25%: critical
        {1: OFFLINE, 2: BANNED, 3: OFFLINE, 4: ONLINE},  # holds
        {1: OFFLINE, 2: BANNED, 3: OFFLINE, 4: DEGRADED},  # 0% but still serving
        {1: OFFLINE, 2: BANNED, 3: OFFLINE, 4: OFFLINE},  # nothing left
        {1: OFFLINE, 2: BANNED, 3: OFFLINE, 4: OFFLINE},  # holds
        {1: ONLINE, 2: BANNED, 3: ONLINE, 4: CHECKING},  # 50% again
    ]
    level, told = PoolLevel.HEALTHY, []
    for statuses in timeline:
        pool = PoolState(
            1,
            "sales",
            Strategy.ROUND_ROBIN,
            tuple(MemberState(i, f"bot{i}", status=statuses[i]) for i in members),
        )
        new = pool_level(pool_health(pool, NOW))
        if (kind := pool_alert(level, new)) is not None:
            told.append(kind)
        level = new
    assert told == [AlertKind.POOL_CRITICAL, AlertKind.POOL_EMPTY, AlertKind.POOL_HEALTHY]


def test_pool_health_counts_only_enabled_members_and_treats_breakers_as_down() -> None:
    pool = PoolState(
        1,
        "sales",
        Strategy.WEIGHTED,
        (
            MemberState(1, "a"),
            MemberState(2, "b", is_enabled=False),
            MemberState(3, "c", breaker_until=NOW + timedelta(seconds=5)),
            MemberState(4, "d", status=DEGRADED),
        ),
    )
    health = pool_health(pool, NOW)
    assert (health.online, health.total, health.servable, health.percent) == (1, 3, 2, 33)
