"""/api/redirect-pools/{pool_id}/bots: members added, changed and removed by their owner only."""

from __future__ import annotations

import pytest

from core.settings import load_settings


async def _pool_with_bot(caller, slug="red1", **member):
    bot = await caller.add_bot()
    pool = await caller.create_pool(slug)
    status, added = await caller.call(
        "POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"], **member}
    )
    assert status == 201, added
    return pool, bot, added


async def _members(caller, pool):
    return (await caller.call("GET", f"/api/redirect-pools/{pool['id']}"))[1]["members"]


async def test_add_answers_the_member(alice):
    pool, bot, member = await _pool_with_bot(alice, weight=5, priority=-1)

    assert member == {
        "bot_id": bot["id"],
        "username": bot["username"],
        "weight": 5,
        "priority": -1,
        "is_enabled": True,
        "hourly_cap": None,
        "status": "online",
        "backend_error": None,
        "ramping_up": True,  # it just joined: slow start holds it below its full share
        "redirects_hour": 0,
        "returning_hour": 0,
    }
    assert await _members(alice, pool) == [member]


async def test_adding_the_same_bot_twice_is_409(alice):
    pool, bot, _ = await _pool_with_bot(alice)

    status, body = await alice.call(
        "POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]}
    )

    assert (status, body["error"]["code"]) == (409, "already_member")


class TestPoolLimit:
    @pytest.fixture
    def api_settings(self, settings):
        return load_settings(**{**settings.model_dump(), "max_bots_per_pool": 2})

    async def test_a_full_pool_is_409_and_keeps_its_members(self, alice):
        pool = await alice.create_pool("red1")
        bots = [await alice.add_bot() for _ in range(3)]
        path = f"/api/redirect-pools/{pool['id']}/bots"
        for bot in bots[:2]:
            assert (await alice.call("POST", path, {"bot_id": bot["id"]}))[0] == 201

        status, body = await alice.call("POST", path, {"bot_id": bots[2]["id"]})

        assert (status, body["error"]["code"]) == (409, "pool_full")
        assert "maximum of 2 bots" in body["error"]["message"]
        assert [m["bot_id"] for m in await _members(alice, pool)] == [b["id"] for b in bots[:2]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "bot_id"),
        ({"bot_id": "1"}, "bot_id"),
        ({"bot_id": True}, "bot_id"),
        ({"weight": 0}, "weight"),
        ({"weight": 101}, "weight"),
        ({"weight": 2.5}, "weight"),
        ({"priority": 2}, "priority"),
        ({"is_enabled": False}, "is_enabled"),
    ],
)
async def test_invalid_member_is_400_naming_the_field(alice, body, field):
    bot = await alice.add_bot()
    pool = await alice.create_pool("red1")
    payload = {"bot_id": bot["id"], **body} if field != "bot_id" else body

    status, answer = await alice.call("POST", f"/api/redirect-pools/{pool['id']}/bots", payload)

    assert (status, answer["error"]["field"]) == (400, field)
    assert await _members(alice, pool) == []


async def test_another_operators_bot_cannot_join_my_pool(alice, bob):
    pool = await alice.create_pool("mine")
    theirs = await bob.add_bot()

    status, body = await alice.call(
        "POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": theirs["id"]}
    )

    assert (status, body["error"]["code"]) == (404, "not_found")
    assert await _members(alice, pool) == []


async def test_unknown_bot_id_is_404(alice):
    pool = await alice.create_pool("mine")
    for bot_id in (999, 2**63 - 1, 2**70):
        status, _ = await alice.call(
            "POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot_id}
        )
        assert status == 404, bot_id


async def test_patch_changes_weight_priority_and_enabled(alice):
    pool, bot, member = await _pool_with_bot(alice)
    path = f"/api/redirect-pools/{pool['id']}/bots/{bot['id']}"

    status, changed = await alice.call(
        "PATCH", path, {"weight": 40, "priority": 1, "is_enabled": False}
    )

    assert status == 200
    assert changed == {**member, "weight": 40, "priority": 1, "is_enabled": False}
    assert await _members(alice, pool) == [changed]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"weight": "5"}, "weight"), ({"is_enabled": 1}, "is_enabled"), ({"bot_id": 3}, "bot_id")],
)
async def test_invalid_member_patch_is_400_and_changes_nothing(alice, body, field):
    pool, bot, member = await _pool_with_bot(alice)

    status, answer = await alice.call(
        "PATCH", f"/api/redirect-pools/{pool['id']}/bots/{bot['id']}", body
    )

    assert (status, answer["error"]["field"]) == (400, field)
    assert await _members(alice, pool) == [member]


async def test_delete_takes_the_bot_out_of_the_pool_only(alice):
    pool, bot, _ = await _pool_with_bot(alice)
    path = f"/api/redirect-pools/{pool['id']}/bots/{bot['id']}"

    assert await alice.call("DELETE", path) == (204, None)
    assert await _members(alice, pool) == []
    assert [b["id"] for b in (await alice.call("GET", "/api/bots"))[1]] == [bot["id"]]
    assert (await alice.call("DELETE", path))[0] == 404
    assert (await alice.call("PATCH", path, {"weight": 2}))[0] == 404


async def test_another_operators_members_are_not_found(alice, bob):
    pool, bot, member = await _pool_with_bot(bob)
    path = f"/api/redirect-pools/{pool['id']}/bots/{bot['id']}"

    assert (await alice.call("PATCH", path, {"weight": 9}))[0] == 404
    assert (await alice.call("DELETE", path))[0] == 404
    assert await _members(bob, pool) == [member]
