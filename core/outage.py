"""Mass failure (SPEC §11): is a health pass an outage of the path to Telegram?

When most probed bots fail the same way at once, the likely culprit is what they have in
common (this server's network, a proxy, the Bot API), not each bot: states are kept and
operators are told once, rather than a fleet taken offline or banned in one pass. The
way a bot fails is its SPEC §6 kind (transient or auth): a broken path answers with a mix
of 5xx, timeouts and refused connections, all of them the path's.

Small fleets: one probe cannot tell a bot from its path, so the share rule needs
MIN_SAMPLE probes; "every probe got no answer at all" needs MIN_UNREACHABLE_SAMPLE (two
bots timing out or refused at once is a network, not two bots)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.health import ProbeKind, ProbeOutcome

MIN_SAMPLE = 3
MIN_UNREACHABLE_SAMPLE = 2


class Verdict(StrEnum):
    NORMAL = "normal"
    UNREACHABLE = "unreachable"  # transient failures: Telegram unreachable from here
    AUTH = "auth"  # tokens refused en masse: a proxy or network fault, not bans


@dataclass(slots=True)
class PassTally:
    """The outcomes of one pass so far, out of the `planned` probes it makes."""

    planned: int
    answered: int = 0  # ok or rate limited: the Bot API was reached
    transient: int = 0
    unreachable: int = 0  # transient with no HTTP answer at all (a subset of transient)
    auth: int = 0

    @property
    def seen(self) -> int:
        return self.answered + self.transient + self.auth

    def add(self, outcome: ProbeOutcome) -> None:
        if outcome.kind is ProbeKind.AUTH:
            self.auth += 1
        elif outcome.kind is ProbeKind.TRANSIENT:
            self.transient += 1
            self.unreachable += outcome.unreachable
        else:
            self.answered += 1


def verdict(tally: PassTally, threshold: float, ongoing: Verdict | None = None) -> Verdict | None:
    """The pass's verdict once it is certain whatever its remaining probes say, else None.
    "Most" is a share above `threshold` of the planned probes. While an outage is
    `ongoing`, only a pass with proof that the path works again (one answer from the Bot
    API) ends it; a pass of nothing but failures too few to count continues it."""
    left = tally.planned - tally.seen
    limit = threshold * tally.planned
    counted = tally.planned >= MIN_SAMPLE
    transient = counted and tally.transient + left > limit
    auth = counted and tally.auth + left > limit
    unreachable = tally.planned >= MIN_UNREACHABLE_SAMPLE and tally.unreachable == tally.seen
    held = ongoing is not None and tally.answered == 0
    if left:
        return None if transient or auth or unreachable or held else Verdict.NORMAL
    if unreachable or (transient and tally.transient >= tally.auth):
        return Verdict.UNREACHABLE
    if auth:
        return Verdict.AUTH
    return ongoing if held else Verdict.NORMAL
