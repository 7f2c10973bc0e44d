"""A thousand bots in one sandbox, probed concurrently (the health-check benchmark's load)."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

BOTS = 1000
IN_FLIGHT = 50
SLOW_MS = 100


async def test_a_thousand_slowed_bots_all_answer_concurrent_get_me(sandbox, sandbox_client):
    created = await sandbox_client.create_bots(BOTS)
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def slow_down(bot_id: int) -> None:
        async with gate:
            await sandbox_client.slow(bot_id, SLOW_MS)

    await asyncio.gather(*(slow_down(bot.id) for bot in created))
    session = AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url))

    async def probe(token: str) -> int:
        async with gate:
            return (await Bot(token, session=session).get_me()).id

    try:
        ids = await asyncio.gather(*(probe(bot.token) for bot in created))
    finally:
        await session.close()

    assert sorted(ids) == sorted(bot.id for bot in created)
    counts = [sandbox.state.find(bot.id).request_counts["getMe"] for bot in created]
    assert counts == [1] * BOTS
