"""Alerts of `botpool run` against the sandbox, with the database seeded beforehand:
one incident is one notifying message (with the repeat limit scaled down from a minute
to seconds by the settings), and an alert survives `kill -9` between the commit of the
health change that causes it and its delivery (the fault point of bot_manager.testhooks)."""

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


async def seed(settings, fleet: dict[str, list]) -> None:
    """An operator (pt-BR) with a pool of sandbox bots per name, before botpool starts."""
    async with open_storage(settings) as store, transaction(store.sessions) as session:
        await operators.get_or_create(session, OPERATOR, "pt-BR")
        for name, sandbox_bots in fleet.items():
            slug = name.lower().replace(" ", "-")
            pool = await pools.create(session, OPERATOR, name=name, slug=slug)
            for sandbox_bot in sandbox_bots:
                row = await bots.register(
                    session,
                    store.cipher,
                    OPERATOR,
                    telegram_id=sandbox_bot.id,
                    username=sandbox_bot.username,
                    token=sandbox_bot.token,
                )
                await members.add(session, OPERATOR, pool.id, row.id, max_per_pool=10)


def run_env(sandbox, control, url: str, **values: str) -> dict[str, str]:
    return clean_env(
        BOTPOOL_CONTROL_BOT_TOKEN=control.token,
        BOTPOOL_TELEGRAM_API_URL=sandbox.url,
        BOTPOOL_DATABASE_URL=url,
        BOTPOOL_ADMIN_IDS=str(OPERATOR),
        BOTPOOL_HTTP_HOST="127.0.0.1",
        BOTPOOL_HTTP_PORT=str(free_port()),
        BOTPOOL_HEALTH_INTERVAL_S="0.3",
        BOTPOOL_BREAKER_COOLDOWN_S="0.3",
        BOTPOOL_BAN_AFTER_FAILURES="2",
        **values,
    )


async def outbox(settings) -> tuple[int, int]:
    """Alerts in the outbox: (all, undelivered)."""
    async with open_storage(settings) as store, store.sessions() as session:
        total = await session.scalar(select(func.count()).select_from(AlertOutbox))
        waiting = await session.scalar(
            select(func.count()).select_from(AlertOutbox).where(AlertOutbox.delivered_at.is_(None))
        )
    return total or 0, waiting or 0


async def alerts(client, control, needle: str = POOL) -> list[dict]:
    return [m for m in await client.messages(control, OPERATOR) if needle in (m["text"] or "")]


async def until(check, what: str) -> None:
    try:
        async with asyncio.timeout(WAIT_S):
            while True:
                if await check():
                    return
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"never saw {what}") from None


def ringing(messages: list[dict]) -> list[dict]:
    return [m for m in messages if not m["disable_notification"]]


async def test_four_bans_at_once_ring_once_and_a_fifth_bot_elsewhere_rings_again(tmp_path, sandbox):
    """BOTPOOL_ALERT_REPEAT_S=8 plays the minute: four bots of one pool banned at once
    are one notifying message naming them all; a bot of another pool failing a moment
    later shows in that message at once, and rings in a new message once the repeat
    time since the first is up."""
    client = sandbox.client
    control = await client.create_bot(username="grouping_control_bot")
    four = [await client.create_bot(username=f"grupo_{n}_bot") for n in range(1, 5)]
    fifth, spare = await client.create_bot(), await client.create_bot()
    # The rest of the fleet answers, so these failures are the bots', not an outage of
    # the way to Telegram (which would keep every state: core.outage).
    healthy = [await client.create_bot() for _ in range(5)]
    url = f"sqlite+aiosqlite:///{tmp_path / 'botpool.db'}"
    pools_ = {"Funil A": four, "Funil B": [fifth, spare], "Reserva": healthy}
    await seed(load_settings(database_url=url), pools_)
    await client.send_message(control, OPERATOR, "/start")
    env = run_env(sandbox, control, url, BOTPOOL_ALERT_GROUP_WAIT_S="1", BOTPOOL_ALERT_REPEAT_S="8")

    async with botpool("run", env=env, cwd=tmp_path) as process:
        await client.wait_for_requests(four[0], "getMe", timeout_s=WAIT_S)
        for bot in four:
            await client.ban(bot)
        bans = [f"⛔ @{bot.username} banido" for bot in four]

        async def all_four_banned() -> bool:
            told = await alerts(client, control, "Pool 'Funil A'")
            return any(all(ban in m["text"] for ban in bans) for m in told)

        await until(all_four_banned, "one message with the four bans")
        (first,) = ringing(await alerts(client, control, "Pool 'Funil A'"))
        assert "Pool 'Funil A': saúde 0% (0/4 online)" in first["text"]

        await client.fail(fifth, 502)
        offline = f"⚠️ @{fifth.username} offline"

        async def edited_at_once() -> bool:
            told = await alerts(client, control, offline)
            return any(m["message_id"] == first["message_id"] for m in told)

        async def rung_again() -> bool:
            fresh = await alerts(client, control, offline)
            return any(m["message_id"] != first["message_id"] for m in ringing(fresh))

        await until(edited_at_once, "the first message edited to name the fifth bot")
        await until(rung_again, "a new notifying message about the fifth bot")
        assert await process.stop() == 0, process.text()
    assert len(ringing(await alerts(client, control, "Pool 'Funil"))) == 2


async def test_an_alert_committed_right_before_kill_9_is_delivered_once_after_restart(
    tmp_path, sandbox
):
    client = sandbox.client
    control = await client.create_bot(username="crash_control_bot")
    funnel = await client.create_bot(username="crash_funnel_bot")
    url = f"sqlite+aiosqlite:///{tmp_path / 'botpool.db'}"
    settings = load_settings(database_url=url)
    await seed(settings, {"Funil Crash": [funnel]})
    await client.send_message(control, OPERATOR, "/start")
    await client.ban(funnel)
    env = run_env(
        sandbox, control, url, BOTPOOL_ALERT_GROUP_WAIT_S="0.5", BOTPOOL_ALERT_REPEAT_S="3600"
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
