"""core.figures with per-membership hourly caps and slow start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.domain import BotStatus, MemberState, PoolState, Strategy
from core.figures import is_ramping, pool_status, ramping_bots

NOW = datetime(2026, 11, 25, 12, 30, tzinfo=UTC)


def _pool(*members: MemberState) -> PoolState:
    return PoolState(pool_id=1, slug="red1", strategy=Strategy.ROUND_ROBIN, members=members)


def test_capacity_sums_each_online_members_own_cap_or_the_default():
    pool = _pool(
        MemberState(bot_id=1, username="b1", hourly_cap=500),
        MemberState(bot_id=2, username="b2"),
        MemberState(bot_id=3, username="b3", hourly_cap=9000, status=BotStatus.OFFLINE),
        MemberState(bot_id=4, username="b4", hourly_cap=7000, is_enabled=False),
    )

    figures = pool_status(pool, {1: 500, 2: 775}, NOW, 2250)

    assert figures.capacity_hour == 500 + 2250
    assert figures.capacity_used == 46.4  # 1,275 of 2,750


def test_a_pool_over_its_caps_shows_more_than_100_percent_used():
    pool = _pool(MemberState(bot_id=1, username="b1", hourly_cap=100))

    assert pool_status(pool, {1: 150}, NOW, 2250).capacity_used == 150.0


def test_a_member_ramps_for_the_slow_start_window_after_it_joined_or_recovered():
    joined = MemberState(bot_id=1, username="b1", ramp_from=NOW - timedelta(seconds=299))
    settled = MemberState(bot_id=2, username="b2", ramp_from=NOW - timedelta(seconds=300))
    unknown = MemberState(bot_id=3, username="b3")

    assert ramping_bots(_pool(joined, settled, unknown), NOW, 300) == {1}
    assert not is_ramping(joined.ramp_from, NOW, 0)  # slow start off
