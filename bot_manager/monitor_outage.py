"""Outages of the path to Telegram (SPEC §11): within a pass, failures held back until
the outcomes so far rule one out; across passes, when one started and who was told, so
that each operator whose bots it hit hears of it once when it starts and once when it
ends."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from bot_manager.monitor_alerts import Message, plan_outage_alerts
from core import outage
from core.health import FAILURES, ProbeOutcome
from core.outage import PassTally, Verdict
from storage.db import Sessions, transaction
from storage.repos import outages

log = logging.getLogger(__name__)

T = TypeVar("T")


class FailureGate(Generic[T]):
    """One pass's failed probes, held back while the pass could still be an outage
    (core.outage.verdict) and handed to `release` as soon as it cannot. When the pass
    ends an outage, `held` is what was never applied."""

    def __init__(
        self,
        planned: int,
        threshold: float,
        ongoing: Verdict | None,
        release: Callable[[T], None],
    ) -> None:
        self.tally = PassTally(planned)
        self._threshold = threshold
        self._ongoing = ongoing
        self._release = release
        self.held: list[T] = []
        self.verdict = outage.verdict(self.tally, threshold, ongoing)

    def hold(self, item: T, outcome: ProbeOutcome) -> bool:
        """Count `outcome`; True when `item` is held back rather than to be stored now."""
        self.tally.add(outcome)
        held = outcome.kind in FAILURES and self.verdict is not Verdict.NORMAL
        if held:
            self.held.append(item)
        if self.verdict is None:
            self._decide()
        return held

    def close(self) -> Verdict:
        """The pass is over: its verdict, held failures released unless an outage."""
        return self._decide()

    def _decide(self) -> Verdict:
        verdict = outage.verdict(self.tally, self._threshold, self._ongoing)
        self.verdict = verdict
        if verdict is Verdict.NORMAL:
            for item in self.held:
                self._release(item)
            self.held.clear()
        return verdict or Verdict.NORMAL


@dataclass(slots=True)
class Outage:
    """An outage in course: its kind, since when, and who was told."""

    verdict: Verdict
    since: datetime
    told: set[int] = field(default_factory=set)


class OutageWatch:
    """Kept in memory: after a restart in the middle of an outage, its first pass starts
    it again (and its operators are told again)."""

    def __init__(self, sessions: Sessions) -> None:
        self._sessions = sessions
        self.current: Outage | None = None

    @property
    def ongoing(self) -> Verdict | None:
        return self.current.verdict if self.current else None

    async def follow(
        self,
        verdict: Verdict,
        failures: Sequence[tuple[int, ProbeOutcome]],
        probed: int,
        now: datetime,
    ) -> list[Message]:
        """Start, go on with or end the outage after a pass whose verdict is `verdict`,
        with the failures it held back as (owner id, outcome): the alerts to send."""
        current = self.current
        if verdict is Verdict.NORMAL:
            if current is None:
                return []
            self.current = None
            log.warning("path to Telegram back: the outage since %s is over", current.since)
            async with transaction(self._sessions) as session:
                await outages.end_open(session, now)
            async with self._sessions() as session:
                return await plan_outage_alerts(
                    session, current.told, current.verdict, current.since, now
                )
        if current is None:
            current = self.current = Outage(verdict, now)
            async with transaction(self._sessions) as session:
                await outages.end_open(session, now)  # one left open by a stopped process
                await outages.begin(session, verdict.value, now)
            log.error(
                "outage of the path to Telegram (%s): %d of %d probes failed at once; "
                "bot states are kept until it ends",
                verdict.value,
                len(failures),
                probed,
            )
        current.verdict = verdict
        owners = {owner_id for owner_id, _outcome in failures} - current.told
        if not owners:
            return []
        current.told |= owners
        details = Counter(outcome.detail for _owner, outcome in failures)
        async with self._sessions() as session:
            return await plan_outage_alerts(
                session,
                owners,
                verdict,
                current.since,
                failed=len(failures),
                probed=probed,
                detail=details.most_common(1)[0][0],
            )
