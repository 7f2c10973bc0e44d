"""Slow start (SPEC §12): a bot that joins a pool, or comes back from offline or
banned, takes a small share of its weight at first and all of it at the end of a
window, rising linearly (Envoy's slow start with aggression 1). Pure: moments are
epoch seconds, and the caller says what time it is."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.domain import MemberState

# Members whose share is at least this part of the group's largest one when the plan is
# made count as full members: the ratio only grows while the group holds (a later start
# catches up), so a pool whose bots all joined or came back together (a new pool, the
# end of an outage) is neither throttled nor taken off the fast path.
TOGETHER = 0.95


@dataclass(frozen=True, slots=True)
class SlowStart:
    """The window (seconds; 0 turns slow start off) and the share of its weight a
    member takes at the start of it (BOTPOOL_SLOW_START_S, BOTPOOL_SLOW_START_SHARE)."""

    window_s: float
    share: float = 0.1

    def factor(self, ramp_from: float, now: float) -> float:
        """The share of its weight a member that began ramping at `ramp_from` takes at
        `now`: `share` at first, 1 once the window has passed."""
        elapsed = now - ramp_from
        window = self.window_s
        if elapsed >= window:
            return 1.0
        if elapsed <= 0:
            return self.share
        return self.share + (1.0 - self.share) * elapsed / window


@dataclass(frozen=True, slots=True)
class Ramps:
    """The members of a group that are throttled at planning: when each began ramping,
    and when the group's leader did (None: some member of the group takes its full
    share, which is then the measure of the others)."""

    starts: dict[int, float]
    lead_from: float | None
    slow_start: SlowStart

    def shares(self, group: Sequence[MemberState], now: float) -> dict[int, float]:
        """Bot id -> the share of its turns a member of `group` takes at `now`, relative
        to the largest in `group`, for the members below it (absent: all of them)."""
        factor, starts, lead_from = self.slow_start.factor, self.starts, self.lead_from
        lead = 1.0 if lead_from is None else factor(lead_from, now)
        values: dict[int, float] = {}
        top = 0.0
        for member in group:
            start = starts.get(member.bot_id)
            value = lead if start is None else factor(start, now)
            values[member.bot_id] = value
            if value > top:
                top = value
        return {bot_id: value / top for bot_id, value in values.items() if value < top}


def ramps_of(
    group: Sequence[MemberState], now: float, slow_start: SlowStart | None
) -> tuple[Ramps | None, float | None]:
    """The ramps of a pool's candidates at `now` (None: nobody is throttled) and when
    the first of them ends, the moment the plan should be made again."""
    if slow_start is None or slow_start.window_s <= 0 or not group:
        return None, None
    window = slow_start.window_s
    starts: dict[int, float] = {}
    for member in group:
        if member.ramp_from is not None:
            start = member.ramp_from.timestamp()
            if now < start + window:
                starts[member.bot_id] = start
    if not starts:
        return None, None
    lead_from = min(starts.values()) if len(starts) == len(group) else None
    top = 1.0 if lead_from is None else slow_start.factor(lead_from, now)
    throttled = {
        bot_id: start
        for bot_id, start in starts.items()
        if slow_start.factor(start, now) < TOGETHER * top
    }
    if not throttled:
        return None, None
    return Ramps(throttled, lead_from, slow_start), min(throttled.values()) + window
