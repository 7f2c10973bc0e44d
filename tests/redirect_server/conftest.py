"""Fixtures for the redirect server: a running app over the test database, and a
seeder that writes pools, bots and members through the storage repositories."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import DummyCookieJar
from aiohttp.test_utils import TestClient

from core.domain import BotStatus
from core.settings import Settings
from redirect_server.app import create_app
from storage.crypto import TokenCipher
from storage.db import Sessions, mark_changed, transaction
from storage.models import Bot
from storage.repos import bots, members, operators, pools
from tests.served import ServedAsBotpool

OWNER = 1001

StartClient = Callable[..., Awaitable[TestClient]]


@dataclass
class SeededPool:
    pool_id: int
    slug: str
    bot_ids: dict[str, int] = field(default_factory=dict)  # username -> bot id


class Seeder:
    def __init__(self, sessions: Sessions, cipher: TokenCipher) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self._telegram_ids = iter(range(7_000_001, 8_000_000))

    async def bot(self, username: str, status: BotStatus = BotStatus.ONLINE) -> int:
        async with transaction(self.sessions) as session:
            await operators.get_or_create(session, OWNER)
            telegram_id = next(self._telegram_ids)
            bot = await bots.register(
                session,
                self.cipher,
                OWNER,
                telegram_id=telegram_id,
                username=username,
                token=f"{telegram_id}:AAtest",
                status=status,
            )
            return bot.id

    async def pool(
        self,
        slug: str,
        usernames: tuple[str, ...] = ("a_bot", "b_bot"),
        *,
        strategy: str = "round_robin",
        weights: tuple[int, ...] | None = None,
        start_param: str = "acesso",
    ) -> SeededPool:
        seeded = SeededPool(0, slug)
        for username in usernames:
            seeded.bot_ids[username] = await self.bot(username)
        async with transaction(self.sessions) as session:
            pool = await pools.create(
                session, OWNER, name=slug, slug=slug, strategy=strategy, start_param=start_param
            )
            seeded.pool_id = pool.id
        for i, bot_id in enumerate(seeded.bot_ids.values()):
            await self.add_member(seeded.pool_id, bot_id, weight=weights[i] if weights else 1)
        return seeded

    async def add_member(self, pool_id: int, bot_id: int, **options: int) -> None:
        async with transaction(self.sessions) as session:
            await members.add(session, OWNER, pool_id, bot_id, max_per_pool=10, **options)

    async def set_status(self, bot_id: int, status: BotStatus) -> None:
        async with transaction(self.sessions) as session:
            bot = await session.get(Bot, bot_id)
            assert bot is not None
            bot.status = status.value
            mark_changed(session, bots=[bot_id])  # as the health monitor does

    async def update_member(self, pool_id: int, bot_id: int, **changes: object) -> None:
        async with transaction(self.sessions) as session:
            await members.update(session, OWNER, pool_id, bot_id, **changes)

    async def update_pool(self, pool_id: int, **changes: object) -> None:
        async with transaction(self.sessions) as session:
            await pools.update_owned(session, OWNER, pool_id, **changes)

    async def remove_member(self, pool_id: int, bot_id: int) -> None:
        async with transaction(self.sessions) as session:
            await members.remove(session, OWNER, pool_id, bot_id)

    async def delete_pool(self, pool_id: int) -> None:
        async with transaction(self.sessions) as session:
            await pools.delete_owned(session, OWNER, pool_id)


@pytest.fixture
def seed(sessions: Sessions, cipher: TokenCipher) -> Seeder:
    return Seeder(sessions, cipher)


@pytest.fixture
async def start_client(
    settings: Settings, sessions: Sessions, cipher: TokenCipher
) -> AsyncIterator[StartClient]:
    """Start the real app on 127.0.0.1 (after seeding: the table loads at start-up).
    Keyword arguments go to create_app; `settings=` replaces the fixture's. The client
    keeps no cookies: each of its requests is a new lead (tests of sticky leads send
    theirs)."""
    clients: list[TestClient] = []

    async def start(**options: object) -> TestClient:
        app_settings = options.pop("settings", settings)
        app = create_app(app_settings, sessions, cipher, **options)  # type: ignore[arg-type]
        client = TestClient(ServedAsBotpool(app), cookie_jar=DummyCookieJar())
        await client.start_server()
        clients.append(client)
        return client

    yield start
    for client in clients:
        await client.close()
