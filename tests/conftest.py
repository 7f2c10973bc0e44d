"""Fixtures shared by the whole suite."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from sandbox import Sandbox, SandboxClient, run_sandbox

pytest_plugins = ["tests.plugins.database", "tests.plugins.control_bot"]


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    """A Bot API sandbox serving on a free 127.0.0.1 port for this test."""
    async with run_sandbox("127.0.0.1", 0) as running:
        yield running


@pytest.fixture
def sandbox_client(sandbox: Sandbox) -> SandboxClient:
    return sandbox.client


@pytest.fixture
async def make_bot(sandbox: Sandbox) -> AsyncIterator[Callable[..., Awaitable[Bot]]]:
    """`await make_bot(token=None, username=..., first_name=..., default=...)`: an aiogram
    Bot for a new sandbox bot. Every Bot's session is closed at teardown."""
    bots: list[Bot] = []

    async def factory(
        token: str | None = None, *, default: DefaultBotProperties | None = None, **kwargs: Any
    ) -> Bot:
        created = await sandbox.client.create_bot(token, **kwargs)
        session = AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url))
        bot = Bot(created.token, session=session, default=default)
        bots.append(bot)
        return bot

    yield factory
    await asyncio.gather(*(bot.session.close() for bot in bots))


@asynccontextmanager
async def polling(dp: Dispatcher, *bots: Bot, **kwargs: Any) -> AsyncIterator[asyncio.Task[None]]:
    """Run `dp.start_polling` in a task for the block; stop it (bounded) on the way out."""
    task = asyncio.create_task(dp.start_polling(*bots, handle_signals=False, **kwargs))
    try:
        yield task
    finally:
        if not task.done():
            with suppress(RuntimeError, TimeoutError):  # RuntimeError: not started yet
                await asyncio.wait_for(dp.stop_polling(), 10)
        if not task.done():
            task.cancel()
        with suppress(asyncio.CancelledError):
            await task


@pytest.fixture
def run_polling() -> Callable[..., Any]:
    """`async with run_polling(dp, bot):` polls the sandbox for the block."""
    return polling
