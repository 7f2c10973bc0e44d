"""GET /api/redirect-pools/{pool_id}/campaigns (leads by `start`, per UTC day: the top
20 and "other"), and the status's returning, fallback-link and unserved leads. Counts
are written as /go's counter writes them, straight into their tables."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert

from storage.db import transaction
from storage.models import CampaignCount, OutcomeCount, RedirectCount, utcnow
from storage.repos import counts
from storage.repos.campaigns import FALLBACK_LINK, OTHER, UNSERVED


async def _insert(sessions, model, rows) -> None:
    async with transaction(sessions) as session:
        await session.execute(insert(model), rows)


async def test_campaigns_answer_the_top_20_of_the_last_24_hours_then_other(alice, sessions):
    pool = await alice.create_pool("red1")
    now = counts.hour_of(utcnow())
    earlier = now - timedelta(hours=5)
    # camp_01 .. camp_25 with 25 .. 1 leads (camp_01 also 5 in another hour), 4 leads the
    # counter itself counted as other (past its daily budget), one campaign really named
    # "other", and one campaign 30 hours ago, outside the default window.
    rows = [
        {"pool_id": pool["id"], "hour": now, "campaign": f"camp_{n:02}", "count": 26 - n}
        for n in range(1, 26)
    ]
    rows.append({"pool_id": pool["id"], "hour": earlier, "campaign": "camp_01", "count": 5})
    rows.append({"pool_id": pool["id"], "hour": now, "campaign": OTHER, "count": 4})
    rows.append({"pool_id": pool["id"], "hour": earlier, "campaign": "other", "count": 2})
    old = now - timedelta(hours=30)
    rows.append({"pool_id": pool["id"], "hour": old, "campaign": "promo", "count": 99})
    await _insert(sessions, CampaignCount, rows)

    status, answer = await alice.call("GET", f"/api/redirect-pools/{pool['id']}/campaigns")

    assert status == 200
    assert answer[:2] == [
        {"start": "camp_01", "redirects": 30},
        {"start": "camp_02", "redirects": 24},
    ]
    assert [item["start"] for item in answer[:-1]] == [f"camp_{n:02}" for n in range(1, 21)]
    # camp_21 .. camp_25, the counter's own other, and the campaign named "other".
    assert answer[-1] == {"start": "other", "redirects": 5 + 4 + 3 + 2 + 1 + 4 + 2}
    assert sum(item["redirects"] for item in answer) == sum(range(1, 26)) + 5 + 4 + 2
    assert "promo" not in {item["start"] for item in answer}


async def test_campaigns_go_back_as_many_hours_as_asked(alice, sessions):
    pool = await alice.create_pool("red1")
    old = counts.hour_of(utcnow()) - timedelta(days=30)
    await _insert(
        sessions,
        CampaignCount,
        [{"pool_id": pool["id"], "hour": old, "campaign": "old_camp", "count": 3}],
    )
    path = f"/api/redirect-pools/{pool['id']}/campaigns"

    _, day = await alice.call("GET", path)
    _, month = await alice.call("GET", path, params={"hours": str(31 * 24)})

    assert day == []
    assert month == [{"start": "old_camp", "redirects": 3}]


@pytest.mark.parametrize("hours", ["0", "2161", "seven", "-1", "1.5"])
async def test_campaign_hours_outside_1_to_2160_are_400(alice, hours):
    pool = await alice.create_pool("red1")

    status, answer = await alice.call(
        "GET", f"/api/redirect-pools/{pool['id']}/campaigns", params={"hours": hours}
    )

    assert status == 400
    assert answer["error"]["field"] == "hours"


async def test_another_operators_campaigns_are_not_found(alice, bob, sessions):
    pool = await alice.create_pool("red1")
    hour = counts.hour_of(utcnow())
    await _insert(
        sessions,
        CampaignCount,
        [{"pool_id": pool["id"], "hour": hour, "campaign": "secret", "count": 1}],
    )

    status, answer = await bob.call("GET", f"/api/redirect-pools/{pool['id']}/campaigns")

    assert status == 404
    assert answer["error"]["code"] == "not_found"
    assert "secret" not in str(answer)


async def test_status_counts_returning_fallback_link_and_unserved_leads(alice, sessions):
    bots = [await alice.add_bot() for _ in range(2)]
    pool = await alice.create_pool("red1")
    for bot in bots:
        await alice.call("POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]})
    hour = counts.hour_of(utcnow())
    await _insert(
        sessions,
        RedirectCount,
        [
            {"pool_id": pool["id"], "bot_id": bots[0]["id"], "hour": hour, "count": 40,
             "returning_leads": 15},
            {"pool_id": pool["id"], "bot_id": bots[1]["id"], "hour": hour, "count": 10,
             "returning_leads": 0},
            # Two days ago: out of the last hour.
            {"pool_id": pool["id"], "bot_id": bots[1]["id"], "hour": hour - timedelta(days=2),
             "count": 99, "returning_leads": 99},
        ],
    )  # fmt: skip
    await _insert(
        sessions,
        OutcomeCount,
        [
            {"pool_id": pool["id"], "hour": hour, "outcome": FALLBACK_LINK, "count": 7},
            {"pool_id": pool["id"], "hour": hour, "outcome": UNSERVED, "count": 3},
            {"pool_id": pool["id"], "hour": hour - timedelta(days=2), "outcome": UNSERVED,
             "count": 50},
        ],
    )  # fmt: skip

    _, figures = await alice.call("GET", f"/api/redirect-pools/{pool['id']}/status")

    assert (figures["redirects_hour"], figures["returning_hour"]) == (50, 15)
    assert (figures["fallback_link_hour"], figures["unserved_hour"]) == (7, 3)
    by_bot = {m["bot_id"]: (m["redirects_hour"], m["returning_hour"]) for m in figures["bots"]}
    assert by_bot == {bots[0]["id"]: (40, 15), bots[1]["id"]: (10, 0)}
    # A member changed through the API answers with its own figures, not its pool's.
    for bot, expected in zip(bots, [(40, 15), (10, 0)], strict=True):
        path = f"/api/redirect-pools/{pool['id']}/bots/{bot['id']}"
        status, member = await alice.call("PATCH", path, {"weight": 2})
        assert status == 200, member
        assert (member["redirects_hour"], member["returning_hour"]) == expected
