"""Alert grouping (issue 19), in the manner of Alertmanager's group_wait and
repeat_interval: an operator's alerts form one incident told in one chat message.

The first alerts of an incident wait `group_wait_s`, then go out as one notifying
message. Later alerts edit that message (silently) while the incident lasts; a new
notifying message is owed when the severity rises above what was last notified or the
incident reaches a pool or bot it did not name, and goes out at most once per
`repeat_s`. When nothing the incident names is down any more, one message closes it.

Severity, lowest first: a recovery, a bot offline, a pool critical (below half), a ban
confirmed, a pool with no bot left (every /go of it fails). A ban outranks a critical
pool because it needs the operator (a trip to @BotFather); an offline bot may come back
by itself."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum, StrEnum

from core.alerts import AlertKind


class Severity(IntEnum):
    RECOVERY = 0
    OFFLINE = 1
    CRITICAL = 2
    BANNED = 3
    EMPTY = 4


SEVERITY = {
    AlertKind.BOT_RECOVERED: Severity.RECOVERY,
    AlertKind.POOL_HEALTHY: Severity.RECOVERY,
    AlertKind.BOT_OFFLINE: Severity.OFFLINE,
    AlertKind.POOL_CRITICAL: Severity.CRITICAL,
    AlertKind.BOT_BANNED: Severity.BANNED,
    AlertKind.BOT_UNDECRYPTABLE: Severity.BANNED,  # out until the operator acts, like a ban
    AlertKind.POOL_EMPTY: Severity.EMPTY,
    # Leads go to the other bots, as when a bot is offline; the way back is a recovery.
    AlertKind.BACKEND_FAILING: Severity.OFFLINE,
    AlertKind.BACKEND_RECOVERED: Severity.RECOVERY,
    # A busy pool still serves every lead (a warning, like an offline bot); a full one
    # spills them to other bots, pools or the fallback link, like a critical pool.
    AlertKind.POOL_BUSY: Severity.OFFLINE,
    AlertKind.POOL_FULL: Severity.CRITICAL,
}

Subject = tuple[str, int]  # ("pool", id) or ("bot", id)


@dataclass(frozen=True, slots=True)
class Pending:
    """One undelivered alert of the outbox."""

    created_at: datetime
    severity: Severity
    subject: Subject


@dataclass(frozen=True, slots=True)
class Incident:
    """The open incident of one operator: the message that tells it, the highest
    severity notified, when, what it names, and a higher severity not yet notified."""

    message_id: int
    severity: Severity
    notified_at: datetime
    subjects: frozenset[Subject] = field(default_factory=frozenset)
    owed: Severity | None = None


class Step(StrEnum):
    NOTHING = "nothing"  # no alert, no notification owed
    WAIT = "wait"  # the group is still gathering (group_wait)
    SEND = "send"  # a new message: opens an incident or tells a rise
    EDIT = "edit"  # the incident's message shows the current state, silently
    RESOLVE = "resolve"  # a new message that closes the incident


@dataclass(frozen=True, slots=True)
class Policy:
    group_wait_s: float
    repeat_s: float


@dataclass(frozen=True, slots=True)
class Decision:
    step: Step
    severity: Severity | None = None  # of the message SEND writes (what it notifies for)


def decide(
    pending: Sequence[Pending],
    incident: Incident | None,
    now: datetime,
    policy: Policy,
    *,
    all_clear: bool,
) -> Decision:
    """What to do now for one operator. `all_clear`: nothing the incident and the pending
    alerts name is down any more (read from the current state, not from the alerts)."""
    known = settled(pending, incident, now, policy)
    if known is not None:
        return known
    top = max((p.severity for p in pending), default=None)
    if incident is None:  # the group waited long enough
        return Decision(Step.RESOLVE if all_clear else Step.SEND, top)
    if all_clear:
        return Decision(Step.RESOLVE, top) if pending else Decision(Step.NOTHING)
    owed = owed_severity(pending, incident)
    if owed is not None and now >= incident.notified_at + timedelta(seconds=policy.repeat_s):
        return Decision(Step.SEND, owed)
    return Decision(Step.EDIT) if pending else Decision(Step.NOTHING)


def settled(
    pending: Sequence[Pending], incident: Incident | None, now: datetime, policy: Policy
) -> Decision | None:
    """decide()'s answer when the current state cannot change it, so it need not be read
    (for an operator of thousands of pools that read is most of a delivery round): no
    alert pending and no notification due yet, or alerts still in their group wait. None
    when it takes the state."""
    if incident is None:
        if not pending:
            return Decision(Step.NOTHING)
        if now < min(p.created_at for p in pending) + timedelta(seconds=policy.group_wait_s):
            return Decision(Step.WAIT)
        return None
    if pending:
        return None
    if incident.owed is None or now < incident.notified_at + timedelta(seconds=policy.repeat_s):
        return Decision(Step.NOTHING)
    return None


def owed_severity(pending: Sequence[Pending], incident: Incident) -> Severity | None:
    """The severity a new notifying message is owed for: a rise above the severity last
    notified, or a pool or bot the incident did not name yet going down."""
    owed = incident.owed
    for alert in pending:
        rises = alert.severity > incident.severity
        new = alert.severity > Severity.RECOVERY and alert.subject not in incident.subjects
        if rises or new:
            owed = alert.severity if owed is None else max(owed, alert.severity)
    return owed


def quiet_now(local_hour: int, quiet_from: int | None, quiet_to: int | None) -> bool:
    """Whether `local_hour` is inside the operator's quiet hours [from, to), which may
    wrap midnight (22 to 7). Equal or unset bounds: no quiet hours."""
    if quiet_from is None or quiet_to is None or quiet_from == quiet_to:
        return False
    if quiet_from < quiet_to:
        return quiet_from <= local_hour < quiet_to
    return local_hour >= quiet_from or local_hour < quiet_to


def notifies(severity: Severity | None, quiet: bool) -> bool:
    """Inside quiet hours only a pool with no bot left rings the phone."""
    return not quiet or severity is Severity.EMPTY
