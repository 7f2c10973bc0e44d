"""A button press whose answer waits on a slow Telegram holds no write lock meanwhile:
the handler's change is committed before the call, so the count flush and the REST API
of other processes write as usual (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from core.settings import Settings
from redirect_server.api import create_api_key
from redirect_server.app import create_app
from redirect_server.counter import RedirectCounter
from storage.crypto import TokenCipher
from storage.db import Sessions, create_engine, create_sessions, transaction
from storage.repos import bots, members, pools
from tests.plugins.control_bot import OPERATOR, ControlBotDriver
from tests.served import ServedAsBotpool

SLOW_TELEGRAM_MS = 3000
PATIENCE_MS = 200  # how long the other writers wait for a lock before they give up


@pytest.fixture
async def impatient_sessions(settings: Settings, engine: object) -> AsyncIterator[Sessions]:
    """Other writers' sessions: they give up on a lock after 200 ms (StorageBusy)."""
    impatient = create_engine(settings.database_url, busy_timeout_ms=PATIENCE_MS)
    try:
        yield create_sessions(impatient)
    finally:
        await impatient.dispose()


async def seed(driver: ControlBotDriver) -> tuple[int, int]:
    async with transaction(driver.sessions) as session:
        pool = await pools.create(session, OPERATOR, name="Principal", slug="red1")
        bot = await bots.register(
            session, driver.cipher, OPERATOR, telegram_id=9001, username="b1", token="9001:AA"
        )
        await members.add(session, OPERATOR, pool.id, bot.id, max_per_pool=10)
        return pool.id, bot.id


async def until_called(driver: ControlBotDriver, method: str, before: int) -> None:
    for _ in range(500):  # bounded: 5 s at most
        if await driver.client.request_count(driver.control, method) > before:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"the control bot never called {method}")


async def test_a_press_waiting_on_slow_telegram_lets_other_writers_through(
    start_control_bot: Callable[..., Any],
    impatient_sessions: Sessions,
    settings: Settings,
    cipher: TokenCipher,
) -> None:
    async with start_control_bot() as driver:
        pool_id, bot_id = await seed(driver)
        sent = await driver.send(OPERATOR, "/pool red1")
        card = await driver.wait_reply(OPERATOR, "Principal (red1)", after=sent)
        key = await create_api_key(impatient_sessions, OPERATOR, "other process")
        api = create_app(settings, impatient_sessions, cipher)
        counter = RedirectCounter(impatient_sessions)
        await driver.client.slow(driver.control, SLOW_TELEGRAM_MS, methods=["editMessageText"])
        edits = await driver.client.request_count(driver.control, "editMessageText")

        async with TestClient(ServedAsBotpool(api)) as client:
            press = asyncio.create_task(driver.press(OPERATOR, card, contains="Pausar"))
            await until_called(driver, "editMessageText", edits)  # the handler waits on it

            counter.add({(pool_id, bot_id): 7})
            flushed = await counter.flush()
            async with client.patch(
                f"/api/redirect-pools/{pool_id}",
                json={"name": "Renamed meanwhile"},
                headers={"Authorization": f"Bearer {key}"},
            ) as response:
                status, body = response.status, await response.json()
            still_waiting = not press.done()
            await press

    assert still_waiting, "Telegram answered before the other writers were done"
    assert flushed and counter.flush_failures == 0
    assert status == 200, body
    async with driver.sessions() as session:
        pool = await pools.get_owned(session, OPERATOR, pool_id)
        assert (pool.name, pool.is_active) == ("Renamed meanwhile", False)
