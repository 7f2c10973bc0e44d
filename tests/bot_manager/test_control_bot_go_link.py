"""Every change made in the control bot is what the redirect server serves right after:
the real routing table, reloaded only through on_change (its timer is an hour away)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient

from core.settings import Settings
from redirect_server import keys
from redirect_server.app import create_app
from storage.crypto import TokenCipher
from storage.db import Sessions
from tests.plugins.control_bot import OPERATOR, ControlBotDriver
from tests.served import ServedAsBotpool

AN_HOUR_S = 3600.0


@pytest.fixture
async def go_client(
    settings: Settings, sessions: Sessions, cipher: TokenCipher
) -> AsyncIterator[TestClient]:
    app = create_app(settings, sessions, cipher, reload_interval_s=AN_HOUR_S)
    # No cookie jar: each /go request is a new lead, not one coming back to its bot.
    async with TestClient(ServedAsBotpool(app), cookie_jar=DummyCookieJar()) as client:
        yield client


async def go(client: TestClient, slug: str) -> tuple[int, str | None]:
    async with client.get(f"/go/{slug}", allow_redirects=False) as response:
        return response.status, response.headers.get("Location")


async def add_bot(driver: ControlBotDriver, username: str) -> None:
    created = await driver.client.create_bot(username=username)
    sent = await driver.send(OPERATOR, created.token)
    await driver.wait_reply(OPERATOR, "adicionado", after=sent)


async def test_changes_in_the_chat_reach_the_go_link_at_once(
    start_control_bot: Callable[..., Any], go_client: TestClient
) -> None:
    on_change = go_client.server.app[keys.ON_CHANGE]
    async with start_control_bot(on_change=on_change) as driver:
        assert (await go(go_client, "red1"))[0] == 404
        sent = await driver.send(OPERATOR, "/newpool red1 Principal")
        card = await driver.wait_reply(OPERATOR, "(red1)", after=sent)
        assert (await go(go_client, "red1"))[0] == 503

        await add_bot(driver, "first_bot")
        await add_bot(driver, "second_bot")
        screen = await driver.tap(OPERATOR, card, "Gerenciar bots")
        for username in ("first_bot", "second_bot"):
            candidates = await driver.tap(OPERATOR, screen, "Adicionar bot")
            await driver.press(OPERATOR, candidates, contains=f"@{username}")
        served = {(await go(go_client, "red1"))[1] for _ in range(4)}
        assert served == {
            "https://t.me/first_bot?start=acesso",
            "https://t.me/second_bot?start=acesso",
        }

        member = await driver.tap(OPERATOR, screen, "@first_bot")
        await driver.press(OPERATOR, member, contains="Desativar")
        served = {(await go(go_client, "red1"))[1] for _ in range(4)}
        assert served == {"https://t.me/second_bot?start=acesso"}

        card = await driver.tap(OPERATOR, member, "Voltar")
        card = await driver.tap(OPERATOR, card, "Voltar")
        await driver.press(OPERATOR, card, contains="Pausar")
        assert (await go(go_client, "red1"))[0] == 404
        await driver.press(OPERATOR, card, contains="Ativar")
        assert (await go(go_client, "red1"))[0] == 302
