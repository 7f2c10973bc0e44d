"""GET /api/redirect-pools/{pool_id}/counts: hourly counts per bot as JSON or CSV, the
same rows as the database holds; owner-scoped; a bad range is 400, never 500."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from storage.db import transaction
from storage.models import utcnow
from storage.repos import counts

HOUR = timedelta(hours=1)


async def _seed(alice, sessions) -> tuple[dict, list[dict], datetime]:
    """Pool red1 with two bots; counts this hour, 5 hours and 3 days ago."""
    pool = await alice.create_pool("red1")
    bots = [await alice.add_bot(f"red_{n}_bot") for n in (1, 2)]
    for bot in bots:
        await alice.call("POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]})
    now = counts.hour_of(utcnow())
    async with transaction(sessions) as session:
        await counts.add(
            session,
            {
                (pool["id"], bots[0]["id"], now): 11,
                (pool["id"], bots[1]["id"], now): 4,
                (pool["id"], bots[0]["id"], now - 5 * HOUR): 20,
                (pool["id"], bots[1]["id"], now - timedelta(days=3)): 9,
            },
        )
    return pool, bots, now


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_json_counts_of_the_last_day_by_default(alice, sessions):
    pool, bots, now = await _seed(alice, sessions)

    status, rows = await alice.call("GET", f"/api/redirect-pools/{pool['id']}/counts")

    assert status == 200
    assert rows == [
        {
            "hour": _iso(now - 5 * HOUR),
            "bot_id": bots[0]["id"],
            "username": "red_1_bot",
            "count": 20,
        },
        {"hour": _iso(now), "bot_id": bots[0]["id"], "username": "red_1_bot", "count": 11},
        {"hour": _iso(now), "bot_id": bots[1]["id"], "username": "red_2_bot", "count": 4},
    ]


async def test_csv_over_a_range_sums_to_the_database(alice, sessions):
    pool, _bots, now = await _seed(alice, sessions)
    start = (now - timedelta(days=4)).isoformat()
    end = (now + HOUR).isoformat()

    async with alice.client.get(
        f"/api/redirect-pools/{pool['id']}/counts",
        params={"from": start, "to": end, "format": "csv"},
        headers={"Authorization": f"Bearer {alice.key}"},
    ) as response:
        assert response.status == 200
        assert response.content_type == "text/csv"
        assert "red1-counts-" in response.headers["Content-Disposition"]
        text = await response.text()

    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["hour", "bot_id", "username", "count"]
    assert sum(int(row["count"]) for row in rows) == 11 + 4 + 20 + 9
    assert len(rows) == 4


async def test_a_range_that_ends_before_a_count_leaves_it_out(alice, sessions):
    pool, bots, now = await _seed(alice, sessions)

    status, rows = await alice.call(
        "GET",
        f"/api/redirect-pools/{pool['id']}/counts",
        params={"from": _iso(now - timedelta(days=3)), "to": _iso(now - 4 * HOUR)},
    )

    assert status == 200
    assert [(r["bot_id"], r["count"]) for r in rows] == [(bots[1]["id"], 9), (bots[0]["id"], 20)]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-40"}, "to"),
        ({"from": "2026-11-10", "to": "2026-11-01"}, "from"),
        ({"from": "2026-11-10T00:00:00Z", "to": "2026-11-10T00:00:00Z"}, "from"),
        ({"from": "2025-01-01", "to": "2026-01-01"}, "from"),
        ({"from": "0001-01-01T00:00:00+14:00"}, "from"),
        ({"to": "0001-01-01"}, "to"),
        ({"to": "9999-12-31T23:30:00"}, "to"),
        ({"format": "xml"}, "format"),
    ],
)
async def test_a_bad_range_or_format_is_400_naming_the_parameter(alice, sessions, params, field):
    pool, _bots, _now = await _seed(alice, sessions)

    status, body = await alice.call(
        "GET", f"/api/redirect-pools/{pool['id']}/counts", params=params
    )

    assert status == 400, body
    assert body["error"]["field"] == field


async def test_another_operators_pool_is_not_found(alice, bob, sessions):
    pool, _bots, _now = await _seed(alice, sessions)

    status, body = await bob.call("GET", f"/api/redirect-pools/{pool['id']}/counts")

    assert status == 404
    assert body["error"]["code"] == "not_found"


async def test_no_key_is_401(alice, sessions, client):
    pool, _bots, _now = await _seed(alice, sessions)

    async with client.get(f"/api/redirect-pools/{pool['id']}/counts") as response:
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "unauthorized"


def test_naive_moments_read_as_utc():
    from redirect_server.api.counts import counts_range

    start, end = counts_range({"from": "2026-11-01T10:30", "to": "2026-11-01T12:10"}, utcnow())
    assert (start, end) == (
        datetime(2026, 11, 1, 10, tzinfo=UTC),
        datetime(2026, 11, 1, 13, tzinfo=UTC),
    )
