"""The whole redirect server (create_app) over a real SQLite file, its /api driven over
HTTP with real keys, and tokens checked with getMe against the sandbox, by the
Prober that `botpool run` and `botpool redirect` give the API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot_manager.probe import Prober
from core.settings import Settings
from redirect_server.api import create_api_key
from redirect_server.app import create_app
from sandbox import Sandbox
from storage.crypto import TokenCipher
from storage.db import Sessions
from tests.served import ServedAsBotpool

ALICE, BOB = 1001, 2002


@dataclass
class Caller:
    """One operator's view of the API: every request carries their key."""

    client: TestClient
    key: str
    sandbox: Sandbox

    async def call(
        self, method: str, path: str, json: Any = None, **kwargs: Any
    ) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {self.key}", **kwargs.pop("headers", {})}
        async with self.client.request(
            method, path, json=json, headers=headers, **kwargs
        ) as response:
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body

    async def add_bot(self, username: str | None = None) -> dict[str, Any]:
        """A new sandbox bot, added through POST /api/bots."""
        created = await self.sandbox.client.create_bot(username=username)
        return await self.add_token(created.token)

    async def add_token(self, token: str) -> dict[str, Any]:
        """The bot of `token`, added through POST /api/bots (new to everyone)."""
        status, bot = await self.call("POST", "/api/bots", {"token": token})
        assert status == 201, bot
        return bot

    async def create_pool(self, slug: str, **fields: Any) -> dict[str, Any]:
        status, pool = await self.call(
            "POST", "/api/redirect-pools", {"name": f"Pool {slug}", "slug": slug, **fields}
        )
        assert status == 201, pool
        return pool


@pytest.fixture
async def token_checker(sandbox: Sandbox) -> AsyncIterator[Prober]:
    checker = Prober(sandbox.url, timeout_s=2)
    try:
        yield checker
    finally:
        await checker.close()


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    """The settings the app runs with; override this fixture to change one."""
    return settings


@pytest.fixture
async def client(
    api_settings: Settings, sessions: Sessions, cipher: TokenCipher, token_checker: Prober
) -> AsyncIterator[TestClient]:
    app = create_app(api_settings, sessions, cipher, check_token=token_checker.identify)
    async with TestClient(ServedAsBotpool(app)) as client:
        yield client


@pytest.fixture
def make_caller(
    client: TestClient, sessions: Sessions, sandbox: Sandbox
) -> Callable[[int], Awaitable[Caller]]:
    async def factory(owner_id: int) -> Caller:
        return Caller(client, await create_api_key(sessions, owner_id, "tests"), sandbox)

    return factory


@pytest.fixture
async def alice(make_caller: Callable[[int], Awaitable[Caller]]) -> Caller:
    return await make_caller(ALICE)


@pytest.fixture
async def bob(make_caller: Callable[[int], Awaitable[Caller]]) -> Caller:
    return await make_caller(BOB)
