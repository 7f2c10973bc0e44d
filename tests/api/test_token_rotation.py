"""POST /api/bots with a new token for a known bot (SPEC §11): the owner's bot keeps its
id, pools, history and counts on the new token; another operator's bot changes hands
only once Telegram rejects the token stored for it, and its owner is told."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select

from bot_manager.notifier import Notifier
from bot_manager.probe import Prober
from bot_manager.takeover import tell_previous_owner
from core.settings import Settings
from redirect_server.app import create_app
from sandbox import Sandbox
from storage.crypto import TokenCipher
from storage.db import Sessions, transaction
from storage.models import Bot as BotRow
from storage.models import Member, RedirectCount
from storage.repos import counts, operators
from tests.api.conftest import ALICE, BOB, Caller
from tests.served import ServedAsBotpool


async def row(sessions: Sessions, bot_id: int) -> BotRow:
    async with sessions() as session:
        found = await session.get(BotRow, bot_id)
        assert found is not None
        return found


async def redirects_of(sessions: Sessions, bot_id: int) -> int:
    async with sessions() as session:
        total = await session.scalar(
            select(func.sum(RedirectCount.count)).where(RedirectCount.bot_id == bot_id)
        )
        return int(total or 0)


async def members_of(sessions: Sessions, bot_id: int) -> list[int]:
    async with sessions() as session:
        return list(
            (await session.scalars(select(Member.pool_id).where(Member.bot_id == bot_id))).all()
        )


async def in_pool_with_counts(caller: Caller, sessions: Sessions, bot: dict, slug: str) -> int:
    pool = await caller.create_pool(slug)
    status, _ = await caller.call(
        "POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]}
    )
    assert status == 201
    async with transaction(sessions) as session:
        await counts.add(session, {(pool["id"], bot["id"], datetime.now(UTC)): 7})
    return pool["id"]


async def test_a_revoked_and_regenerated_token_replaces_the_old_one_and_keeps_everything(
    alice, sandbox, sessions, cipher
):
    created = await sandbox.client.create_bot(username="rotate_api_bot")
    bot = await alice.add_token(created.token)
    pool_id = await in_pool_with_counts(alice, sessions, bot, "rot1")
    renewed = await sandbox.client.revoke_token(created)

    status, body = await alice.call("POST", "/api/bots", {"token": renewed.token})

    assert status == 200
    assert (body["id"], body["username"], body["status"]) == (bot["id"], "rotate_api_bot", "online")
    assert renewed.token.split(":", 1)[1] not in repr(body)
    stored = await row(sessions, bot["id"])
    assert cipher.decrypt(stored.token_encrypted) == renewed.token
    assert await members_of(sessions, bot["id"]) == [pool_id]
    assert await redirects_of(sessions, bot["id"]) == 7
    _, listed = await alice.call("GET", "/api/bots")
    assert [b["id"] for b in listed] == [bot["id"]]


@pytest.fixture
async def control(sandbox: Sandbox) -> AsyncIterator[tuple[Bot, object]]:
    """A control bot that ALICE and BOB have started, as `botpool run` has one."""
    created = await sandbox.client.create_bot(username="rotation_control_bot")
    for user in (ALICE, BOB):
        await sandbox.client.send_message(created, user, "/start")
    bot = Bot(created.token, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url)))
    try:
        yield bot, created
    finally:
        await bot.session.close()


@pytest.fixture
async def client(
    settings: Settings,
    sessions: Sessions,
    cipher: TokenCipher,
    token_checker: Prober,
    control: tuple[Bot, object],
) -> AsyncIterator[TestClient]:
    """The API as `botpool run` serves it: take-overs told by the control bot."""
    notifier = Notifier(control[0])
    tell = functools.partial(tell_previous_owner, sessions, notifier.send)
    app = create_app(
        settings, sessions, cipher, check_token=token_checker.identify, on_take_over=tell
    )
    try:
        async with TestClient(ServedAsBotpool(app)) as client:
            yield client
    finally:
        await notifier.close()


async def test_another_operators_bot_is_refused_while_its_token_works_and_taken_over_after(
    alice, bob, sandbox, sessions, cipher, control
):
    async with transaction(sessions) as session:
        operator = await operators.get_or_create(session, ALICE)
        operator.language = "en"
    created = await sandbox.client.create_bot(username="contested_bot")
    bot = await alice.add_token(created.token)
    pool_id = await in_pool_with_counts(alice, sessions, bot, "alices")

    status, body = await bob.call("POST", "/api/bots", {"token": created.token})
    assert (status, body["error"]["code"]) == (409, "bot_already_registered")
    assert (await row(sessions, bot["id"])).owner_id == ALICE

    renewed = await sandbox.client.revoke_token(created)
    status, body = await bob.call("POST", "/api/bots", {"token": renewed.token})

    assert status == 201
    assert (body["id"], body["status"]) == (bot["id"], "online")
    stored = await row(sessions, bot["id"])
    assert stored.owner_id == BOB
    assert cipher.decrypt(stored.token_encrypted) == renewed.token
    assert await members_of(sessions, bot["id"]) == []
    assert (await alice.call("GET", "/api/bots"))[1] == []
    _, pool = await alice.call("GET", f"/api/redirect-pools/{pool_id}")
    assert pool["members"] == []
    told = await sandbox.client.wait_for_message(
        control[1], ALICE, contains="@contested_bot was registered by another operator"
    )
    assert "alices" in told["text"]
    assert renewed.token.split(":", 1)[1] not in told["text"]
