"""The backend-health policy (core.backend): one getWebhookInfo and the previous check in,
the backend's state out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.backend import (
    BackendRules,
    BackendState,
    WebhookInfo,
    assess,
    describe,
    worth_storing,
)
from core.settings import Settings

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
T = int(NOW.timestamp())
RULES = BackendRules(pending_threshold=100, recent_s=180)
HOOK = "https://funnel.example/hook"
WEBHOOK_DOWN = "webhook: Connection refused"


def seen(error=None, pending=0, error_date=None) -> BackendState:
    return BackendState(error, pending, error_date, NOW - timedelta(minutes=1))


def info(pending=0, error_date=None, message="Connection refused", url=HOOK) -> WebhookInfo:
    return WebhookInfo(url, pending, error_date, message if error_date else None)


@pytest.mark.parametrize(
    ("previous", "answer", "error"),
    [
        (seen(), info(), None),
        (seen(error_date=T - 500), info(error_date=T - 10), WEBHOOK_DOWN),
        (BackendState(), info(pending=1, error_date=T - 10), WEBHOOK_DOWN),
        (BackendState(), info(error_date=T - 3600), None),
        (seen(error_date=T - 10), info(pending=3, error_date=T - 10), None),
        (seen(error_date=T - 900), info(error_date=T - 600), None),
        (seen(), info(error_date=T - 5, url=""), None),
        (seen(pending=100), info(pending=412), "412 updates waiting"),
        (seen(pending=500), info(pending=412), None),
        (seen(pending=50), info(pending=100), None),
        (BackendState(), info(pending=5000), None),
        (seen(pending=101, error_date=T - 500), info(pending=150, error_date=T - 5), WEBHOOK_DOWN),
    ],
    ids=[
        "all-quiet",
        "a-webhook-error-newer-than-the-last-check-saw",
        "a-recent-webhook-error-at-the-first-check",
        "an-old-webhook-error-at-the-first-check-is-not-news",
        "the-same-error-date-as-before-is-not-news",
        "a-newer-error-that-is-not-recent-is-not-news",
        "a-polling-bot-has-no-webhook-errors",
        "a-backlog-over-the-threshold-that-grew",
        "a-backlog-over-the-threshold-that-fell",
        "a-backlog-that-grew-up-to-the-threshold",
        "a-first-count-cannot-show-growth",
        "a-webhook-error-names-the-cause-before-the-backlog",
    ],
)
def test_a_healthy_backend_starts_failing_only_on_news(previous, answer, error):
    assert assess(previous, answer, NOW, RULES).error == error


@pytest.mark.parametrize(
    ("previous", "answer", "error"),
    [
        (seen(WEBHOOK_DOWN, 3, T - 30), info(pending=3, error_date=T - 30), WEBHOOK_DOWN),
        (seen(WEBHOOK_DOWN, 3, T - 30), info(pending=4, error_date=T - 30), WEBHOOK_DOWN),
        (seen(WEBHOOK_DOWN, 3, T - 30), info(pending=0, error_date=T - 30), None),
        (seen(WEBHOOK_DOWN, 3, T - 30), info(pending=1, error_date=T - 30), None),
        (seen(WEBHOOK_DOWN, 3, T - 30), info(pending=3, error_date=T - 30, url=""), None),
        (seen("412 updates waiting", 412), info(pending=412), "412 updates waiting"),
        (seen("412 updates waiting", 412), info(pending=411), None),
        (seen("412 updates waiting", 412), info(pending=90), None),
        (seen("412 updates waiting", 412), info(pending=500), "500 updates waiting"),
    ],
    ids=[
        "webhook-updates-still-stuck",
        "webhook-backlog-still-growing",
        "webhook-delivered-everything",
        "webhook-draining",
        "webhook-removed-small-backlog",
        "backlog-standing-still-is-a-dead-consumer",
        "backlog-falling-is-being-taken",
        "backlog-under-the-threshold",
        "backlog-growing-again-tells-the-new-count",
    ],
)
def test_a_failing_backend_recovers_once_its_updates_are_being_taken(previous, answer, error):
    assert assess(previous, answer, NOW, RULES).error == error


def test_the_state_remembers_what_the_check_saw_for_the_next_one():
    state = assess(seen(error_date=T - 900), info(pending=7, error_date=T - 5), NOW, RULES)
    assert (state.pending, state.error_date, state.checked_at) == (7, T - 5, NOW)
    kept = assess(state, info(pending=2), NOW, RULES)
    assert kept.error_date == T - 5  # an answer without the field keeps the last one seen


def test_the_recent_window_grows_with_the_check_interval():
    often = BackendRules.from_settings(Settings(webhook_check_every=1, health_interval_s=10))
    rarely = BackendRules.from_settings(Settings(webhook_check_every=40, health_interval_s=15))
    assert often.recent_s == 180
    assert rarely.recent_s == 1800
    assert often.pending_threshold == Settings().backend_pending_threshold


def test_reasons_are_described_for_the_operators_language():
    assert describe(WEBHOOK_DOWN) == ("webhook", {"message": "Connection refused"})
    assert describe("412 updates waiting") == ("backlog", {"count": 412})
    assert describe("something else") == ("other", {"reason": "something else"})


def test_a_check_that_changes_little_is_not_written():
    stored = seen(pending=3)
    assert not worth_storing(stored, BackendState(None, 5, None, NOW))
    assert worth_storing(stored, BackendState(None, 40, None, NOW))
    assert worth_storing(stored, BackendState("40 updates waiting", 40, None, NOW))
    assert worth_storing(stored, BackendState(None, 3, T, NOW))
    # Neither the time of a check nor a first check that finds nothing is news.
    assert not worth_storing(stored, BackendState(None, 3, None, NOW + timedelta(hours=1)))
    assert not worth_storing(BackendState(), BackendState(None, 0, None, NOW))
    assert not worth_storing(BackendState(), BackendState(None, 8, None, NOW))
    assert worth_storing(BackendState(), BackendState(None, 40, None, NOW))
    assert worth_storing(BackendState(), BackendState(WEBHOOK_DOWN, 0, T, NOW))
