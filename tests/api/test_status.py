"""GET /api/redirect-pools/{pool_id}/status: the seed's figures from real counts and health."""

from __future__ import annotations

from sqlalchemy import update

from storage.db import transaction
from storage.models import Bot, utcnow
from storage.repos import counts

STATUS_FIELDS = {
    "health",
    "online_bots",
    "total_bots",
    "redirects_hour",
    "returning_hour",
    "fallback_link_hour",
    "unserved_hour",
    "capacity_hour",
    "capacity_used",
    "bots",
}


async def _set_status(sessions, bot_id: int, status: str) -> None:
    async with transaction(sessions) as session:
        await session.execute(update(Bot).where(Bot.id == bot_id).values(status=status))


async def _count(sessions, pool_id: int, per_bot: dict[int, int]) -> None:
    hour = counts.hour_of(utcnow())
    async with transaction(sessions) as session:
        await counts.add(session, {(pool_id, bot_id, hour): n for bot_id, n in per_bot.items()})


async def test_status_shows_the_seeds_figures(alice, sessions):
    pool = await alice.create_pool("red1")
    bots = [await alice.add_bot() for _ in range(5)]
    for bot in bots:
        await alice.call("POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]})
    await _set_status(sessions, bots[3]["id"], "offline")
    await alice.call(
        "PATCH", f"/api/redirect-pools/{pool['id']}/bots/{bots[4]['id']}", {"is_enabled": False}
    )
    await _count(sessions, pool["id"], {bots[0]["id"]: 500, bots[1]["id"]: 400, bots[2]["id"]: 347})

    status, figures = await alice.call("GET", f"/api/redirect-pools/{pool['id']}/status")

    assert status == 200
    assert set(figures) == STATUS_FIELDS
    assert {k: v for k, v in figures.items() if k != "bots"} == {
        "health": 75,
        "online_bots": 3,
        "total_bots": 4,
        "redirects_hour": 1247,
        "returning_hour": 0,
        "fallback_link_hour": 0,
        "unserved_hour": 0,
        "capacity_hour": 6750,
        "capacity_used": 18.5,
    }
    assert [(m["bot_id"], m["status"], m["redirects_hour"]) for m in figures["bots"]] == [
        (bots[0]["id"], "online", 500),
        (bots[1]["id"], "online", 400),
        (bots[2]["id"], "online", 347),
        (bots[3]["id"], "offline", 0),
        (bots[4]["id"], "online", 0),
    ]
    assert figures["bots"][4]["is_enabled"] is False


async def test_an_empty_pool_has_no_capacity_and_no_use(alice):
    pool = await alice.create_pool("empty")

    status, figures = await alice.call("GET", f"/api/redirect-pools/{pool['id']}/status")

    assert status == 200
    assert figures == {
        "health": 0,
        "online_bots": 0,
        "total_bots": 0,
        "redirects_hour": 0,
        "returning_hour": 0,
        "fallback_link_hour": 0,
        "unserved_hour": 0,
        "capacity_hour": 0,
        "capacity_used": 0.0,
        "bots": [],
    }


async def test_member_redirects_show_on_the_pool_and_its_members(alice, sessions):
    pool = await alice.create_pool("red1")
    bot = await alice.add_bot()
    await alice.call("POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]})
    await _count(sessions, pool["id"], {bot["id"]: 42})

    _, fetched = await alice.call("GET", f"/api/redirect-pools/{pool['id']}")
    _, changed = await alice.call(
        "PATCH", f"/api/redirect-pools/{pool['id']}/bots/{bot['id']}", {"weight": 2}
    )

    assert fetched["members"][0]["redirects_hour"] == 42
    assert changed["redirects_hour"] == 42
