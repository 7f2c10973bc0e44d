"""core.figures: the pool status figures, a pure function of the pool and its counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.domain import BotStatus, MemberState, PoolState, Strategy
from core.figures import pool_status

NOW = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)


def _pool(*members: MemberState) -> PoolState:
    return PoolState(pool_id=1, slug="red1", strategy=Strategy.ROUND_ROBIN, members=members)


def test_seed_example_three_of_four_online():
    pool = _pool(
        *(MemberState(bot_id=i, username=f"b{i}") for i in (1, 2, 3)),
        MemberState(bot_id=4, username="b4", status=BotStatus.OFFLINE),
    )

    figures = pool_status(pool, {1: 500, 2: 400, 3: 347}, NOW, 2250)

    assert (figures.health, figures.online_bots, figures.total_bots) == (75, 3, 4)
    assert (figures.redirects_hour, figures.capacity_hour, figures.capacity_used) == (
        1247,
        6750,
        18.5,
    )
    assert figures.bot_redirects == {1: 500, 2: 400, 3: 347, 4: 0}


def test_disabled_members_and_bots_in_breaker_do_not_count_as_online():
    pool = _pool(
        MemberState(bot_id=1, username="b1"),
        MemberState(bot_id=2, username="b2", is_enabled=False),
        MemberState(bot_id=3, username="b3", breaker_until=NOW + timedelta(seconds=30)),
    )

    figures = pool_status(pool, {}, NOW, 100)

    assert (figures.health, figures.online_bots, figures.total_bots) == (50, 1, 2)
    assert figures.capacity_hour == 100


def test_traffic_of_bots_that_left_the_pool_still_counts_for_the_pool():
    pool = _pool(MemberState(bot_id=1, username="b1"))

    figures = pool_status(pool, {1: 10, 9: 5}, NOW, 100)

    assert figures.redirects_hour == 15
    assert figures.bot_redirects == {1: 10}


def test_traffic_with_no_bot_online_is_all_of_capacity_used():
    pool = _pool(MemberState(bot_id=1, username="b1", status=BotStatus.BANNED))

    figures = pool_status(pool, {1: 3}, NOW, 100)

    assert (figures.capacity_hour, figures.capacity_used, figures.health) == (0, 100.0, 0)
