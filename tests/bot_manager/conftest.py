"""Fixtures of the health monitor's tests: the monitor wired to a real sandbox, a real
SQLite file and a control bot whose chats the tests read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot_manager.alert_delivery import AlertDelivery
from bot_manager.monitor import HealthMonitor
from bot_manager.notifier import Notifier
from bot_manager.probe import Prober
from core.domain import BotStatus, MemberState
from core.settings import Settings
from core.strategies import route
from sandbox import Sandbox, SandboxClient
from sandbox.client import SandboxBot
from storage.crypto import TokenCipher
from storage.db import Sessions, transaction
from storage.models import Bot as BotRow
from storage.models import utcnow
from storage.repos import bots, members, operators, pools

BYSTANDER = 7900


@dataclass
class MonitorWorld:
    """Everything a monitor test touches, with the few steps every test repeats."""

    settings: Settings
    sessions: Sessions
    cipher: TokenCipher
    sandbox: Sandbox
    control: SandboxBot
    control_bot: Bot
    prober: Prober
    notifier: Notifier
    monitor: HealthMonitor
    delivery: AlertDelivery
    reloads: list[datetime] = field(default_factory=list)
    db_ids: dict[int, int] = field(default_factory=dict)

    @property
    def client(self) -> SandboxClient:
        return self.sandbox.client

    async def operator(
        self, user_id: int, language: str = "en", *, alerts: bool = True, start: bool = True
    ) -> int:
        """An operator who has opened a chat with the control bot (so it can write)."""
        async with transaction(self.sessions) as session:
            operator = await operators.get_or_create(session, user_id, language)
            operator.alerts_enabled = alerts
        if start:
            await self.client.send_message(self.control, user_id, "/start")
        return user_id

    async def bot(self, owner_id: int) -> SandboxBot:
        """A sandbox bot registered to `owner_id` (online, as after getMe)."""
        created = await self.client.create_bot()
        async with transaction(self.sessions) as session:
            row = await bots.register(
                session,
                self.cipher,
                owner_id,
                telegram_id=created.id,
                username=created.username,
                token=created.token,
            )
        self.db_ids[created.id] = row.id
        return created

    async def bystanders(self, count: int, owner_id: int = BYSTANDER) -> list[SandboxBot]:
        """Healthy bots of another operator, so that the bots a test makes fail are not
        most of the fleet: a pass where most fail at once is an outage of the path to
        Telegram, which keeps every state (core.outage)."""
        await self.operator(owner_id, start=False)
        return [await self.bot(owner_id) for _ in range(count)]

    async def pool(
        self, owner_id: int, slug: str, members_: Sequence[SandboxBot], **kwargs: object
    ) -> int:
        async with transaction(self.sessions) as session:
            pool = await pools.create(session, owner_id, name=slug.upper(), slug=slug, **kwargs)
            for member in members_:
                await members.add(
                    session,
                    owner_id,
                    pool.id,
                    self.db_ids[member.id],
                    max_per_pool=self.settings.max_bots_per_pool,
                )
            return pool.id

    async def row(self, bot: SandboxBot) -> BotRow:
        async with self.sessions() as session:
            row = await session.get(BotRow, self.db_ids[bot.id])
        assert row is not None
        return row

    async def status(self, bot: SandboxBot) -> BotStatus:
        return BotStatus((await self.row(bot)).status)

    async def passes(self, count: int) -> None:
        for _ in range(count):
            await self.monitor.run_pass()

    async def alerts(self, chat_id: int, now: datetime | None = None) -> list[str]:
        """What the control bot wrote to `chat_id` (edits included), after one round of
        alert delivery at `now`."""
        return [m["text"] for m in await self.chat(chat_id, now)]

    async def chat(self, chat_id: int, now: datetime | None = None) -> list[dict]:
        await self.delivery.deliver_due(now)
        assert await self.notifier.drain(10)
        return await self.client.messages(self.control, chat_id)

    async def picks(self, pool_id: int, times: int = 50) -> set[int | None]:
        """The bots /go would give over `times` leads (None = 503), from the stored state."""
        async with self.sessions() as session:
            states = {state.pool_id: state for _pool, state in await pools.all_states(session)}
        cursors: dict = {}
        chosen: set[int | None] = set()
        for _ in range(times):
            picked = route(states, pool_id, cursors, utcnow())
            member: MemberState | None = picked[1] if picked else None
            chosen.add(member.bot_id if member else None)
        return chosen

    def db_id(self, bot: SandboxBot) -> int:
        return self.db_ids[bot.id]


@pytest.fixture
def monitor_settings(settings: Settings, sandbox: Sandbox) -> Settings:
    return settings.model_copy(
        update={
            "telegram_api_url": sandbox.url,
            "health_interval_s": 0.2,
            "health_timeout_s": 1.0,
            "breaker_cooldown_s": 0.0,
            "ban_after_failures": 3,
            "alert_group_wait_s": 0.0,
            "alert_repeat_s": 0.0,
        }
    )


@pytest.fixture
async def monitor_world(
    monitor_settings: Settings, sessions: Sessions, cipher: TokenCipher, sandbox: Sandbox
) -> AsyncIterator[MonitorWorld]:
    control = await sandbox.client.create_bot(username="botpool_control_bot")
    control_bot = Bot(
        control.token, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url))
    )
    prober = Prober(sandbox.url, monitor_settings.health_timeout_s)
    notifier = Notifier(control_bot, backoff_s=0.05, max_backoff_s=0.2)
    reloads: list[datetime] = []

    async def on_change() -> None:
        reloads.append(utcnow())

    monitor = HealthMonitor(monitor_settings, sessions, cipher, prober, notifier, on_change)
    delivery = AlertDelivery(monitor_settings, sessions, control_bot, retry_s=0.05)
    world = MonitorWorld(
        settings=monitor_settings,
        sessions=sessions,
        cipher=cipher,
        sandbox=sandbox,
        control=control,
        control_bot=control_bot,
        prober=prober,
        notifier=notifier,
        monitor=monitor,
        delivery=delivery,
        reloads=reloads,
    )
    try:
        yield world
    finally:
        await monitor.stop()
        await notifier.close(grace_s=1)
        await prober.close()
        await control_bot.session.close()
