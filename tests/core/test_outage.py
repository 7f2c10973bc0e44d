"""SPEC §11, mass failure: when a health pass is an outage of the path to Telegram, as a
table of whole passes, then what can be decided before a pass ends."""

from __future__ import annotations

from itertools import combinations_with_replacement

import pytest

from core.health import ProbeKind, ProbeOutcome
from core.outage import MIN_SAMPLE, MIN_UNREACHABLE_SAMPLE, PassTally, Verdict, verdict

OK = ProbeOutcome.ok(80.0)
RATE_LIMITED = ProbeOutcome(ProbeKind.RATE_LIMITED, "429 Too Many Requests")
SERVER_ERROR = ProbeOutcome(ProbeKind.TRANSIENT, "TelegramServerError: Bad Gateway")
TIMEOUT = ProbeOutcome(ProbeKind.TRANSIENT, "timeout after 5s", unreachable=True)
AUTH = ProbeOutcome(ProbeKind.AUTH, "TelegramUnauthorizedError: Unauthorized")

NORMAL, UNREACHABLE, AUTH_FAULT = Verdict.NORMAL, Verdict.UNREACHABLE, Verdict.AUTH


def tally(planned: int | None = None, **counts: int) -> PassTally:
    """A tally of `counts` outcomes by name (ok=4, timeout=6, ...), out of `planned`
    probes (all of them seen when None)."""
    outcomes = {
        "ok": OK,
        "rate_limited": RATE_LIMITED,
        "server_error": SERVER_ERROR,
        "timeout": TIMEOUT,
        "auth": AUTH,
    }
    seen = [outcomes[name] for name, n in counts.items() for _ in range(n)]
    result = PassTally(len(seen) if planned is None else planned)
    for outcome in seen:
        result.add(outcome)
    return result


@pytest.mark.parametrize(
    ("counts", "threshold", "ongoing", "expected"),
    [
        ({"ok": 10}, 0.5, None, NORMAL),
        ({"ok": 9, "server_error": 1}, 0.5, None, NORMAL),
        ({"ok": 5, "server_error": 5}, 0.5, None, NORMAL),
        ({"ok": 4, "server_error": 6}, 0.5, None, UNREACHABLE),
        ({"ok": 4, "server_error": 3, "timeout": 3}, 0.5, None, UNREACHABLE),
        ({"ok": 4, "auth": 6}, 0.5, None, AUTH_FAULT),
        ({"auth": 10}, 0.5, None, AUTH_FAULT),
        ({"ok": 4, "server_error": 3, "auth": 3}, 0.5, None, NORMAL),
        ({"rate_limited": 4, "server_error": 6}, 0.5, None, UNREACHABLE),
        ({"rate_limited": 6, "server_error": 4}, 0.5, None, NORMAL),
        ({"ok": 1, "server_error": 2}, 0.5, None, UNREACHABLE),
        ({"ok": 1, "auth": 2}, 0.5, None, AUTH_FAULT),
        ({"server_error": 2}, 0.5, None, NORMAL),
        ({"auth": 2}, 0.5, None, NORMAL),
        ({"timeout": 2}, 0.5, None, UNREACHABLE),
        ({"timeout": 1}, 0.5, None, NORMAL),
        ({"server_error": 1}, 0.5, None, NORMAL),
        ({}, 0.5, None, NORMAL),
        ({"ok": 3, "server_error": 7}, 0.8, None, NORMAL),
        ({"ok": 1, "server_error": 9}, 0.8, None, UNREACHABLE),
        ({"server_error": 10}, 1.0, None, NORMAL),
        ({"auth": 10}, 1.0, None, NORMAL),
        ({"timeout": 10}, 1.0, None, UNREACHABLE),
        ({"ok": 2, "server_error": 4, "auth": 4}, 0.3, None, UNREACHABLE),
        ({"ok": 2, "server_error": 3, "auth": 5}, 0.3, None, AUTH_FAULT),
        ({}, 0.5, UNREACHABLE, UNREACHABLE),
        ({"server_error": 1}, 0.5, UNREACHABLE, UNREACHABLE),
        ({"auth": 2}, 0.5, AUTH_FAULT, AUTH_FAULT),
        ({"ok": 1}, 0.5, UNREACHABLE, NORMAL),
        ({"ok": 1, "server_error": 1}, 0.5, UNREACHABLE, NORMAL),
        ({"ok": 9, "auth": 1}, 0.5, AUTH_FAULT, NORMAL),
        ({"ok": 1, "server_error": 9}, 0.5, AUTH_FAULT, UNREACHABLE),
    ],
    ids=[
        "all-ok",
        "one-failing-bot-among-healthy-ones",
        "half-is-not-most",
        "most-5xx",
        "most-fail-5xx-and-timeouts-mixed-is-one-way",
        "most-auth",
        "every-token-refused",
        "split-between-ways-is-no-outage",
        "429s-are-answers-5xx-most",
        "429s-are-answers-5xx-few",
        "three-bots-two-5xx",
        "three-bots-two-auth",
        "two-bots-both-5xx-too-few",
        "two-bots-both-auth-too-few",
        "two-bots-both-unanswered",
        "one-bot-unanswered-is-the-bot",
        "one-bot-5xx",
        "nothing-probed",
        "higher-threshold-not-reached",
        "higher-threshold-reached",
        "threshold-1-turns-the-share-rule-off",
        "threshold-1-no-mass-ban-rule",
        "threshold-1-still-every-probe-unanswered",
        "low-threshold-both-ways-more-5xx",
        "low-threshold-both-ways-more-auth",
        "ongoing-and-nothing-probed-goes-on",
        "ongoing-and-one-failure-goes-on",
        "ongoing-auth-and-few-auth-failures-go-on",
        "ongoing-ends-with-an-answer",
        "ongoing-ends-with-an-answer-and-a-failure",
        "ongoing-auth-ends-when-few-fail",
        "ongoing-changes-kind",
    ],
)
def test_verdict_of_a_whole_pass(counts, threshold, ongoing, expected):
    assert verdict(tally(**counts), threshold, ongoing) is expected


