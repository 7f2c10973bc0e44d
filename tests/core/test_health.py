"""SPEC §6, the health state machine: one row per line of the spec's table, then the
paths through it (breaker expiry, bans, what is due)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.domain import BotStatus
from core.health import (
    LATENCY_SMOOTHING,
    UNDECRYPTABLE,
    HealthRules,
    HealthState,
    ProbeFailed,
    ProbeKind,
    ProbeOutcome,
    StatusChange,
    is_undecryptable,
    transition,
    undecryptable,
    worth_storing,
)
from core.settings import load_settings

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(seconds=15)
COOLDOWN, BAN_AFTER, RETRY = 120, 3, 30
RULES = HealthRules(breaker_cooldown_s=COOLDOWN, ban_after_failures=BAN_AFTER)

CHECKING, ONLINE, DEGRADED = BotStatus.CHECKING, BotStatus.ONLINE, BotStatus.DEGRADED
OFFLINE, BANNED = BotStatus.OFFLINE, BotStatus.BANNED

OK = ProbeOutcome.ok(200.0, username="renamed_bot")
AUTH = ProbeOutcome(ProbeKind.AUTH, "TelegramUnauthorizedError: Unauthorized")
RATE_LIMITED = ProbeOutcome(ProbeKind.RATE_LIMITED, "429 Too Many Requests", retry_after_s=RETRY)
TIMEOUT = ProbeOutcome(ProbeKind.TRANSIENT, "timeout after 5s")
SERVER_ERROR = ProbeOutcome(ProbeKind.TRANSIENT, "TelegramServerError: Bad Gateway")
CONNECTION = ProbeOutcome(ProbeKind.TRANSIENT, "connection error: ClientConnectorError")

# Start states as a monitor would find them when they are due for a probe.
S_CHECKING = HealthState()
S_ONLINE = HealthState(ONLINE, last_check=EARLIER, latency_ms=100.0)
S_DEGRADED = HealthState(DEGRADED, 1, last_check=EARLIER, last_error="timeout after 5s")
S_DEGRADED_AUTH = HealthState(DEGRADED, 1, 1, last_check=EARLIER, last_error="Unauthorized")
S_RATE_LIMITED = HealthState(DEGRADED, 0, next_probe_at=EARLIER, last_check=EARLIER)
S_OFFLINE = HealthState(OFFLINE, 2, 0, breaker_until=EARLIER, next_probe_at=EARLIER)
S_OFFLINE_AUTH = HealthState(OFFLINE, 2, 2, breaker_until=EARLIER, next_probe_at=EARLIER)
S_BANNED = HealthState(BANNED, 3, 3, last_check=EARLIER, last_error="Unauthorized")


def change(old: BotStatus, new: BotStatus) -> StatusChange:
    return StatusChange(old, new)


def failed(outcome: ProbeOutcome) -> ProbeFailed:
    return ProbeFailed(outcome.kind, outcome.detail)


def at(seconds: float | None) -> datetime | None:
    return None if seconds is None else NOW + timedelta(seconds=seconds)


# (start, outcome) -> (status, consecutive failures, auth failures, breaker, next probe, events)
# breaker and next probe are seconds after NOW, or None.
TABLE = [
    # ok: online from every state, failures reset, breaker cleared
    ("ok/checking", S_CHECKING, OK, ONLINE, 0, 0, None, None, [change(CHECKING, ONLINE)]),
    ("ok/online", S_ONLINE, OK, ONLINE, 0, 0, None, None, []),
    ("ok/degraded", S_DEGRADED, OK, ONLINE, 0, 0, None, None, [change(DEGRADED, ONLINE)]),
    ("ok/rate-limited", S_RATE_LIMITED, OK, ONLINE, 0, 0, None, None, [change(DEGRADED, ONLINE)]),
    ("ok/offline", S_OFFLINE, OK, ONLINE, 0, 0, None, None, [change(OFFLINE, ONLINE)]),
    ("ok/offline-auth", S_OFFLINE_AUTH, OK, ONLINE, 0, 0, None, None, [change(OFFLINE, ONLINE)]),
    ("ok/banned", S_BANNED, OK, ONLINE, 0, 0, None, None, [change(BANNED, ONLINE)]),
    # 429: degraded, next probe not before retry_after; not a failure
    ("429/checking", S_CHECKING, RATE_LIMITED, DEGRADED, 0, 0, None, RETRY,
     [failed(RATE_LIMITED), change(CHECKING, DEGRADED)]),
    ("429/online", S_ONLINE, RATE_LIMITED, DEGRADED, 0, 0, None, RETRY,
     [failed(RATE_LIMITED), change(ONLINE, DEGRADED)]),
    ("429/degraded", S_DEGRADED, RATE_LIMITED, DEGRADED, 1, 0, None, RETRY, [failed(RATE_LIMITED)]),
    ("429/rate-limited", S_RATE_LIMITED, RATE_LIMITED, DEGRADED, 0, 0, None, RETRY,
     [failed(RATE_LIMITED)]),
    # a bot already down stays down (and out of rotation) until an ok proves it back
    ("429/offline", S_OFFLINE, RATE_LIMITED, OFFLINE, 2, 0, RETRY, RETRY, [failed(RATE_LIMITED)]),
    ("429/banned", S_BANNED, RATE_LIMITED, BANNED, 3, 3, None, RETRY, [failed(RATE_LIMITED)]),
    # transient: 1st failure degraded, 2nd offline with the breaker, never toward a ban
    ("timeout/checking", S_CHECKING, TIMEOUT, DEGRADED, 1, 0, None, None,
     [failed(TIMEOUT), change(CHECKING, DEGRADED)]),
    ("timeout/online", S_ONLINE, TIMEOUT, DEGRADED, 1, 0, None, None,
     [failed(TIMEOUT), change(ONLINE, DEGRADED)]),
    ("5xx/online", S_ONLINE, SERVER_ERROR, DEGRADED, 1, 0, None, None,
     [failed(SERVER_ERROR), change(ONLINE, DEGRADED)]),
    ("connection/online", S_ONLINE, CONNECTION, DEGRADED, 1, 0, None, None,
     [failed(CONNECTION), change(ONLINE, DEGRADED)]),
    ("timeout/degraded", S_DEGRADED, TIMEOUT, OFFLINE, 2, 0, COOLDOWN, COOLDOWN,
     [failed(TIMEOUT), change(DEGRADED, OFFLINE)]),
    ("5xx/degraded", S_DEGRADED, SERVER_ERROR, OFFLINE, 2, 0, COOLDOWN, COOLDOWN,
     [failed(SERVER_ERROR), change(DEGRADED, OFFLINE)]),
    ("timeout/rate-limited", S_RATE_LIMITED, TIMEOUT, DEGRADED, 1, 0, None, None,
     [failed(TIMEOUT)]),
    ("connection/offline", S_OFFLINE, CONNECTION, OFFLINE, 3, 0, COOLDOWN, COOLDOWN,
     [failed(CONNECTION)]),
    # a transient in between resets the run of auth failures
    ("5xx/degraded-auth", S_DEGRADED_AUTH, SERVER_ERROR, OFFLINE, 2, 0, COOLDOWN, COOLDOWN,
     [failed(SERVER_ERROR), change(DEGRADED, OFFLINE)]),
    ("timeout/offline-auth", S_OFFLINE_AUTH, TIMEOUT, OFFLINE, 3, 0, COOLDOWN, COOLDOWN,
     [failed(TIMEOUT)]),
    ("timeout/banned", S_BANNED, TIMEOUT, BANNED, 4, 0, None, None, [failed(TIMEOUT)]),
    # auth: counts like any failure, and BAN_AFTER in a row ban
    ("auth/checking", S_CHECKING, AUTH, DEGRADED, 1, 1, None, None,
     [failed(AUTH), change(CHECKING, DEGRADED)]),
    ("auth/online", S_ONLINE, AUTH, DEGRADED, 1, 1, None, None,
     [failed(AUTH), change(ONLINE, DEGRADED)]),
    ("auth/degraded", S_DEGRADED, AUTH, OFFLINE, 2, 1, COOLDOWN, COOLDOWN,
     [failed(AUTH), change(DEGRADED, OFFLINE)]),
    ("auth/degraded-auth", S_DEGRADED_AUTH, AUTH, OFFLINE, 2, 2, COOLDOWN, COOLDOWN,
     [failed(AUTH), change(DEGRADED, OFFLINE)]),
    ("auth/offline", S_OFFLINE, AUTH, OFFLINE, 3, 1, COOLDOWN, COOLDOWN, [failed(AUTH)]),
    ("auth/offline-auth", S_OFFLINE_AUTH, AUTH, BANNED, 3, 3, None, None,
     [failed(AUTH), change(OFFLINE, BANNED)]),
    ("auth/banned", S_BANNED, AUTH, BANNED, 4, 4, None, None, [failed(AUTH)]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("start", "outcome", "status", "failures", "auth", "breaker", "next_probe", "events"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_one_probe_outcome_moves_the_bot_as_the_spec_table_says(
    start: HealthState,
    outcome: ProbeOutcome,
    status: BotStatus,
    failures: int,
    auth: int,
    breaker: float | None,
    next_probe: float | None,
    events: list[object],
) -> None:
    new, emitted = transition(start, outcome, NOW, RULES)
    assert new.status is status
    assert (new.consecutive_failures, new.auth_failures) == (failures, auth)
    assert new.breaker_until == at(breaker)
    assert new.next_probe_at == at(next_probe)
    assert emitted == events
    assert new.last_check == NOW
    assert new.last_error == (None if outcome.kind is ProbeKind.OK else outcome.detail)


def test_the_table_covers_every_outcome_kind_from_every_status() -> None:
    covered = {(row[1].status, row[2].kind) for row in TABLE}
    assert covered == {(status, kind) for status in BotStatus for kind in ProbeKind}


def run(
    outcomes: list[ProbeOutcome],
    state: HealthState = S_ONLINE,
    *,
    rules: HealthRules = RULES,
    step: timedelta = timedelta(seconds=COOLDOWN + 1),
) -> list[HealthState]:
    """Each outcome applied when the bot is next due (a banned bot: when re-checked);
    the states after each."""
    now, states = NOW, []
    for outcome in outcomes:
        if state.next_probe_at is not None:
            now = max(now, state.next_probe_at)
        state, _events = transition(state, outcome, now, rules)
        states.append(state)
        now += step
    return states


# latency


def test_the_first_latency_is_recorded_as_measured() -> None:
    new, _ = transition(S_CHECKING, ProbeOutcome.ok(240.0), NOW, RULES)
    assert new.latency_ms == 240.0


def test_latency_is_a_moving_average() -> None:
    new, _ = transition(S_ONLINE, ProbeOutcome.ok(200.0), NOW, RULES)
    assert new.latency_ms == pytest.approx(100.0 + LATENCY_SMOOTHING * 100.0)
    states = run([ProbeOutcome.ok(50.0)] * 40)
    assert states[-1].latency_ms == pytest.approx(50.0, abs=0.01)


def test_a_failed_probe_keeps_the_last_latency() -> None:
    new, _ = transition(S_ONLINE, TIMEOUT, NOW, RULES)
    assert new.latency_ms == S_ONLINE.latency_ms


# transient failures, breaker, bans


def test_transient_failures_never_ban_however_many() -> None:
    states = run([TIMEOUT, SERVER_ERROR, CONNECTION] * 20)
    assert [s.status for s in states[:2]] == [DEGRADED, OFFLINE]
    assert all(s.status is OFFLINE for s in states[1:])
    assert states[-1].consecutive_failures == 60
    assert all(s.auth_failures == 0 for s in states)


@pytest.mark.parametrize("ban_after", [1, 2, 3, 5])
def test_a_bot_is_banned_after_exactly_ban_after_failures_auth_failures_in_a_row(
    ban_after: int,
) -> None:
    rules = HealthRules(breaker_cooldown_s=COOLDOWN, ban_after_failures=ban_after)
    states = run([AUTH] * (ban_after + 2), rules=rules)
    assert [s.status is BANNED for s in states] == [
        i + 1 >= ban_after for i in range(ban_after + 2)
    ]


def test_a_transient_failure_between_auth_failures_restarts_the_ban_count() -> None:
    states = run([AUTH, AUTH, TIMEOUT, AUTH, AUTH])
    assert BANNED not in {s.status for s in states}
    assert states[-1].auth_failures == 2
    assert run([AUTH], states[-1])[0].status is BANNED


def test_rate_limits_neither_count_toward_a_ban_nor_reset_it() -> None:
    states = run([AUTH, AUTH, RATE_LIMITED, AUTH])
    assert [s.status for s in states] == [DEGRADED, OFFLINE, OFFLINE, BANNED]


def test_the_breaker_keeps_an_offline_bot_unprobed_until_it_expires() -> None:
    offline, _ = transition(S_DEGRADED, TIMEOUT, NOW, RULES)
    expiry = NOW + timedelta(seconds=COOLDOWN)
    assert offline.breaker_until == expiry
    assert not offline.due(NOW)
    assert not offline.due(expiry - timedelta(microseconds=1))
    assert offline.due(expiry)
    assert offline.due(expiry + timedelta(hours=1))


def test_an_offline_bot_probed_after_its_breaker_recovers_with_one_ok() -> None:
    offline, _ = transition(S_DEGRADED, TIMEOUT, NOW, RULES)
    later = NOW + timedelta(seconds=COOLDOWN)
    online, events = transition(offline, OK, later, RULES)
    assert online.status is ONLINE
    assert (online.breaker_until, online.consecutive_failures) == (None, 0)
    assert events == [change(OFFLINE, ONLINE)]
    assert online.due(later)


def test_a_rate_limited_bot_is_not_probed_before_retry_after() -> None:
    limited, _ = transition(S_ONLINE, RATE_LIMITED, NOW, RULES)
    assert not limited.due(NOW + timedelta(seconds=RETRY - 1))
    assert limited.due(NOW + timedelta(seconds=RETRY))


def test_a_429_without_retry_after_may_be_probed_on_the_next_pass() -> None:
    limited, _ = transition(S_ONLINE, ProbeOutcome(ProbeKind.RATE_LIMITED, "429"), NOW, RULES)
    assert limited.status is DEGRADED
    assert limited.due(NOW)


def test_a_banned_bot_is_never_due_until_re_checked() -> None:
    banned = run([AUTH] * BAN_AFTER)[-1]
    assert banned.status is BANNED
    for later in (timedelta(0), timedelta(seconds=COOLDOWN), timedelta(days=30)):
        assert not banned.due(NOW + later)
    rechecked, events = transition(banned, OK, NOW + timedelta(days=30), RULES)
    assert rechecked.status is ONLINE
    assert events == [change(BANNED, ONLINE)]
    assert rechecked.due(NOW + timedelta(days=30))


def test_online_degraded_and_new_bots_are_due_on_every_pass() -> None:
    for state in (S_CHECKING, S_ONLINE, S_DEGRADED, S_DEGRADED_AUTH):
        assert state.due(NOW)


def test_a_success_from_any_state_clears_every_trace_of_failure() -> None:
    for start in (S_CHECKING, S_ONLINE, S_DEGRADED, S_RATE_LIMITED, S_OFFLINE, S_BANNED):
        start = replace(start, breaker_until=NOW + timedelta(hours=1))
        new, _ = transition(start, OK, NOW, RULES)
        assert (new.status, new.consecutive_failures, new.auth_failures) == (ONLINE, 0, 0)
        assert (new.breaker_until, new.next_probe_at, new.last_error) == (None, None, None)


def test_rules_come_from_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BOTPOOL_BREAKER_COOLDOWN_S", "30")
    monkeypatch.setenv("BOTPOOL_BAN_AFTER_FAILURES", "5")
    settings = load_settings()
    assert HealthRules.from_settings(settings) == HealthRules(30, 5)


class TestWorthStoring:
    """A probe that changes nothing an operator or /go would see needs no row write."""

    NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    RULES = HealthRules()

    def stored(self, **fields) -> HealthState:
        base = {"status": BotStatus.ONLINE, "last_check": self.NOW, "latency_ms": 100.0}
        return HealthState(**{**base, **fields})

    def probe(self, state: HealthState, outcome: ProbeOutcome, after_s: float = 15):
        new, events = transition(state, outcome, self.NOW + timedelta(seconds=after_s), self.RULES)
        return worth_storing(state, new, events)

    def test_a_healthy_bot_probed_again_soon_with_about_the_same_latency_is_not_written(self):
        assert not self.probe(self.stored(), ProbeOutcome.ok(104.0))

    def test_it_is_written_once_its_stored_check_is_a_minute_old(self):
        assert self.probe(self.stored(), ProbeOutcome.ok(100.0), after_s=60)

    def test_a_latency_that_moved_noticeably_is_written(self):
        assert self.probe(self.stored(), ProbeOutcome.ok(400.0))

    @pytest.mark.parametrize(
        "outcome",
        [
            ProbeOutcome(ProbeKind.TRANSIENT, "timeout"),
            ProbeOutcome(ProbeKind.AUTH, "401"),
            ProbeOutcome(ProbeKind.RATE_LIMITED, "429", retry_after_s=5),
        ],
    )
    def test_every_failed_probe_is_written(self, outcome):
        assert self.probe(self.stored(), outcome)

    def test_a_recovery_is_written(self):
        down = self.stored(status=BotStatus.DEGRADED, consecutive_failures=1, last_error="x")
        assert self.probe(down, ProbeOutcome.ok(100.0))

    def test_a_first_check_is_written(self):
        assert self.probe(HealthState(), ProbeOutcome.ok(100.0))


@pytest.mark.parametrize(
    "state",
    [S_CHECKING, S_ONLINE, S_DEGRADED, S_RATE_LIMITED, S_OFFLINE, S_BANNED],
    ids=["checking", "online", "degraded", "rate-limited", "offline", "banned"],
)
def test_an_undecryptable_token_takes_a_bot_offline_once_until_a_probe_answers(state):
    new, events = undecryptable(state)
    assert (new.status, new.last_error) == (OFFLINE, UNDECRYPTABLE)
    assert new.breaker_until is None and new.due(NOW)
    assert (new.consecutive_failures, new.auth_failures) == (
        state.consecutive_failures,
        state.auth_failures,
    )
    assert events[0] == ProbeFailed(ProbeKind.TRANSIENT, UNDECRYPTABLE)
    assert (change(state.status, OFFLINE) in events) is (state.status is not OFFLINE)
    assert is_undecryptable(new) and not is_undecryptable(state)
    assert undecryptable(new) == (new, [])
    assert transition(new, OK, NOW, RULES)[0].status is ONLINE
