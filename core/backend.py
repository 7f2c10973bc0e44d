"""Backend health (SPEC §12): whether the funnel behind a bot answers, judged from the
bot's `getWebhookInfo` at one check and what the previous check saw. Pure: the monitor
asks Telegram, stores the state and acts on the change.

A bot is alive at Telegram (getMe answers) while the operator's server behind it may be
down: leads press Start and nobody answers. Two signs tell it:

- a webhook bot (`url` set) whose `last_error_date` is newer than the one the previous
  check saw, and recent (RECENT_MIN_S, or three check intervals): Telegram failed to
  deliver an update just now. Reason `webhook: <last_error_message>`.
- any bot whose `pending_update_count` is above the threshold and grew since the
  previous check: nobody takes its updates. Reason `<n> updates waiting`.

A failing bot stays failing, with its reason, while its updates are not being taken:
the backlog is still above the threshold (or, for a webhook failure, any update waits)
and did not fall since the previous check. A backlog that stands still while the bot is
out of rotation is a dead consumer, not a recovered one: the leads that fed it went to
the other bots. It recovers at the first check with no new webhook error and a backlog
that fell, or is under the threshold (for a webhook failure: none left waiting).

Telegram keeps `last_error_date` after the webhook works again, hence "newer than the
previous check saw", never "present". The first check of a bot (nothing seen before)
can only fail for a recent webhook error: growth needs two counts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

WEBHOOK_PREFIX = "webhook: "
BACKLOG_RE = re.compile(r"^(\d+) updates waiting$")
RECENT_MIN_S = 180.0
MESSAGE_MAX = 200


@dataclass(frozen=True, slots=True)
class WebhookInfo:
    """What getWebhookInfo says about a bot (the fields backend health reads)."""

    url: str = ""
    pending_update_count: int = 0
    last_error_date: int | None = None  # Unix time
    last_error_message: str | None = None


@dataclass(frozen=True, slots=True)
class BackendState:
    """What is known of a bot's backend: why it is failing (None: it is not), and the
    pending updates and webhook error date of the last check, made at `checked_at`."""

    error: str | None = None
    pending: int | None = None
    error_date: int | None = None
    checked_at: datetime | None = None

    @property
    def failing(self) -> bool:
        return self.error is not None


@dataclass(frozen=True, slots=True)
class BackendRules:
    pending_threshold: int = 100
    # A webhook error older than this (seconds before the check) is not news, whatever
    # the previous check saw: after a restart or a long pause it says nothing of now.
    recent_s: float = RECENT_MIN_S

    @classmethod
    def from_settings(cls, settings: object) -> BackendRules:
        interval = float(settings.backend_check_interval_s)  # type: ignore[attr-defined]
        return cls(
            pending_threshold=settings.backend_pending_threshold,  # type: ignore[attr-defined]
            recent_s=max(RECENT_MIN_S, 3 * interval),
        )


def assess(
    previous: BackendState, info: WebhookInfo, now: datetime, rules: BackendRules
) -> BackendState:
    """The backend's state after one check (rules in the module's docstring)."""
    pending = max(info.pending_update_count, 0)
    seen = previous.error_date
    new_error = (
        bool(info.url)
        and info.last_error_date is not None
        and (seen is None or info.last_error_date > seen)
        and now.timestamp() - info.last_error_date <= rules.recent_s
    )
    before = previous.pending
    growing = before is not None and pending > before and pending > rules.pending_threshold
    draining = before is not None and pending < before
    error: str | None = None
    if new_error:
        message = (info.last_error_message or "delivery failed").strip()[:MESSAGE_MAX]
        error = WEBHOOK_PREFIX + message
    elif growing:
        error = backlog_reason(pending)
    elif previous.error is not None and not draining:
        waiting_on = 0 if is_webhook(previous.error) and info.url else rules.pending_threshold
        if pending > waiting_on:
            error = previous.error
    return BackendState(
        error=error,
        pending=pending,
        error_date=info.last_error_date if info.last_error_date is not None else seen,
        checked_at=now,
    )


def backlog_reason(pending: int) -> str:
    return f"{pending} updates waiting"


def is_webhook(reason: str) -> bool:
    return reason.startswith(WEBHOOK_PREFIX)


def describe(reason: str) -> tuple[str, dict[str, object]]:
    """A stored reason as a text key suffix and its values, for the operator's language:
    ("webhook", {"message": ...}), ("backlog", {"count": n}) or ("other", {"reason": ...})."""
    if is_webhook(reason):
        return "webhook", {"message": reason.removeprefix(WEBHOOK_PREFIX)}
    match = BACKLOG_RE.match(reason)
    if match:
        return "backlog", {"count": int(match.group(1))}
    return "other", {"reason": reason}


# A check that changes neither the verdict nor the webhook error date writes its pending
# count only when it moved by more than this (updates, or a share of it); a count never
# stored counts as none. The check's time is not written for its own sake: a fleet that
# keeps up writes nothing, its first checks included (10,000 new bots were 10,000 row
# writes in one check interval, bench/scale.py).
PENDING_TOLERANCE = 10
PENDING_TOLERANCE_SHARE = 0.25


def worth_storing(stored: BackendState, new: BackendState) -> bool:
    """Whether a check's state needs the bot's row written. The monitor keeps every
    check's exact figures in memory for the next one; the row is for other processes,
    the operator, and a restart, which need the verdict and a backlog, not the time of
    a check that found nothing."""
    if stored.error != new.error or stored.error_date != new.error_date:
        return True
    before, after = stored.pending or 0, new.pending or 0
    return abs(after - before) > max(PENDING_TOLERANCE, PENDING_TOLERANCE_SHARE * before)