@pytest.mark.parametrize(
    ("planned", "counts", "ongoing", "expected"),
    [
        (10, {"ok": 5}, None, NORMAL),
        (10, {"ok": 4}, None, None),
        (10, {"ok": 5, "auth": 1}, None, NORMAL),
        (10, {"server_error": 1}, None, None),
        (10, {}, None, None),
        (2, {"ok": 1}, None, NORMAL),
        (2, {"timeout": 1}, None, None),
        (2, {"server_error": 1}, None, NORMAL),
        (1, {}, None, NORMAL),
        (1, {}, UNREACHABLE, None),
        (10, {"ok": 6}, UNREACHABLE, NORMAL),
        (10, {"rate_limited": 6}, AUTH_FAULT, NORMAL),
    ],
    ids=[
        "half-answered-rules-it-out",
        "not-yet",
        "answered-and-a-failure-rule-it-out",
        "a-first-failure-waits",
        "nothing-seen-yet",
        "two-bots-one-answer",
        "two-bots-one-unanswered-waits",
        "two-bots-one-5xx-cannot-be-it",
        "a-lone-bot-at-once",
        "a-lone-bot-waits-during-an-outage",
        "an-outage-ends-early-with-answers",
        "429s-end-an-outage-early",
    ],
)
def test_verdict_before_the_pass_ends(planned, counts, ongoing, expected):
    assert verdict(tally(planned, **counts), 0.5, ongoing) is expected


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.8, 1.0])
@pytest.mark.parametrize("ongoing", [None, UNREACHABLE, AUTH_FAULT])
def test_an_early_verdict_is_never_contradicted_by_the_rest_of_the_pass(threshold, ongoing):
    """Every tally of up to six probes (only counts matter, not their order): NORMAL
    decided early is what every way the pass
    could end says, and an early verdict is never an outage (those wait for the end)."""
    names = ("ok", "server_error", "timeout", "auth")
    for planned in range(7):
        for cut in range(planned):
            for seen in combinations_with_replacement(names, cut):
                early = verdict(tally(planned, **_counts(seen)), threshold, ongoing)
                assert early in (None, NORMAL)
                if early is NORMAL:
                    for rest in combinations_with_replacement(names, planned - cut):
                        whole = tally(planned, **_counts(seen + rest))
                        assert verdict(whole, threshold, ongoing) is NORMAL


def _counts(names: tuple[str, ...]) -> dict[str, int]:
    return {name: names.count(name) for name in set(names)}


def test_small_fleet_limits_are_as_documented():
    assert (MIN_SAMPLE, MIN_UNREACHABLE_SAMPLE) == (3, 2)
