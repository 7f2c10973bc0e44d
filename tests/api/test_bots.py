"""/api/bots: tokens checked with getMe against the sandbox, never echoed or stored clear."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from sqlalchemy import select, text

from redirect_server.api import create_api_key
from redirect_server.app import create_app
from storage.models import Bot
from tests.served import ServedAsBotpool

BOT_FIELDS = {
    "id",
    "telegram_id",
    "username",
    "status",
    "last_check",
    "latency_ms",
    "last_error",
    "created_at",
}


async def _stored_bots(sessions) -> list[Bot]:
    async with sessions() as session:
        return list((await session.scalars(select(Bot))).all())


async def _raw_rows(sessions) -> str:
    """Every column of every bot row, as text: what an attacker with the file would see."""
    async with sessions() as session:
        rows = (await session.execute(text("SELECT * FROM bots"))).all()
    return repr(rows)


async def test_valid_token_adds_the_bot_and_never_echoes_or_stores_it_clear(
    alice, sandbox, sessions, cipher
):
    created = await sandbox.client.create_bot(username="inss_001_bot")

    status, bot = await alice.call("POST", "/api/bots", {"token": created.token})

    assert status == 201
    assert set(bot) >= BOT_FIELDS
    assert bot["telegram_id"] == created.id
    assert bot["username"] == "inss_001_bot"
    assert bot["status"] == "online"
    secret = created.token.split(":", 1)[1]
    assert secret not in repr(bot)
    assert secret not in await _raw_rows(sessions)
    [stored] = await _stored_bots(sessions)
    assert cipher.decrypt(stored.token_encrypted) == created.token


async def test_token_the_sandbox_rejects_is_400_on_token_and_nothing_is_stored(
    alice, sandbox, sessions
):
    created = await sandbox.client.create_bot()
    await sandbox.client.ban(created)

    status, body = await alice.call("POST", "/api/bots", {"token": created.token})

    assert status == 400
    assert body["error"]["field"] == "token"
    assert body["error"]["code"] == "token_rejected"
    assert created.token.split(":", 1)[1] not in repr(body)
    assert await _stored_bots(sessions) == []


async def test_malformed_token_is_400_on_token_without_asking_telegram(alice, sandbox, sessions):
    for token in ["", "not a token", "123:short", 12345, None, ["1234567:" + "a" * 35]]:
        status, body = await alice.call("POST", "/api/bots", {"token": token})
        assert status == 400, token
        assert body["error"]["field"] == "token"
    assert await _stored_bots(sessions) == []


async def test_missing_token_field_is_400_naming_it(alice):
    status, body = await alice.call("POST", "/api/bots", {})
    assert (status, body["error"]["field"]) == (400, "token")


async def test_telegram_failing_is_502_with_a_clear_message_and_nothing_stored(
    alice, sandbox, sessions
):
    created = await sandbox.client.create_bot()
    await sandbox.client.fail(created, 502, methods=["getMe"])

    status, body = await alice.call("POST", "/api/bots", {"token": created.token})

    assert status == 502
    assert body["error"]["code"] == "telegram_unreachable"
    assert "Telegram" in body["error"]["message"]
    assert await _stored_bots(sessions) == []


async def test_adding_ones_own_bot_again_is_200_with_it_and_anothers_is_409(alice, bob, sandbox):
    created = await sandbox.client.create_bot()
    status, first = await alice.call("POST", "/api/bots", {"token": created.token})
    assert status == 201

    again, body = await alice.call("POST", "/api/bots", {"token": created.token})
    by_other, refused = await bob.call("POST", "/api/bots", {"token": created.token})

    assert (again, body["id"]) == (200, first["id"])
    assert (by_other, refused["error"]["code"]) == (409, "bot_already_registered")


async def test_without_a_token_checker_adding_bots_is_503(settings, sessions, cipher, sandbox):
    app = create_app(settings, sessions, cipher)
    key = await create_api_key(sessions, 1, "")
    created = await sandbox.client.create_bot()
    async with TestClient(ServedAsBotpool(app)) as client:
        response = await client.post(
            "/api/bots",
            json={"token": created.token},
            headers={"Authorization": f"Bearer {key}"},
        )
        body = await response.json()
    assert response.status == 503
    assert body["error"]["code"] == "token_check_unavailable"
    assert await _stored_bots(sessions) == []


async def test_list_shows_only_the_callers_bots(alice, bob):
    mine = [await alice.add_bot(), await alice.add_bot()]
    theirs = await bob.add_bot()

    status, listed = await alice.call("GET", "/api/bots")
    _, bobs = await bob.call("GET", "/api/bots")

    assert status == 200
    assert [b["id"] for b in listed] == [b["id"] for b in mine]
    assert [b["id"] for b in bobs] == [theirs["id"]]


async def test_delete_removes_the_bot_from_its_pools(alice, sessions):
    bot = await alice.add_bot()
    pool = await alice.create_pool("red1")
    await alice.call("POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]})

    status, body = await alice.call("DELETE", f"/api/bots/{bot['id']}")

    assert (status, body) == (204, None)
    assert (await alice.call("GET", "/api/bots"))[1] == []
    _, fetched = await alice.call("GET", f"/api/redirect-pools/{pool['id']}")
    assert fetched["members"] == []
    assert (await alice.call("DELETE", f"/api/bots/{bot['id']}"))[0] == 404


async def test_another_operators_bot_cannot_be_deleted(alice, bob):
    bot = await bob.add_bot()

    status, body = await alice.call("DELETE", f"/api/bots/{bot['id']}")

    assert (status, body["error"]["code"]) == (404, "not_found")
    assert [b["id"] for b in (await bob.call("GET", "/api/bots"))[1]] == [bot["id"]]
