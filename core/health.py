"""The health state machine of SPEC §6: one probe outcome in, the bot's next state out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from core.domain import BotStatus

LATENCY_SMOOTHING = 0.3
# A probe that changes nothing but these is written at most this often...
LAST_CHECK_RESOLUTION = timedelta(minutes=1)
# ...unless the latency moved by more than this (milliseconds, or a share of it).
LATENCY_TOLERANCE_MS = 10.0
LATENCY_TOLERANCE_SHARE = 0.25
UNDECRYPTABLE = "token cannot be decrypted with this server's key"


class ProbeKind(StrEnum):
    OK = "ok"
    AUTH = "auth"
    RATE_LIMITED = "rate_limited"
    TRANSIENT = "transient"


FAILURES = frozenset({ProbeKind.AUTH, ProbeKind.TRANSIENT})  # counted toward offline and bans


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    kind: ProbeKind
    detail: str = ""
    latency_ms: float | None = None
    retry_after_s: float | None = None
    username: str | None = None
    # A transient failure with no answer at all (a timeout, a refused connection): the
    # path to the Bot API, never the bot, is what failed (core.outage counts these).
    unreachable: bool = False

    @classmethod
    def ok(cls, latency_ms: float, username: str | None = None) -> ProbeOutcome:
        return cls(ProbeKind.OK, latency_ms=latency_ms, username=username)


@dataclass(frozen=True, slots=True)
class HealthState:
    status: BotStatus = BotStatus.CHECKING
    consecutive_failures: int = 0
    auth_failures: int = 0
    breaker_until: datetime | None = None
    next_probe_at: datetime | None = None
    last_check: datetime | None = None
    last_error: str | None = None
    latency_ms: float | None = None

    def due(self, now: datetime) -> bool:
        """Whether a scheduled pass should probe this bot now (a banned bot waits for
        the operator's re-check)."""
        if self.status is BotStatus.BANNED:
            return False
        return self.next_probe_at is None or now >= self.next_probe_at


@dataclass(frozen=True, slots=True)
class StatusChange:
    old: BotStatus
    new: BotStatus


@dataclass(frozen=True, slots=True)
class ProbeFailed:
    kind: ProbeKind
    detail: str


HealthEvent = StatusChange | ProbeFailed


@dataclass(frozen=True, slots=True)
class HealthRules:
    breaker_cooldown_s: float = 120
    ban_after_failures: int = 3

    @classmethod
    def from_settings(cls, settings: object) -> HealthRules:
        return cls(
            breaker_cooldown_s=settings.breaker_cooldown_s,  # type: ignore[attr-defined]
            ban_after_failures=settings.ban_after_failures,  # type: ignore[attr-defined]
        )


def _smoothed(previous: float | None, sample: float | None) -> float | None:
    if sample is None:
        return previous
    if previous is None:
        return sample
    return previous + LATENCY_SMOOTHING * (sample - previous)


def transition(
    state: HealthState, outcome: ProbeOutcome, now: datetime, rules: HealthRules
) -> tuple[HealthState, list[HealthEvent]]:
    """Apply one probe outcome. Pure: the caller stores the state and acts on the events."""
    kind = outcome.kind
    checked = replace(
        state, last_check=now, latency_ms=_smoothed(state.latency_ms, outcome.latency_ms)
    )
    if kind is ProbeKind.OK:
        new = replace(
            checked,
            status=BotStatus.ONLINE,
            consecutive_failures=0,
            auth_failures=0,
            breaker_until=None,
            next_probe_at=None,
            last_error=None,
        )
    elif kind is ProbeKind.RATE_LIMITED:
        # Telegram asks us to wait: not a failure, but no proof of health either, so a
        # bot already down stays down (its owner was told; "recovered" comes with an ok).
        retry_at = now + timedelta(seconds=max(outcome.retry_after_s or 0, 0))
        down = state.status in (BotStatus.OFFLINE, BotStatus.BANNED)
        new = replace(
            checked,
            status=state.status if down else BotStatus.DEGRADED,
            breaker_until=retry_at if state.status is BotStatus.OFFLINE else None,
            next_probe_at=retry_at,
            last_error=outcome.detail,
        )
    else:
        failures = state.consecutive_failures + 1
        auth = state.auth_failures + 1 if kind is ProbeKind.AUTH else 0
        breaker = None
        if state.status is BotStatus.BANNED or auth >= rules.ban_after_failures:
            status = BotStatus.BANNED
        elif failures == 1:
            status = BotStatus.DEGRADED
        else:
            status = BotStatus.OFFLINE
            breaker = now + timedelta(seconds=rules.breaker_cooldown_s)
        new = replace(
            checked,
            status=status,
            consecutive_failures=failures,
            auth_failures=auth,
            breaker_until=breaker,
            next_probe_at=breaker,
            last_error=outcome.detail,
        )
    events: list[HealthEvent] = []
    if kind is not ProbeKind.OK:
        events.append(ProbeFailed(kind, outcome.detail))
    if new.status is not state.status:
        events.append(StatusChange(state.status, new.status))
    return new, events


def undecryptable(state: HealthState) -> tuple[HealthState, list[HealthEvent]]:
    """A bot whose token this server cannot decrypt: unknown health is no health, so it
    goes `offline` (never routed) with no breaker, and stays there until its token
    decrypts again and a probe answers. Failure counts are left alone: nothing was
    probed. No events when it is already so (its owner was told once)."""
    if is_undecryptable(state):
        return state, []
    new = replace(
        state,
        status=BotStatus.OFFLINE,
        breaker_until=None,
        next_probe_at=None,
        last_error=UNDECRYPTABLE,
    )
    events: list[HealthEvent] = [ProbeFailed(ProbeKind.TRANSIENT, UNDECRYPTABLE)]
    if new.status is not state.status:
        events.append(StatusChange(state.status, new.status))
    return new, events


def is_undecryptable(state: HealthState) -> bool:
    return state.status is BotStatus.OFFLINE and state.last_error == UNDECRYPTABLE


def worth_storing(old: HealthState, new: HealthState, events: list[HealthEvent]) -> bool:
    """Whether a probe's result needs a row written: an event (a failed probe, a status
    change), any change but the check time and latency, a latency that moved
    noticeably, or a stored check time older than LAST_CHECK_RESOLUTION. A healthy bot
    probed every pass is written about once a minute, not every pass."""
    if events:
        return True
    if replace(old, last_check=None, latency_ms=None) != replace(
        new, last_check=None, latency_ms=None
    ):
        return True
    if old.last_check is None or new.last_check is None:
        return True
    if new.last_check - old.last_check >= LAST_CHECK_RESOLUTION:
        return True
    if old.latency_ms is None or new.latency_ms is None:
        return old.latency_ms != new.latency_ms
    moved = abs(new.latency_ms - old.latency_ms)
    return moved > max(LATENCY_TOLERANCE_MS, LATENCY_TOLERANCE_SHARE * old.latency_ms)
