"""SPEC §5: choosing a bot. Pure functions of plain data: no event loop, no database."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.domain import BotStatus, MemberState, PoolState, Priority, Strategy
from core.plans import Plan, plan_routes, take
from core.strategies import Cursor, candidates, choose, route

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PAST, FUTURE = NOW - timedelta(seconds=1), NOW + timedelta(seconds=60)
SERVING = (BotStatus.ONLINE, BotStatus.DEGRADED)
BOUNDED = settings(max_examples=200, deadline=None)


def member(bot_id: int, **fields: object) -> MemberState:
    return MemberState(bot_id=bot_id, username=f"bot{bot_id}", **fields)  # type: ignore[arg-type]


def pool_of(
    *members: MemberState, strategy: Strategy = Strategy.ROUND_ROBIN, **fields: object
) -> PoolState:
    fields.setdefault("pool_id", 1)
    fields.setdefault("slug", f"pool{fields['pool_id']}")
    return PoolState(strategy=strategy, members=tuple(members), **fields)  # type: ignore[arg-type]


def picks(
    pool: PoolState,
    n: int,
    cursor: Cursor | None = None,
    *,
    hour_counts: Mapping[int, int] | None = None,
    rng: random.Random | None = None,
) -> list[int | None]:
    cursor = cursor if cursor is not None else Cursor()
    chosen = [choose(pool, cursor, NOW, hour_counts=hour_counts, rng=rng) for _ in range(n)]
    return [m.bot_id if m is not None else None for m in chosen]


def assert_every_window_exact(sequence: Sequence[int | None], weights: Mapping[int, int]) -> None:
    window = sum(weights.values())
    for start in range(len(sequence) - window + 1):
        counts = Counter(sequence[start : start + window])
        assert counts == Counter(weights), f"window at {start}: {dict(counts)}"


# weighted


@pytest.mark.parametrize(
    "weights",
    [(5, 1, 1), (3, 2), (1, 1, 1), (4, 3, 2, 1), (100, 1), (7,), (2, 2, 5, 1), (1, 99)],
    ids=lambda w: "/".join(map(str, w)),
)
def test_weighted_gives_each_bot_exactly_its_weight_over_every_window(
    weights: tuple[int, ...],
) -> None:
    pool = pool_of(
        *(member(i, weight=w) for i, w in enumerate(weights, 1)), strategy=Strategy.WEIGHTED
    )
    sequence = picks(pool, 5 * sum(weights) + 3)
    assert_every_window_exact(sequence, {i: w for i, w in enumerate(weights, 1)})


def test_weighted_interleaves_instead_of_sending_bursts() -> None:
    """Smooth weighted round robin: 5/1/1 gives a a b a c a a, not a a a a a b c."""
    pool = pool_of(
        member(1, weight=5), member(2, weight=1), member(3, weight=1), strategy=Strategy.WEIGHTED
    )
    assert picks(pool, 7) == [1, 1, 2, 1, 3, 1, 1]


@BOUNDED
@given(st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=6))
def test_weighted_windows_are_exact_for_any_weights(weights: list[int]) -> None:
    pool = pool_of(
        *(member(i, weight=w) for i, w in enumerate(weights, 1)), strategy=Strategy.WEIGHTED
    )
    sequence = picks(pool, 3 * sum(weights))
    assert_every_window_exact(sequence, {i: w for i, w in enumerate(weights, 1)})


def test_weighted_starts_afresh_when_a_bot_leaves_and_stays_exact() -> None:
    cursor = Cursor()
    full = pool_of(
        member(1, weight=3), member(2, weight=2), member(3, weight=1), strategy=Strategy.WEIGHTED
    )
    picks(full, 4, cursor)
    without_2 = pool_of(
        member(1, weight=3),
        member(2, weight=2, status=BotStatus.OFFLINE),
        member(3, weight=1),
        strategy=Strategy.WEIGHTED,
    )
    after = picks(without_2, 12, cursor)
    assert_every_window_exact(after, {1: 3, 3: 1})
    back = picks(full, 18, cursor)
    assert_every_window_exact(back, {1: 3, 2: 2, 3: 1})


# round robin


def test_round_robin_cycles_in_the_pool_order() -> None:
    pool = pool_of(member(3), member(1), member(2))
    assert picks(pool, 7) == [3, 1, 2, 3, 1, 2, 3]


def test_round_robin_skips_a_bot_while_it_is_down_and_gives_it_its_turn_when_back() -> None:
    cursor = Cursor()
    everyone = pool_of(member(1), member(2), member(3))
    two_down = pool_of(member(1), member(2, status=BotStatus.OFFLINE), member(3))
    assert picks(everyone, 1, cursor) == [1]
    assert picks(two_down, 4, cursor) == [3, 1, 3, 1]
    assert picks(everyone, 4, cursor) == [2, 3, 1, 2]


def test_round_robin_goes_on_after_the_last_bot_leaves_the_pool() -> None:
    cursor = Cursor()
    assert picks(pool_of(member(1), member(2), member(3)), 2, cursor) == [1, 2]
    assert picks(pool_of(member(1), member(3)), 3, cursor) == [3, 1, 3]


def test_round_robin_goes_on_when_the_last_bot_leaves_and_a_new_one_joins() -> None:
    cursor = Cursor()
    assert picks(pool_of(member(1), member(2), member(3)), 3, cursor) == [1, 2, 3]
    assert picks(pool_of(member(1), member(2), member(4)), 3, cursor) == [4, 1, 2]


def test_round_robin_with_one_candidate_always_gives_it() -> None:
    pool = pool_of(member(1, status=BotStatus.BANNED), member(2))
    assert picks(pool, 3) == [2, 2, 2]


def test_round_robin_gives_every_bot_the_same_share() -> None:
    pool = pool_of(*(member(i) for i in range(1, 6)))
    assert Counter(picks(pool, 50)) == {i: 10 for i in range(1, 6)}


# least connections


def test_least_connections_picks_the_bot_with_fewest_redirects_this_hour() -> None:
    pool = pool_of(member(1), member(2), member(3), strategy=Strategy.LEAST_CONNECTIONS)
    assert picks(pool, 3, hour_counts={1: 10, 2: 3, 3: 7}) == [2, 2, 2]


def test_least_connections_breaks_ties_in_turn() -> None:
    pool = pool_of(member(1), member(2), member(3), strategy=Strategy.LEAST_CONNECTIONS)
    assert picks(pool, 6, hour_counts={1: 5, 2: 1, 3: 1}) == [2, 3, 2, 3, 2, 3]
    assert picks(pool, 4) == [1, 2, 3, 1]


def test_least_connections_follows_the_counts_as_they_grow() -> None:
    pool = pool_of(member(1), member(2), member(3), strategy=Strategy.LEAST_CONNECTIONS)
    counts = {1: 2, 2: 0, 3: 1}
    cursor, sequence = Cursor(), []
    for _ in range(9):
        chosen = choose(pool, cursor, NOW, hour_counts=counts)
        assert chosen is not None
        sequence.append(chosen.bot_id)
        counts[chosen.bot_id] += 1
    assert sequence == [2, 3, 2, 3, 1, 2, 3, 1, 2]
    assert counts == {1: 4, 2: 4, 3: 4}


def test_least_connections_ignores_counts_of_bots_that_cannot_serve() -> None:
    pool = pool_of(
        member(1, status=BotStatus.OFFLINE), member(2), strategy=Strategy.LEAST_CONNECTIONS
    )
    assert picks(pool, 2, hour_counts={1: 0, 2: 99}) == [2, 2]


# random


def test_random_only_picks_candidates_and_reaches_each_of_them() -> None:
    pool = pool_of(
        member(1),
        member(2, is_enabled=False),
        member(3),
        member(4, status=BotStatus.OFFLINE),
        member(5),
        member(6, priority=Priority.BACKUP),
        strategy=Strategy.RANDOM,
    )
    counts = Counter(picks(pool, 3000, rng=random.Random(7)))
    assert set(counts) == {1, 3, 5}
    assert all(800 < n < 1200 for n in counts.values())


# priority tiers, degraded fallback, breakers


def test_preferred_tier_takes_all_traffic_while_online() -> None:
    pool = pool_of(member(1), member(2, priority=Priority.PREFERRED), member(3))
    assert set(picks(pool, 6)) == {2}


def test_backup_tier_serves_only_when_normal_tier_is_empty() -> None:
    cursor = Cursor()
    with_normal = pool_of(member(1), member(2, priority=Priority.BACKUP))
    assert set(picks(with_normal, 4, cursor)) == {1}
    normal_down = pool_of(member(1, status=BotStatus.BANNED), member(2, priority=Priority.BACKUP))
    assert set(picks(normal_down, 4, cursor)) == {2}


def test_backups_get_nothing_while_a_preferred_bot_is_online() -> None:
    pool = pool_of(
        member(1, priority=Priority.PREFERRED),
        member(2, status=BotStatus.OFFLINE),
        member(3, priority=Priority.BACKUP),
    )
    assert set(picks(pool, 4)) == {1}


def test_normal_tier_serves_when_every_preferred_bot_is_down() -> None:
    pool = pool_of(
        member(1, priority=Priority.PREFERRED, status=BotStatus.OFFLINE),
        member(2),
        member(3, priority=Priority.BACKUP),
    )
    assert set(picks(pool, 4)) == {2}


def test_degraded_bots_serve_only_when_no_tier_has_an_online_bot() -> None:
    pool = pool_of(
        member(1, priority=Priority.PREFERRED, status=BotStatus.DEGRADED),
        member(2, status=BotStatus.DEGRADED),
        member(3, priority=Priority.BACKUP),
    )
    assert set(picks(pool, 4)) == {3}
    nobody_online = pool_of(
        member(1, priority=Priority.PREFERRED, status=BotStatus.DEGRADED),
        member(2, status=BotStatus.DEGRADED),
        member(3, priority=Priority.BACKUP, status=BotStatus.OFFLINE),
    )
    assert set(picks(nobody_online, 4)) == {1}


def test_a_bot_inside_its_breaker_is_passed_over_and_comes_back_when_it_expires() -> None:
    held = pool_of(member(1, breaker_until=FUTURE), member(2))
    expired = pool_of(member(1, breaker_until=PAST), member(2))
    assert set(picks(held, 3)) == {2}
    assert set(picks(expired, 4)) == {1, 2}


def test_disabled_checking_offline_and_banned_bots_are_never_candidates() -> None:
    pool = pool_of(
        member(1, is_enabled=False),
        member(2, status=BotStatus.CHECKING),
        member(3, status=BotStatus.OFFLINE),
        member(4, status=BotStatus.BANNED),
    )
    assert candidates(pool, NOW) == []


@pytest.mark.parametrize("strategy", list(Strategy))
def test_an_empty_pool_or_one_that_cannot_serve_answers_none(strategy: Strategy) -> None:
    dead = pool_of(
        member(1, status=BotStatus.OFFLINE),
        member(2, is_enabled=False),
        member(3, status=BotStatus.ONLINE, breaker_until=FUTURE),
        strategy=strategy,
    )
    for pool in (pool_of(strategy=strategy), dead):
        assert choose(pool, Cursor(), NOW, hour_counts={}, rng=random.Random(1)) is None


# fallback pools


def pools_by_id(*pools: PoolState) -> dict[int, PoolState]:
    return {pool.pool_id: pool for pool in pools}


def test_the_fallback_pool_is_followed_when_the_pool_has_no_bot() -> None:
    pools = pools_by_id(
        pool_of(member(1, status=BotStatus.BANNED), pool_id=1, fallback_pool_id=2),
        pool_of(member(2), member(3), pool_id=2),
    )
    cursors: dict[int, Cursor] = {}
    routed = [route(pools, 1, cursors, NOW) for _ in range(4)]
    assert [(p.pool_id, m.bot_id) for p, m in routed] == [(2, 2), (2, 3), (2, 2), (2, 3)]


def test_the_pool_itself_serves_before_its_fallback() -> None:
    pools = pools_by_id(
        pool_of(member(1), pool_id=1, fallback_pool_id=2), pool_of(member(2), pool_id=2)
    )
    result = route(pools, 1, {}, NOW)
    assert result is not None and (result[0].pool_id, result[1].bot_id) == (1, 1)


def test_degraded_bots_of_the_pool_serve_before_its_fallback() -> None:
    pools = pools_by_id(
        pool_of(member(1, status=BotStatus.DEGRADED), pool_id=1, fallback_pool_id=2),
        pool_of(member(2), pool_id=2),
    )
    result = route(pools, 1, {}, NOW)
    assert result is not None and result[1].bot_id == 1


def test_a_paused_fallback_is_skipped() -> None:
    pools = pools_by_id(
        pool_of(pool_id=1, fallback_pool_id=2),
        pool_of(member(2), pool_id=2, is_active=False, fallback_pool_id=3),
        pool_of(member(3), pool_id=3),
    )
    result = route(pools, 1, {}, NOW)
    assert result is not None and (result[0].pool_id, result[1].bot_id) == (3, 3)
    del pools[3]
    assert route(pools, 1, {}, NOW) is None


def test_a_loop_of_fallbacks_ends_with_none() -> None:
    pools = pools_by_id(
        pool_of(member(1, status=BotStatus.OFFLINE), pool_id=1, fallback_pool_id=2),
        pool_of(pool_id=2, fallback_pool_id=3),
        pool_of(pool_id=3, fallback_pool_id=1),
    )
    assert route(pools, 1, {}, NOW) is None
    assert route(pools_by_id(pool_of(pool_id=1, fallback_pool_id=1)), 1, {}, NOW) is None


def test_a_missing_pool_or_fallback_answers_none() -> None:
    assert route({}, 1, {}, NOW) is None
    assert route(pools_by_id(pool_of(pool_id=1, fallback_pool_id=9)), 1, {}, NOW) is None


def test_each_pool_keeps_its_own_cursor() -> None:
    pools = pools_by_id(
        pool_of(member(1), member(2), pool_id=1), pool_of(member(3), member(4), pool_id=2)
    )
    cursors: dict[int, Cursor] = {}
    sequence = [route(pools, pool_id, cursors, NOW)[1].bot_id for pool_id in (1, 2, 1, 2, 1)]  # type: ignore[index]
    assert sequence == [1, 3, 2, 4, 1]
    assert set(cursors) == {1, 2}


# properties over random pools

statuses = st.sampled_from(list(BotStatus))
breakers = st.sampled_from([None, PAST, FUTURE])
rows = st.tuples(
    st.integers(min_value=1, max_value=100),
    st.sampled_from(list(Priority)),
    st.booleans(),
    statuses,
    breakers,
)
member_lists = st.lists(rows, max_size=8).map(
    lambda drawn: tuple(
        MemberState(i, f"bot{i}", weight, int(priority), enabled, status, breaker)
        for i, (weight, priority, enabled, status, breaker) in enumerate(drawn, 1)
    )
)
random_pools = st.builds(
    PoolState,
    pool_id=st.just(1),
    slug=st.just("pool"),
    strategy=st.sampled_from(list(Strategy)),
    members=member_lists,
)
# Up to five pools, numbered 1.. as drawn: (members, is_active, fallback id, maybe absent).
fallback_graphs = st.lists(
    st.tuples(member_lists, st.booleans(), st.one_of(st.none(), st.integers(1, 5))),
    min_size=1,
    max_size=5,
)
hour_counts = st.dictionaries(st.integers(1, 8), st.integers(0, 50), max_size=8)


def can_serve(m: MemberState) -> bool:
    return m.is_enabled and m.status in SERVING and not m.in_breaker(NOW)


def check_pick(pool: PoolState, chosen: MemberState | None) -> None:
    servable = [m for m in pool.members if can_serve(m)]
    if not servable:
        assert chosen is None
        return
    assert chosen is not None
    assert chosen in pool.members
    assert can_serve(chosen), "picked a disabled, offline, banned or breaker-held bot"
    if any(m.status is BotStatus.ONLINE for m in servable):
        assert chosen.status is BotStatus.ONLINE, "picked a degraded bot over an online one"
    same_status = [m for m in servable if m.status is chosen.status]
    assert chosen.priority == max(m.priority for m in same_status), "picked a lower tier"


@BOUNDED
@given(random_pools, hour_counts, st.integers(0, 2**32))
def test_any_pool_any_strategy_picks_only_what_may_serve(
    pool: PoolState, counts: dict[int, int], seed: int
) -> None:
    cursor, rng = Cursor(), random.Random(seed)
    for _ in range(6):
        check_pick(pool, choose(pool, cursor, NOW, hour_counts=counts, rng=rng))


@BOUNDED
@given(st.lists(random_pools, min_size=2, max_size=6), st.integers(0, 2**32))
def test_one_cursor_survives_a_pool_changing_under_it(states: list[PoolState], seed: int) -> None:
    cursor, rng = Cursor(), random.Random(seed)
    for pool in states:
        for _ in range(3):
            check_pick(pool, choose(pool, cursor, NOW, rng=rng))


@BOUNDED
@given(
    fallback_graphs,
    st.sampled_from(list(Strategy)),
    st.integers(1, 5),
)
def test_routing_through_any_fallback_graph_ends_and_serves_only_what_may_serve(
    drawn: list[tuple[tuple[MemberState, ...], bool, int | None]],
    strategy: Strategy,
    start: int,
) -> None:
    pools = {
        i: PoolState(i, f"p{i}", strategy, members, active, fallback_pool_id=fallback)
        for i, (members, active, fallback) in enumerate(drawn, 1)
    }
    result = route(pools, start, {}, NOW, rng=random.Random(0))
    if start not in pools:
        assert result is None
        return
    if any(can_serve(m) for m in pools[start].members):
        assert result is not None and result[0].pool_id == start
    if result is not None:
        served_by, chosen = result
        assert served_by.is_active or served_by.pool_id == start
        check_pick(served_by, chosen)


# plans: route's choices worked out in advance


def test_plans_expire_when_the_first_breaker_does() -> None:
    soon, later = NOW + timedelta(seconds=5), NOW + timedelta(seconds=30)
    pools = pools_by_id(
        pool_of(member(1), member(2, breaker_until=later), pool_id=1),
        pool_of(member(3, breaker_until=soon), member(4, breaker_until=PAST), pool_id=2),
    )
    plans, expires = plan_routes(pools, NOW)
    assert expires == soon
    assert [m.bot_id for m in plans[2].group] == [4]
    plans, expires = plan_routes(pools, soon)
    assert expires == later
    assert [m.bot_id for m in plans[2].group] == [3, 4]
    assert plan_routes(pools, later)[1] is None


def test_a_pool_with_no_bot_plans_its_fallback_and_one_with_nowhere_to_go_has_no_plan() -> None:
    pools = pools_by_id(
        pool_of(member(1, status=BotStatus.OFFLINE), pool_id=1, fallback_pool_id=2),
        pool_of(member(2), pool_id=2),
        pool_of(member(3, is_enabled=False), pool_id=3),
    )
    plans, _ = plan_routes(pools, NOW)
    assert plans[1] is plans[2] and plans[1].pool.pool_id == 2
    assert 3 not in plans


def take_routed(
    plans: Mapping[int, Plan],
    pool_id: int,
    cursors: dict[int, Cursor],
    rng: random.Random,
    counts: Mapping[int, int],
) -> tuple[int, int] | None:
    plan = plans.get(pool_id)
    if plan is None:
        return None
    cursor = cursors.setdefault(plan.pool.pool_id, Cursor())
    return plan.pool.pool_id, take(plan, cursor, hour_counts=counts, rng=rng).bot_id


@BOUNDED
@given(
    fallback_graphs,
    st.sampled_from(list(Strategy)),
    st.lists(st.integers(1, 6), max_size=30),
    hour_counts,
    st.integers(0, 2**32),
)
def test_planned_picks_are_the_picks_route_makes(
    drawn: list[tuple[tuple[MemberState, ...], bool, int | None]],
    strategy: Strategy,
    sequence: list[int],
    counts: dict[int, int],
    seed: int,
) -> None:
    pools = {
        i: PoolState(i, f"p{i}", strategy, members, active, fallback_pool_id=fallback)
        for i, (members, active, fallback) in enumerate(drawn, 1)
    }
    plans, _ = plan_routes(pools, NOW)
    routed_cursors: dict[int, Cursor] = {}
    planned_cursors: dict[int, Cursor] = {}
    routed_rng, planned_rng = random.Random(seed), random.Random(seed)
    for pool_id in sequence:
        routed = route(pools, pool_id, routed_cursors, NOW, hour_counts=counts, rng=routed_rng)
        expected = None if routed is None else (routed[0].pool_id, routed[1].bot_id)
        assert take_routed(plans, pool_id, planned_cursors, planned_rng, counts) == expected


@BOUNDED
@given(st.lists(random_pools, min_size=2, max_size=6), hour_counts, st.integers(0, 2**32))
def test_planned_picks_follow_choose_while_the_pool_changes_under_one_cursor(
    states: list[PoolState], counts: dict[int, int], seed: int
) -> None:
    chosen_cursor, planned_cursor = Cursor(), Cursor()
    chosen_rng, planned_rng = random.Random(seed), random.Random(seed)
    for pool in states:
        plan = plan_routes({1: pool}, NOW)[0].get(1)
        for _ in range(4):
            expected = choose(pool, chosen_cursor, NOW, hour_counts=counts, rng=chosen_rng)
            if plan is None:
                assert expected is None
                continue
            assert take(plan, planned_cursor, hour_counts=counts, rng=planned_rng) == expected
