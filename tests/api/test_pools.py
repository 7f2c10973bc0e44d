"""/api/redirect-pools: create, list, read, change, delete; each operator sees only theirs."""

from __future__ import annotations

import pytest

POOL_FIELDS = {
    "id",
    "name",
    "slug",
    "strategy",
    "is_active",
    "start_param",
    "fallback_pool_id",
    "fallback_url",
    "sticky_days",
    "link",
    "created_at",
}


async def test_create_answers_the_pool_with_its_public_link(alice):
    status, pool = await alice.call(
        "POST",
        "/api/redirect-pools",
        {"name": "INSS Principal", "slug": "red1", "strategy": "weighted"},
    )

    assert status == 201
    assert set(pool) >= POOL_FIELDS
    assert pool["link"] == "http://botpool.test/go/red1"
    assert (pool["name"], pool["strategy"], pool["is_active"]) == (
        "INSS Principal",
        "weighted",
        True,
    )
    assert (pool["start_param"], pool["fallback_pool_id"]) == ("acesso", None)


async def test_strategy_defaults_to_round_robin(alice):
    pool = await alice.create_pool("plain")
    assert pool["strategy"] == "round_robin"


async def test_taken_slug_is_409_even_across_operators(alice, bob):
    await alice.create_pool("red1")

    status, body = await bob.call("POST", "/api/redirect-pools", {"name": "x", "slug": "red1"})

    assert status == 409
    assert body["error"] == {"code": "slug_taken", "message": "this slug is taken", "field": "slug"}
    assert (await bob.call("GET", "/api/redirect-pools"))[1] == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "slug": "Red 1"}, "slug"),
        ({"name": "x", "slug": "a"}, "slug"),
        ({"name": "x", "slug": 12}, "slug"),
        ({"name": "   ", "slug": "red1"}, "name"),
        ({"name": "x" * 101, "slug": "red1"}, "name"),
        ({"name": "a\ud800b", "slug": "red1"}, "name"),
        ({"name": "a\x00b", "slug": "red1"}, "name"),
        ({"name": "x", "slug": "red1", "strategy": "\udfff"}, "strategy"),
        ({"name": "x", "slug": "red1", "strategy": "fastest"}, "strategy"),
        ({"name": "x", "slug": "red1", "start_param": "no spaces"}, "start_param"),
        ({"name": "x", "slug": "red1", "owner_id": 7}, "owner_id"),
        ({"slug": "red1"}, "name"),
        ({"name": "x"}, "slug"),
    ],
)
async def test_invalid_pool_is_400_naming_the_field_and_nothing_is_created(alice, body, field):
    status, answer = await alice.call("POST", "/api/redirect-pools", body)

    assert status == 400
    assert answer["error"]["code"] == "invalid"
    assert answer["error"]["field"] == field
    assert (await alice.call("GET", "/api/redirect-pools"))[1] == []


async def test_get_one_pool_includes_its_members(alice):
    bot = await alice.add_bot()
    pool = await alice.create_pool("red1")
    await alice.call(
        "POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"], "weight": 3}
    )

    status, fetched = await alice.call("GET", f"/api/redirect-pools/{pool['id']}")

    assert status == 200
    assert {k: fetched[k] for k in POOL_FIELDS} == pool
    assert fetched["members"] == [
        {
            "bot_id": bot["id"],
            "username": bot["username"],
            "weight": 3,
            "priority": 0,
            "is_enabled": True,
            "hourly_cap": None,
            "status": "online",
            "backend_error": None,
            "ramping_up": True,
            "redirects_hour": 0,
            "returning_hour": 0,
        }
    ]


async def test_patch_changes_only_the_given_fields(alice):
    pool = await alice.create_pool("red1")
    backup = await alice.create_pool("backup")

    status, changed = await alice.call(
        "PATCH",
        f"/api/redirect-pools/{pool['id']}",
        {"is_active": False, "start_param": "promo_2", "fallback_pool_id": backup["id"]},
    )

    assert status == 200
    assert changed == {
        **pool,
        "is_active": False,
        "start_param": "promo_2",
        "fallback_pool_id": backup["id"],
    }
    cleared = await alice.call(
        "PATCH", f"/api/redirect-pools/{pool['id']}", {"fallback_pool_id": None}
    )
    assert cleared[1]["fallback_pool_id"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "\ud800"}, "name"),
        ({"name": "pool \x00"}, "name"),
        ({"strategy": None}, "strategy"),
        ({"is_active": "yes"}, "is_active"),
        ({"start_param": "a" * 65}, "start_param"),
        ({"fallback_pool_id": "1"}, "fallback_pool_id"),
        ({"fallback_pool_id": 10**30}, "fallback_pool_id"),
        ({"slug": "renamed"}, "slug"),
    ],
)
async def test_invalid_patch_is_400_naming_the_field_and_changes_nothing(alice, body, field):
    pool = await alice.create_pool("red1")

    status, answer = await alice.call("PATCH", f"/api/redirect-pools/{pool['id']}", body)

    assert (status, answer["error"]["field"]) == (400, field)
    assert (await alice.call("GET", "/api/redirect-pools"))[1] == [pool]


async def test_fallback_to_itself_or_in_a_loop_is_400(alice):
    a = await alice.create_pool("pool-a")
    b = await alice.create_pool("pool-b")
    await alice.call("PATCH", f"/api/redirect-pools/{a['id']}", {"fallback_pool_id": b["id"]})

    to_itself = await alice.call(
        "PATCH", f"/api/redirect-pools/{a['id']}", {"fallback_pool_id": a["id"]}
    )
    loop = await alice.call(
        "PATCH", f"/api/redirect-pools/{b['id']}", {"fallback_pool_id": a["id"]}
    )

    assert to_itself[0] == loop[0] == 400
    assert loop[1]["error"]["field"] == "fallback_pool_id"


async def test_fallback_to_another_operators_pool_is_400(alice, bob):
    mine = await alice.create_pool("mine")
    theirs = await bob.create_pool("theirs")

    status, body = await alice.call(
        "PATCH", f"/api/redirect-pools/{mine['id']}", {"fallback_pool_id": theirs["id"]}
    )

    assert (status, body["error"]["field"]) == (400, "fallback_pool_id")


async def test_delete_removes_the_pool(alice):
    pool = await alice.create_pool("red1")

    assert (await alice.call("DELETE", f"/api/redirect-pools/{pool['id']}")) == (204, None)
    assert (await alice.call("GET", f"/api/redirect-pools/{pool['id']}"))[0] == 404
    assert (await alice.call("DELETE", f"/api/redirect-pools/{pool['id']}"))[0] == 404
    assert (await alice.call("GET", "/api/redirect-pools"))[1] == []


async def test_operators_see_only_their_own_pools(alice, bob):
    mine = await alice.create_pool("mine")
    theirs = await bob.create_pool("theirs")

    assert (await alice.call("GET", "/api/redirect-pools"))[1] == [mine]
    assert (await bob.call("GET", "/api/redirect-pools"))[1] == [theirs]


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PATCH", "", {"name": "taken over"}),
        ("DELETE", "", None),
        ("GET", "/status", None),
        ("POST", "/bots", {"bot_id": 1}),
    ],
)
async def test_another_operators_pool_is_not_found_and_untouched(alice, bob, method, suffix, body):
    theirs = await bob.create_pool("theirs")

    status, answer = await alice.call(method, f"/api/redirect-pools/{theirs['id']}{suffix}", body)

    assert (status, answer["error"]["code"]) == (404, "not_found")
    assert (await bob.call("GET", "/api/redirect-pools"))[1] == [theirs]
