"""Hourly caps (SPEC §12): where a lead goes when the bot its pool would give it is at
its cap. Pure: loads are a dict of bot id -> leads in the last hour."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest

from core.caps import at_cap, has_room, least_loaded, most_room, take_with_room
from core.domain import BotStatus, MemberState, PoolState, Priority, Strategy
from core.plans import Plan, plan_routes
from core.strategies import Cursor

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
CAP = 100


def member(bot_id: int, **fields: object) -> MemberState:
    return MemberState(bot_id, f"bot{bot_id}", **fields)  # type: ignore[arg-type]


def plans_of(*pools: PoolState) -> dict[int, Plan]:
    return plan_routes({p.pool_id: p for p in pools}, NOW)[0]


def chain(*plans: Plan) -> list[tuple[Plan, Cursor]]:
    return [(plan, Cursor()) for plan in plans]


def test_a_member_has_its_own_cap_or_the_default() -> None:
    members = [member(1, hourly_cap=10), member(2)]
    assert at_cap(members, {1: 10, 2: 99}, CAP) == {1}
    assert at_cap(members, {1: 9, 2: 100}, CAP) == {2}


@pytest.mark.parametrize("strategy", list(Strategy))
def test_a_bot_at_its_cap_is_passed_over_for_the_others_of_its_group(strategy) -> None:
    pool = PoolState(1, "promo", strategy, (member(1), member(2), member(3)))
    ((plan, cursor),) = chain(plans_of(pool)[1])
    loads = {1: CAP, 2: 5, 3: 5}
    taken = Counter()
    for _ in range(40):
        _plan, chosen = take_with_room([(plan, cursor)], loads, CAP)
        taken[chosen.bot_id] += 1
        loads[chosen.bot_id] += 1
    assert set(taken) == {2, 3} and min(taken.values()) >= 10, taken


def test_weighted_keeps_the_weights_of_the_bots_with_room() -> None:
    members = (member(1, weight=5), member(2, weight=3), member(3, weight=1))
    pool = PoolState(1, "promo", Strategy.WEIGHTED, members)
    ((plan, cursor),) = chain(plans_of(pool)[1])
    loads = {1: CAP}
    taken = Counter(take_with_room([(plan, cursor)], loads, CAP)[1].bot_id for _ in range(40))
    assert taken == {2: 30, 3: 10}


def test_when_the_group_is_full_the_lower_tier_with_the_most_room_takes_the_lead() -> None:
    members = (
        member(1, priority=Priority.PREFERRED),
        member(2, priority=Priority.NORMAL, hourly_cap=10),
        member(3, priority=Priority.NORMAL),
        member(4, priority=Priority.BACKUP),
    )
    plan = plans_of(PoolState(1, "promo", Strategy.ROUND_ROBIN, members))[1]
    loads = {1: CAP, 2: 4, 3: 50}  # bot 2 has used 40 % of its cap, bot 3 half of its
    assert take_with_room(chain(plan), loads, CAP)[1].bot_id == 2
    loads.update({2: 10, 3: CAP})
    assert take_with_room(chain(plan), loads, CAP)[1].bot_id == 4


def test_degraded_bots_do_not_take_the_spill_of_a_full_online_group() -> None:
    members = (member(1), member(2, status=BotStatus.DEGRADED, priority=Priority.BACKUP))
    plan = plans_of(PoolState(1, "promo", Strategy.ROUND_ROBIN, members))[1]
    assert plan.tiers == ()
    assert take_with_room(chain(plan), {1: CAP}, CAP) is None


def test_when_the_pool_is_full_the_fallback_pool_takes_the_lead() -> None:
    full = PoolState(1, "promo", Strategy.ROUND_ROBIN, (member(1), member(2)), fallback_pool_id=2)
    spare = PoolState(2, "spare", Strategy.ROUND_ROBIN, (member(3), member(4)))
    plans = plans_of(full, spare)
    links = chain(plans[1], plans[2])
    loads = {1: CAP, 2: CAP}
    served = [take_with_room(links, loads, CAP) for _ in range(4)]
    assert [(p.pool.pool_id, m.bot_id) for p, m in served] == [(2, 3), (2, 4), (2, 3), (2, 4)]
    loads.update({3: CAP, 4: CAP})
    assert take_with_room(links, loads, CAP) is None


def test_with_nowhere_to_go_the_least_loaded_bot_for_its_cap_is_chosen() -> None:
    members = [member(1), member(2, hourly_cap=10), member(3)]
    loads = {1: 150, 2: 11, 3: 120}  # 150 %, 110 %, 120 %
    assert least_loaded(members, loads, CAP).bot_id == 2
    assert most_room(members, loads, CAP) is None


def test_a_returning_lead_may_wait_for_its_bot_only_when_no_other_has_room() -> None:
    plan = plans_of(PoolState(1, "promo", Strategy.ROUND_ROBIN, (member(1), member(2))))[1]
    assert has_room([plan], {1: CAP, 2: 5}, CAP, but=1)
    assert not has_room([plan], {1: CAP, 2: CAP}, CAP, but=1)
