"""Alert grouping (issue 19) as a table: what one delivery round does for one operator,
given their undelivered alerts, their open incident and the time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.incidents import (
    Decision,
    Incident,
    Pending,
    Policy,
    Severity,
    Step,
    decide,
    notifies,
    owed_severity,
    quiet_now,
    settled,
)

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
POLICY = Policy(group_wait_s=10, repeat_s=60)
POOL_A, POOL_B = ("pool", 1), ("pool", 2)
BOT_1, BOT_2, BOT_5 = ("bot", 1), ("bot", 2), ("bot", 5)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def alert(seconds: float, severity: Severity, subject=BOT_1) -> Pending:
    return Pending(at(seconds), severity, subject)


def incident(
    severity: Severity, notified_s: float = 0, subjects=(POOL_A, BOT_1, BOT_2), owed=None
) -> Incident:
    return Incident(7, severity, at(notified_s), frozenset(subjects), owed)


S = Severity
CASES = [
    # (name, pending, incident, now_s, all_clear, decision)
    ("nothing", [], None, 5, False, Decision(Step.NOTHING)),
    ("first alert waits the group", [alert(0, S.OFFLINE)], None, 9.9, False, Decision(Step.WAIT)),
    (
        "the group goes out as one message at the worst severity",
        [alert(0, S.OFFLINE), alert(2, S.EMPTY, POOL_A), alert(3, S.OFFLINE, BOT_2)],
        None,
        10,
        False,
        Decision(Step.SEND, S.EMPTY),
    ),
    (
        "down and back within the wait: one message that says it is over",
        [alert(0, S.OFFLINE), alert(4, S.RECOVERY)],
        None,
        10,
        True,
        Decision(Step.RESOLVE, S.OFFLINE),
    ),
    (
        "bans after an empty pool only edit",
        [alert(20, S.BANNED), alert(20, S.BANNED, BOT_2)],
        incident(S.EMPTY),
        21,
        False,
        Decision(Step.EDIT),
    ),
    (
        "a rise inside the repeat window edits now",
        [alert(20, S.EMPTY, POOL_A)],
        incident(S.OFFLINE),
        21,
        False,
        Decision(Step.EDIT),
    ),
    (
        "a rise after the repeat window notifies",
        [alert(70, S.EMPTY, POOL_A)],
        incident(S.OFFLINE),
        70,
        False,
        Decision(Step.SEND, S.EMPTY),
    ),
    (
        "a rise told by an edit is still owed once the window passes",
        [],
        incident(S.OFFLINE, owed=S.EMPTY),
        60,
        False,
        Decision(Step.SEND, S.EMPTY),
    ),
    (
        "an owed rise waits for the window",
        [],
        incident(S.OFFLINE, owed=S.EMPTY),
        59,
        False,
        Decision(Step.NOTHING),
    ),
    (
        "a bot of another pool going down is news even at a lower severity",
        [alert(90, S.OFFLINE, BOT_5), alert(90, S.CRITICAL, POOL_B)],
        incident(S.EMPTY),
        90,
        False,
        Decision(Step.SEND, S.CRITICAL),
    ),
    (
        "a lower severity for what the incident names only edits",
        [alert(90, S.OFFLINE, BOT_2)],
        incident(S.BANNED),
        90,
        False,
        Decision(Step.EDIT),
    ),
    (
        "a recovery that leaves something down edits",
        [alert(30, S.RECOVERY)],
        incident(S.BANNED),
        30,
        False,
        Decision(Step.EDIT),
    ),
    (
        "the last recovery closes the incident at once",
        [alert(30, S.RECOVERY, POOL_A)],
        incident(S.EMPTY),
        30,
        True,
        Decision(Step.RESOLVE, S.RECOVERY),
    ),
    ("all clear with nothing to tell", [], incident(S.OFFLINE), 30, True, Decision(Step.NOTHING)),
]


@pytest.mark.parametrize(
    ("pending", "open_incident", "now_s", "all_clear", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_decide(pending, open_incident, now_s, all_clear, expected):
    assert decide(pending, open_incident, at(now_s), POLICY, all_clear=all_clear) == expected


def test_owed_severity_keeps_the_highest_rise_and_ignores_recoveries_of_new_subjects():
    open_incident = incident(S.OFFLINE, owed=S.CRITICAL)
    assert owed_severity([alert(1, S.RECOVERY, BOT_5)], open_incident) is S.CRITICAL
    assert owed_severity([alert(1, S.EMPTY, POOL_A)], open_incident) is S.EMPTY
    assert owed_severity([alert(1, S.OFFLINE, BOT_2)], incident(S.OFFLINE)) is None


@pytest.mark.parametrize(
    ("hour", "quiet_from", "quiet_to", "quiet"),
    [
        (23, 22, 7, True),
        (3, 22, 7, True),
        (7, 22, 7, False),
        (21, 22, 7, False),
        (13, 12, 14, True),
        (14, 12, 14, False),
        (3, None, 7, False),
        (3, 5, 5, False),
    ],
)
def test_quiet_hours_wrap_midnight_and_end_at_their_last_hour(hour, quiet_from, quiet_to, quiet):
    assert quiet_now(hour, quiet_from, quiet_to) is quiet


@pytest.mark.parametrize("severity", list(Severity))
def test_inside_quiet_hours_only_an_empty_pool_notifies(severity):
    assert notifies(severity, quiet=False)
    assert notifies(severity, quiet=True) is (severity is Severity.EMPTY)


@pytest.mark.parametrize(
    ("pending", "open_incident", "now_s", "all_clear", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_what_is_settled_without_the_state_is_what_decide_says_either_way(
    pending, open_incident, now_s, all_clear, expected
):
    known = settled(pending, open_incident, at(now_s), POLICY)
    if known is not None:
        for clear in (True, False):
            assert decide(pending, open_incident, at(now_s), POLICY, all_clear=clear) == known


def test_the_state_is_read_only_when_something_may_be_told():
    assert settled([], None, at(30), POLICY) == Decision(Step.NOTHING)
    waiting = [alert(25, S.OFFLINE)]
    assert settled(waiting, None, at(30), POLICY) == Decision(Step.WAIT)
    assert settled(waiting, None, at(25 + POLICY.group_wait_s), POLICY) is None
    owed = incident(S.OFFLINE, owed=S.EMPTY)
    assert settled([], owed, at(59), POLICY) == Decision(Step.NOTHING)
    assert settled([], owed, at(60), POLICY) is None
    assert settled(waiting, owed, at(30), POLICY) is None
