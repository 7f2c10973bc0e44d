"""Funnel settings through the API (SPEC §12): a pool's fallback_url and sticky_days, a
member's hourly_cap, a bot's backend_error. Each round-trips, bad values are 400
naming the field with nothing changed, and each change is logged for routing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from storage.db import transaction
from storage.models import Bot, Member, utcnow
from storage.repos import changes

LINK = "https://t.me/my_channel"


async def _routing(sessions, pool_id: int):
    """The pool as every /go process reloads it (storage.repos.changes)."""
    async with sessions() as session:
        (state,) = await changes.routing_states(session, [pool_id])
    return state


async def _changes_since(sessions, change_id: int):
    async with sessions() as session:
        return await changes.after(session, change_id)


async def _last_change(sessions) -> int:
    async with sessions() as session:
        return await changes.last_id(session)


async def test_a_new_pool_has_no_fallback_link_and_30_sticky_days(alice):
    pool = await alice.create_pool("red1")

    assert (pool["fallback_url"], pool["sticky_days"]) == (None, 30)


async def test_fallback_url_and_sticky_days_round_trip_and_reach_routing(alice, sessions):
    pool = await alice.create_pool("red1", fallback_url=LINK, sticky_days=7)
    assert (pool["fallback_url"], pool["sticky_days"]) == (LINK, 7)
    path = f"/api/redirect-pools/{pool['id']}"
    before = await _last_change(sessions)

    status, changed = await alice.call(
        "PATCH", path, {"fallback_url": "https://example.com/landing?utm=x", "sticky_days": 0}
    )

    assert status == 200
    assert (changed["fallback_url"], changed["sticky_days"]) == (
        "https://example.com/landing?utm=x",
        0,
    )
    assert (await alice.call("GET", path))[1]["fallback_url"] == changed["fallback_url"]
    assert [pool["id"]] == [
        p for change in await _changes_since(sessions, before) for p in change.pool_ids
    ]
    state = await _routing(sessions, pool["id"])
    assert (state.fallback_url, state.sticky_days) == ("https://example.com/landing?utm=x", 0)

    _, cleared = await alice.call("PATCH", path, {"fallback_url": None})
    assert cleared["fallback_url"] is None
    assert (await _routing(sessions, pool["id"])).fallback_url is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"fallback_url": "http://example.com"}, "fallback_url"),
        ({"fallback_url": "t.me/my_channel"}, "fallback_url"),
        ({"fallback_url": "https://"}, "fallback_url"),
        ({"fallback_url": "https://example.com/" + "a" * 2000}, "fallback_url"),
        ({"fallback_url": 7}, "fallback_url"),
        ({"sticky_days": 366}, "sticky_days"),
        ({"sticky_days": -1}, "sticky_days"),
        ({"sticky_days": "30"}, "sticky_days"),
    ],
)
async def test_a_bad_funnel_setting_is_400_naming_the_field_and_changes_nothing(
    alice, sessions, body, field
):
    pool = await alice.create_pool("red1", fallback_url=LINK)
    path = f"/api/redirect-pools/{pool['id']}"
    before = await _last_change(sessions)

    status, answer = await alice.call("PATCH", path, {**body, "name": "Renamed"})

    assert status == 400
    assert answer["error"]["code"] == "invalid"
    assert answer["error"]["field"] == field
    assert answer["error"]["message"].startswith(f"{field}: ")
    assert (await alice.call("GET", path))[1]["name"] == pool["name"]  # nothing was written
    assert await _changes_since(sessions, before) == []


async def test_an_http_fallback_link_is_refused_with_a_message_that_says_https(alice):
    status, answer = await alice.call(
        "POST",
        "/api/redirect-pools",
        {"name": "x", "slug": "red1", "fallback_url": "http://example.com"},
    )

    assert status == 400
    assert answer["error"] == {
        "code": "invalid",
        "message": "fallback_url: an https:// link with a host, at most 2000 characters",
        "field": "fallback_url",
    }
    assert (await alice.call("GET", "/api/redirect-pools"))[1] == []


async def test_hourly_capacity_round_trips_clears_and_reaches_routing(alice, sessions):
    bot = await alice.add_bot()
    pool = await alice.create_pool("red1")
    members = f"/api/redirect-pools/{pool['id']}/bots"

    status, added = await alice.call("POST", members, {"bot_id": bot["id"], "hourly_cap": 300})
    assert (status, added["hourly_cap"]) == (201, 300)
    assert (await _routing(sessions, pool["id"])).members[0].hourly_cap == 300

    before = await _last_change(sessions)
    _, changed = await alice.call("PATCH", f"{members}/{bot['id']}", {"hourly_cap": 1000})
    assert changed["hourly_cap"] == 1000
    assert [c.pool_ids for c in await _changes_since(sessions, before)] == [{pool["id"]}]
    assert (await _routing(sessions, pool["id"])).members[0].hourly_cap == 1000

    _, cleared = await alice.call("PATCH", f"{members}/{bot['id']}", {"hourly_cap": None})
    assert cleared["hourly_cap"] is None
    fetched = (await alice.call("GET", f"/api/redirect-pools/{pool['id']}"))[1]
    assert fetched["members"][0]["hourly_cap"] is None


@pytest.mark.parametrize("cap", [0, -1, 1_000_001, 2.5, "100", True])
async def test_a_bad_hourly_capacity_is_400_and_the_member_keeps_its_cap(alice, cap):
    bot = await alice.add_bot()
    pool = await alice.create_pool("red1")
    members = f"/api/redirect-pools/{pool['id']}/bots"
    await alice.call("POST", members, {"bot_id": bot["id"], "hourly_cap": 50})

    status, answer = await alice.call("PATCH", f"{members}/{bot['id']}", {"hourly_cap": cap})

    assert status == 400
    assert answer["error"]["field"] == "hourly_cap"
    fetched = (await alice.call("GET", f"/api/redirect-pools/{pool['id']}"))[1]
    assert fetched["members"][0]["hourly_cap"] == 50


async def test_the_status_capacity_counts_each_members_own_cap(alice):
    bots = [await alice.add_bot() for _ in range(2)]
    pool = await alice.create_pool("red1")
    members = f"/api/redirect-pools/{pool['id']}/bots"
    await alice.call("POST", members, {"bot_id": bots[0]["id"], "hourly_cap": 250})
    await alice.call("POST", members, {"bot_id": bots[1]["id"]})

    _, figures = await alice.call("GET", f"/api/redirect-pools/{pool['id']}/status")

    assert figures["capacity_hour"] == 250 + 2250


async def test_a_bots_failing_backend_shows_on_the_bot_and_its_memberships(alice, sessions):
    bot = await alice.add_bot()
    pool = await alice.create_pool("red1")
    await alice.call("POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]})
    assert bot["backend_error"] is None
    async with transaction(sessions) as session:
        await session.execute(
            update(Bot)
            .where(Bot.id == bot["id"])
            .values(
                backend_error="webhook: Connection refused",
                recovered_at=utcnow() - timedelta(hours=1),
            )
        )

    (listed,) = (await alice.call("GET", "/api/bots"))[1]
    _, fetched = await alice.call("GET", f"/api/redirect-pools/{pool['id']}")

    assert listed["backend_error"] == "webhook: Connection refused"
    assert listed["recovered_at"] is not None
    assert fetched["members"][0]["backend_error"] == "webhook: Connection refused"
    # SPEC §12: online at Telegram, but its status is degraded and last_error says why.
    assert bot["status"] == "online"
    assert (listed["status"], listed["last_error"]) == ("degraded", "webhook: Connection refused")
    assert fetched["members"][0]["status"] == "degraded"


async def test_a_member_ramps_up_only_within_the_slow_start_window(alice, sessions):
    bot = await alice.add_bot()
    pool = await alice.create_pool("red1")
    _, added = await alice.call(
        "POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]}
    )
    assert added["ramping_up"] is True
    async with transaction(sessions) as session:
        await session.execute(
            update(Member)
            .where(Member.bot_id == bot["id"])
            .values(added_at=utcnow() - timedelta(minutes=6))
        )

    _, fetched = await alice.call("GET", f"/api/redirect-pools/{pool['id']}")

    assert fetched["members"][0]["ramping_up"] is False
