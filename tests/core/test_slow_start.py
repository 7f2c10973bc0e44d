"""Slow start (SPEC §12): a bot that joins or comes back ramps from 10 % of its share to
all of it over the window, for every strategy. Pure: the clock is a number passed in."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from core.domain import MemberState, PoolState, Strategy
from core.plans import Plan, plan_routes, take
from core.ramp import SlowStart
from core.strategies import Cursor

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
WINDOW = SlowStart(300, 0.1)
LEADS = 2000
# Two bots of equal weight, one of them back just now: its weight counts 10 %, so it
# takes 0.1 / 1.1 of the leads (9.1 %); each strategy must land within 2 points of it.
FIRST_SHARE, TOLERANCE = 0.1 / 1.1, 0.02
STRATEGIES = list(Strategy)


def pool_of(*members: MemberState, strategy: Strategy) -> PoolState:
    return PoolState(1, "promo", strategy, members)


def back_at(moment: datetime) -> tuple[MemberState, MemberState]:
    """`a` came back at `moment`; `b` has been serving for a day."""
    return (
        MemberState(1, "a_bot", ramp_from=moment),
        MemberState(2, "b_bot", ramp_from=NOW - timedelta(days=1)),
    )


def plan_at(pool: PoolState, moment: datetime) -> Plan:
    return plan_routes({1: pool}, moment, WINDOW)[0][1]


def shares(pool: PoolState, at: datetime, leads: int = LEADS) -> Counter[int]:
    """Who takes `leads` leads at `at`, with least connections' counts following them."""
    plan = plan_at(pool, at)
    cursor, rng, counts = Cursor(), random.Random(7), {1: 0, 2: 500}
    taken: Counter[int] = Counter()
    for _ in range(leads):
        bot_id = take(plan, cursor, counts, rng, now=at.timestamp()).bot_id
        taken[bot_id] += 1
        counts[bot_id] += 1
    return taken


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_bot_back_just_now_takes_about_a_tenth_of_its_share(strategy: Strategy) -> None:
    taken = shares(pool_of(*back_at(NOW), strategy=strategy), NOW)
    assert abs(taken[1] / LEADS - FIRST_SHARE) <= TOLERANCE, taken


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_a_bot_takes_its_full_share_once_the_window_has_passed(strategy: Strategy) -> None:
    """The same leads as if it had never been away (least connections: it catches up)."""
    later = NOW + timedelta(seconds=WINDOW.window_s)
    taken = shares(pool_of(*back_at(NOW), strategy=strategy), later)
    never_away = shares(pool_of(*back_at(NOW - timedelta(days=1)), strategy=strategy), later)
    assert taken == never_away
    if strategy is not Strategy.LEAST_CONNECTIONS:
        assert abs(taken[1] / LEADS - 0.5) <= TOLERANCE, taken


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_halfway_through_the_window_a_bot_takes_a_share_in_between(strategy: Strategy) -> None:
    halfway = NOW + timedelta(seconds=WINDOW.window_s / 2)
    taken = shares(pool_of(*back_at(NOW), strategy=strategy), halfway)
    expected = 0.55 / 1.55  # 10 % + half of the other 90 %
    assert abs(taken[1] / LEADS - expected) <= TOLERANCE, taken


def test_a_plan_made_while_a_bot_ramps_holds_the_same_shares_as_time_passes() -> None:
    """The plan is made once; the share grows with the clock `take` is given."""
    pool = pool_of(*back_at(NOW), strategy=Strategy.ROUND_ROBIN)
    plan, cursor = plan_at(pool, NOW), Cursor()
    later = (NOW + timedelta(seconds=WINDOW.window_s)).timestamp()
    taken = Counter(take(plan, cursor, now=later).bot_id for _ in range(100))
    assert taken == {1: 50, 2: 50}


def test_weighted_scales_the_weight_of_a_ramping_bot() -> None:
    a, b = back_at(NOW)
    pool = pool_of(
        MemberState(1, "a_bot", weight=3, ramp_from=a.ramp_from),
        MemberState(2, "b_bot", weight=1, ramp_from=b.ramp_from),
        strategy=Strategy.WEIGHTED,
    )
    taken = shares(pool, NOW, 1300)
    assert taken == {1: 300, 2: 1000}  # weights 0.3 and 1, exactly


def test_least_connections_no_longer_gives_a_recovered_bot_every_lead() -> None:
    """Back with no recent traffic, it would take every lead until it caught up."""
    pool = pool_of(*back_at(NOW), strategy=Strategy.LEAST_CONNECTIONS)
    plan, cursor, counts = plan_at(pool, NOW), Cursor(), {1: 0, 2: 500}
    first = [take(plan, cursor, counts, now=NOW.timestamp()).bot_id for _ in range(20)]
    assert first.count(1) <= 3, first
    unramped = [take(plan, Cursor(), counts).bot_id for _ in range(20)]
    assert unramped == [1] * 20


def test_bots_that_came_back_together_are_not_throttled() -> None:
    """A new pool, or the end of an outage: every bot ramps, none is behind the others,
    and the plan needs no clock at all."""
    together = (
        MemberState(1, "a_bot", ramp_from=NOW - timedelta(seconds=0.4)),
        MemberState(2, "b_bot", ramp_from=NOW),
    )
    plan = plan_at(pool_of(*together, strategy=Strategy.ROUND_ROBIN), NOW)
    assert plan.ramps is None
    cursor = Cursor()
    taken = Counter(take(plan, cursor, now=NOW.timestamp()).bot_id for _ in range(100))
    assert taken == {1: 50, 2: 50}


def test_a_bot_that_joined_later_than_the_others_ramps_behind_them() -> None:
    """All ramp, so the measure is the share of the one that joined first."""
    members = (
        MemberState(1, "a_bot", ramp_from=NOW - timedelta(seconds=100)),  # at 40 %
        MemberState(2, "b_bot", ramp_from=NOW),  # at 10 %: a quarter of a_bot's
    )
    taken = shares(pool_of(*members, strategy=Strategy.ROUND_ROBIN), NOW)
    assert abs(taken[2] / LEADS - 0.25 / 1.25) <= TOLERANCE, taken


def test_plans_expire_when_the_first_ramp_ends_and_then_need_no_clock() -> None:
    pool = pool_of(*back_at(NOW), strategy=Strategy.ROUND_ROBIN)
    plans, expires = plan_routes({1: pool}, NOW, WINDOW)
    assert plans[1].ramps is not None
    assert expires == NOW + timedelta(seconds=WINDOW.window_s)
    after, none = plan_routes({1: pool}, expires, WINDOW)
    assert after[1].ramps is None and none is None


def test_a_window_of_zero_turns_slow_start_off() -> None:
    pool = pool_of(*back_at(NOW), strategy=Strategy.ROUND_ROBIN)
    plans, expires = plan_routes({1: pool}, NOW, SlowStart(0, 0.1))
    assert plans[1].ramps is None and expires is None


def test_a_bot_alone_in_its_pool_takes_every_lead_while_it_ramps() -> None:
    """Its share is measured against the others': with none, it is whole."""
    alone = pool_of(back_at(NOW)[0], strategy=Strategy.ROUND_ROBIN)
    plan = plan_at(alone, NOW)
    assert [take(plan, Cursor(), now=NOW.timestamp()).bot_id for _ in range(5)] == [1] * 5
