"""A change made through the API routes /go at once: no wait for the periodic reload."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient

from redirect_server.app import create_app
from tests.served import ServedAsBotpool

NEVER_S = 3600.0  # the periodic reload must not be what makes these tests pass


@pytest.fixture
async def client(api_settings, sessions, cipher, token_checker) -> AsyncIterator[TestClient]:
    app = create_app(
        api_settings,
        sessions,
        cipher,
        check_token=token_checker.identify,
        reload_interval_s=NEVER_S,
    )
    async with TestClient(ServedAsBotpool(app)) as client:
        yield client


async def _go(client: TestClient, slug: str) -> tuple[int, str | None]:
    async with client.get(f"/go/{slug}", allow_redirects=False) as response:
        return response.status, response.headers.get("Location")


async def test_a_pool_created_through_the_api_routes_go_at_once(alice, client):
    assert (await _go(client, "red1"))[0] == 404
    bot = await alice.add_bot(username="inss_001_bot")
    pool = await alice.create_pool("red1", start_param="promo")

    await alice.call("POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]})

    assert await _go(client, "red1") == (302, "https://t.me/inss_001_bot?start=promo")


async def test_pausing_disabling_and_deleting_through_the_api_take_effect_at_once(alice, client):
    first = await alice.add_bot(username="first_bot")
    second = await alice.add_bot(username="second_bot")
    pool = await alice.create_pool("red1", strategy="round_robin")
    path = f"/api/redirect-pools/{pool['id']}"
    for bot in (first, second):
        await alice.call("POST", f"{path}/bots", {"bot_id": bot["id"]})

    await alice.call("PATCH", f"{path}/bots/{first['id']}", {"is_enabled": False})
    assert {(await _go(client, "red1"))[1] for _ in range(4)} == {
        "https://t.me/second_bot?start=acesso"
    }

    await alice.call("DELETE", f"{path}/bots/{second['id']}")
    assert (await _go(client, "red1"))[0] == 503

    await alice.call("PATCH", f"{path}/bots/{first['id']}", {"is_enabled": True})
    await alice.call("PATCH", path, {"is_active": False})
    assert (await _go(client, "red1"))[0] == 404

    await alice.call("PATCH", path, {"is_active": True})
    assert (await _go(client, "red1"))[0] == 302

    await alice.call("DELETE", path)
    assert (await _go(client, "red1"))[0] == 404


async def test_deleting_a_bot_through_the_api_takes_it_out_of_rotation_at_once(alice, client):
    gone = await alice.add_bot(username="gone_bot")
    kept = await alice.add_bot(username="kept_bot")
    pool = await alice.create_pool("red1")
    for bot in (gone, kept):
        await alice.call("POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]})

    await alice.call("DELETE", f"/api/bots/{gone['id']}")

    assert {(await _go(client, "red1"))[1] for _ in range(4)} == {
        "https://t.me/kept_bot?start=acesso"
    }
