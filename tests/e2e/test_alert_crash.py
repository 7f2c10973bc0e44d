"""An alert survives `kill -9` between the commit of the health change that causes it
and its delivery: `botpool run` kills itself at the fault point of
bot_manager.testhooks, and the next `botpool run` delivers the alert, once."""

from __future__ import annotations

import asyncio
import signal

from sqlalchemy import func, select

from bot_manager.process import open_storage
from bot_manager.testhooks import ALERTS_COMMITTED, CRASH_AT
from core.settings import load_settings
from storage.db import transaction
from storage.models import AlertOutbox
from storage.repos import bots, members, operators, pools
from tests.e2e.process import botpool, clean_env, free_port
from tests.plugins.control_bot import OPERATOR

WAIT_S = 60
POOL = "Pool 'Funil Crash'"


async def seed(settings, sandbox_bot) -> None:
    """An operator (pt-BR) with one pool of one bot, written before botpool starts."""
    async with open_storage(settings) as store, transaction(store.sessions) as session:
        await operators.get_or_create(session, OPERATOR, "pt-BR")
        pool = await pools.create(session, OPERATOR, name="Funil Crash", slug="crash")
        row = await bots.register(
            session,
            store.cipher,
            OPERATOR,
            telegram_id=sandbox_bot.id,
            username=sandbox_bot.username,
            token=sandbox_bot.token,
        )
        await members.add(session, OPERATOR, pool.id, row.id, max_per_pool=10)


async def outbox(settings) -> tuple[int, int]:
    """Alerts in the outbox: (all, undelivered)."""
    async with open_storage(settings) as store, store.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(AlertOutbox))
        waiting = await session.scalar(
            select(func.count()).select_from(AlertOutbox).where(AlertOutbox.delivered_at.is_(None))
        )
    return total or 0, waiting or 0


async def alerts(client, control) -> list[dict]:
    return [m for m in await client.messages(control, OPERATOR) if POOL in (m["text"] or "")]


async def test_an_alert_committed_right_before_kill_9_is_delivered_once_after_restart(
    tmp_path, sandbox
):
    client = sandbox.client
    control = await client.create_bot(username="crash_control_bot")
    funnel = await client.create_bot(username="crash_funnel_bot")
    url = f"sqlite+aiosqlite:///{tmp_path / 'botpool.db'}"
    settings = load_settings(database_url=url)
    await seed(settings, funnel)
    await client.send_message(control, OPERATOR, "/start")
    await client.ban(funnel)
    env = clean_env(
        BOTPOOL_CONTROL_BOT_TOKEN=control.token,
        BOTPOOL_TELEGRAM_API_URL=sandbox.url,
        BOTPOOL_DATABASE_URL=url,
        BOTPOOL_ADMIN_IDS=str(OPERATOR),
        BOTPOOL_HTTP_HOST="127.0.0.1",
        BOTPOOL_HTTP_PORT=str(free_port()),
        BOTPOOL_HEALTH_INTERVAL_S="0.3",
        BOTPOOL_BREAKER_COOLDOWN_S="0.3",
        BOTPOOL_BAN_AFTER_FAILURES="2",
        BOTPOOL_ALERT_GROUP_WAIT_S="0.5",
        BOTPOOL_ALERT_REPEAT_S="3600",
    )

    async with botpool("run", env={**env, CRASH_AT: ALERTS_COMMITTED}, cwd=tmp_path) as first:
        async with asyncio.timeout(WAIT_S):
            code = await first.proc.wait()
        assert code == -signal.SIGKILL, first.text()
    written, waiting = await outbox(settings)
    assert written == waiting > 0
    assert await alerts(client, control) == []

    async def delivered_with_the_ban() -> bool:  # the ban, confirmed later, is an edit
        told = await alerts(client, control)
        return bool(told) and "banido" in told[0]["text"] and (await outbox(settings))[1] == 0

    async with botpool("run", env=env, cwd=tmp_path) as second:
        async with asyncio.timeout(WAIT_S):
            while True:
                if await delivered_with_the_ban():
                    break
                await asyncio.sleep(0.2)
        assert await second.stop() == 0, second.text()

    (told,) = await alerts(client, control)
    assert f"@{funnel.username} banido" in told["text"]
    assert (await outbox(settings))[1] == 0
