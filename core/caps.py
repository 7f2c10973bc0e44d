"""Hourly caps (SPEC §12): each bot takes at most its capacity of leads per rolling
hour, counted across all its pools. A lead whose pick is at its cap goes, in order, to
a member of the same group with room (by the pool's strategy), to the most spare of the
pool's lower tiers, then the same down its fallback pools; past that the caller sends it
to the pool's fallback link, or, with nowhere else to go, to the least loaded member: a
lead is never dropped for a cap. Pure: the loads are the caller's."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence

from core.domain import MemberState
from core.plans import Plan, take
from core.strategies import Cursor


def cap_of(member: MemberState, default: int) -> int:
    """Leads per rolling hour the member's bot may take in this pool."""
    capacity = member.hourly_cap
    return default if capacity is None else capacity


def at_cap(members: Iterable[MemberState], loads: Mapping[int, int], default: int) -> set[int]:
    """The bot ids of `members` that have taken their cap or more in the last hour."""
    return {m.bot_id for m in members if loads.get(m.bot_id, 0) >= cap_of(m, default)}


def most_room(
    members: Iterable[MemberState], loads: Mapping[int, int], default: int
) -> MemberState | None:
    """The member with room whose load is the smallest part of its cap (the first of
    equals); None when every one is at its cap."""
    best: MemberState | None = None
    best_used = 1.0
    for member in members:
        used = loads.get(member.bot_id, 0) / max(cap_of(member, default), 1)
        if used < best_used:
            best, best_used = member, used
    return best


def least_loaded(
    members: Sequence[MemberState], loads: Mapping[int, int], default: int
) -> MemberState:
    """The member whose load is the smallest part of its cap, room or not (the first of
    equals): where a lead goes when no bot anywhere has room."""
    return min(members, key=lambda m: loads.get(m.bot_id, 0) / max(cap_of(m, default), 1))


def take_with_room(
    chain: Iterable[tuple[Plan, Cursor]],
    loads: Mapping[int, int],
    default: int,
    *,
    now: float | None = None,
    rng: random.Random | None = None,
) -> tuple[Plan, MemberState] | None:
    """The first plan of `chain` (the serving pool's, then its fallbacks') with a member
    that has room, and that member: one of its group by the pool's strategy (slow start
    included, `now` as for `take`), else the most spare of its lower tiers. None: every
    bot of the chain is at its cap."""
    for plan, cursor in chain:
        full = at_cap(plan.group, loads, default)
        if len(full) < len(plan.group):
            return plan, take(plan, cursor, loads, rng, now=now, full=full)
        for tier in plan.tiers:
            member = most_room(tier, loads, default)
            if member is not None:
                return plan, member
    return None


def has_room(chain: Iterable[Plan], loads: Mapping[int, int], default: int, but: int) -> bool:
    """Whether a bot of the chain's plans other than `but` has room (a returning lead
    goes back to its bot at cap only when none has)."""
    for plan in chain:
        for members in (plan.group, *plan.tiers):
            for member in members:
                if member.bot_id != but and loads.get(member.bot_id, 0) < cap_of(member, default):
                    return True
    return False
