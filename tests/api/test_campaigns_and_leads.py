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


async def test_campaigns_answer_each_day_with_its_top_20_and_the_rest_as_other(alice, sessions):
    pool = await alice.create_pool("red1")
    midnight = counts.hour_of(utcnow()).replace(hour=0)
    hour = midnight + timedelta(hours=1)  # another hour of the same UTC day
    # Today: camp_01 .. camp_25 with 25 .. 1 leads (camp_01 also 5 in another hour),
    # plus 4 leads counted as other by the counter itself (past its daily budget).
    rows = [
        {"pool_id": pool["id"], "hour": hour, "campaign": f"camp_{n:02}", "count": 26 - n}
        for n in range(1, 26)
    ]
    rows.append({"pool_id": pool["id"], "hour": midnight, "campaign": "camp_01", "count": 5})
    rows.append({"pool_id": pool["id"], "hour": hour, "campaign": OTHER, "count": 4})
    # Two days ago: one campaign.
    two_days_ago = midnight - timedelta(days=2) + timedelta(hours=13)
    rows.append({"pool_id": pool["id"], "hour": two_days_ago, "campaign": "promo", "count": 9})
    await _insert(sessions, CampaignCount, rows)

    status, days = await alice.call("GET", f"/api/redirect-pools/{pool['id']}/campaigns")

    assert status == 200
    assert [day["day"] for day in days] == [
        (midnight - timedelta(days=n)).date().isoformat() for n in range(7)
    ]
    today = days[0]
    assert len(today["campaigns"]) == 20
    assert today["campaigns"][:2] == [
        {"start": "camp_01", "redirects": 30},
        {"start": "camp_02", "redirects": 24},
    ]
    assert today["campaigns"][-1] == {"start": "camp_20", "redirects": 6}
    assert today["other"] == 5 + 4 + 3 + 2 + 1 + 4  # camp_21..camp_25 and the counter's other
    assert today["total"] == sum(range(1, 26)) + 5 + 4
    assert days[1] == {"day": days[1]["day"], "campaigns": [], "other": 0, "total": 0}
    assert days[2]["campaigns"] == [{"start": "promo", "redirects": 9}]


async def test_campaigns_go_back_as_many_days_as_asked(alice, sessions):
    pool = await alice.create_pool("red1")
    old = counts.hour_of(utcnow()) - timedelta(days=30)
    await _insert(
        sessions,
        CampaignCount,
        [{"pool_id": pool["id"], "hour": old, "campaign": "old_camp", "count": 3}],
    )
    path = f"/api/redirect-pools/{pool['id']}/campaigns"

    _, week = await alice.call("GET", path)
    _, quarter = await alice.call("GET", path, params={"days": "90"})

    assert all(day["total"] == 0 for day in week)
    assert len(quarter) == 90
    assert [day["campaigns"] for day in quarter if day["total"]] == [
        [{"start": "old_camp", "redirects": 3}]
    ]


@pytest.mark.parametrize("days", ["0", "91", "seven", "-1", "1.5"])
async def test_campaign_days_outside_1_to_90_are_400(alice, days):
    pool = await alice.create_pool("red1")

    status, answer = await alice.call(
        "GET", f"/api/redirect-pools/{pool['id']}/campaigns", params={"days": days}
    )

    assert status == 400
    assert answer["error"]["field"] == "days"


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
