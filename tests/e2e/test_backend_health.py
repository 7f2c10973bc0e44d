"""Backend health through `botpool run` against the sandbox (SPEC §12): a bot alive at
Telegram whose funnel stops answering leaves rotation (no /go lead reaches it) and its
owner gets one alert, then one "recovered" when it answers again. Nothing ever calls
getUpdates on a member bot."""

from __future__ import annotations

import aiohttp
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from core.settings import load_settings
from tests.e2e.process import botpool, clean_env, free_port, wait_http_ok
from tests.e2e.test_alerts_run import ringing, seed, until
from tests.e2e.test_botpool_run import Leads
from tests.plugins.control_bot import OPERATOR

WAIT_S = 30
HOOK = "https://funnel.example/hook"
LEADS_AWAY = 40  # leads sent while the backend fails: none may reach it


def env_for(sandbox, control, url: str, port: int, **values: str) -> dict[str, str]:
    return clean_env(
        BOTPOOL_CONTROL_BOT_TOKEN=control.token,
        BOTPOOL_TELEGRAM_API_URL=sandbox.url,
        BOTPOOL_DATABASE_URL=url,
        BOTPOOL_ADMIN_IDS=str(OPERATOR),
        BOTPOOL_HTTP_HOST="127.0.0.1",
        BOTPOOL_HTTP_PORT=str(port),
        BOTPOOL_PUBLIC_URL=f"http://127.0.0.1:{port}",
        BOTPOOL_HEALTH_INTERVAL_S="0.3",
        BOTPOOL_WEBHOOK_CHECK_EVERY="1",
        BOTPOOL_RATE_LIMIT_PER_MIN="0",
        BOTPOOL_ALERT_GROUP_WAIT_S="0.5",
        BOTPOOL_ALERT_REPEAT_S="3600",
        **values,
    )


async def about(client, control, bot) -> list[dict]:
    """The control bot's messages to the operator that name `bot`."""
    messages = await client.messages(control, OPERATOR)
    return [m for m in messages if f"@{bot.username}" in (m["text"] or "")]


async def leaves_rotation_and_comes_back(
    sandbox, control, funnel, steady, port: int, fail, fix, failing_words: str
) -> None:
    """The shared journey: both bots serve; `fail()` makes the funnel's backend fail;
    leads all go to `steady` and one alert names the funnel; `fix()`; the funnel serves
    again and one "resolved" message follows."""
    client = sandbox.client
    async with aiohttp.ClientSession() as http:
        leads = Leads(http, f"http://127.0.0.1:{port}/go/funil")
        await leads.until(lambda seen: {funnel.username, steady.username} <= set(seen), "both")

        await fail()
        await leads.until(lambda seen: set(seen) == {steady.username}, "leads leave the funnel")
        away = [await leads.visit() for _ in range(LEADS_AWAY)]
        assert set(away) == {steady.username}, away

        async def told_failing() -> bool:
            return any(failing_words in m["text"] for m in await about(client, control, funnel))

        await until(told_failing, "the alert about the funnel")

        await fix()
        await leads.until(lambda seen: funnel.username in seen, "the funnel back in rotation")

        async def told_resolved() -> bool:
            told = await about(client, control, funnel)
            return any(m["text"].startswith("✅ Resolvido") for m in told)

        await until(told_resolved, "the resolved message")
    told = await about(client, control, funnel)
    assert len(ringing(told)) == 2, [m["text"] for m in told]
    assert failing_words in told[0]["text"] and told[0]["text"].startswith("🟠")
    assert told[-1]["text"].startswith("✅ Resolvido")


async def test_a_webhook_bot_whose_backend_fails_leaves_rotation_and_is_told_twice(
    tmp_path, sandbox
):
    client = sandbox.client
    control = await client.create_bot(username="hook_control_bot")
    funnel = await client.create_bot(username="funil_hook_bot")
    steady = await client.create_bot(username="funil_firme_bot")
    for bot in (funnel, steady):
        await client.set_webhook_state(bot, url=HOOK)
    url = f"sqlite+aiosqlite:///{tmp_path / 'botpool.db'}"
    await seed(load_settings(database_url=url), {"Funil": [funnel, steady]})
    await client.send_message(control, OPERATOR, "/start")
    port = free_port()

    async def fail() -> None:
        await client.webhook_fails(funnel, "Connection refused", pending=3)

    async def fix() -> None:  # Telegram delivers what waited; the error date stays
        await client.set_webhook_state(funnel, pending_update_count=0)

    async with botpool("run", env=env_for(sandbox, control, url, port), cwd=tmp_path) as process:
        await wait_http_ok(f"http://127.0.0.1:{port}/healthz")
        await client.wait_for_requests(funnel, "getWebhookInfo", timeout_s=WAIT_S)
        await leaves_rotation_and_comes_back(
            sandbox, control, funnel, steady, port, fail, fix, "webhook falha (Connection refused)"
        )
        assert await process.stop() == 0, process.text()
    for bot in (funnel, steady):
        assert await client.request_count(bot, "getUpdates") == 0


async def test_a_polling_bot_whose_backlog_grows_leaves_rotation_and_is_told_twice(
    tmp_path, sandbox
):
    client = sandbox.client
    control = await client.create_bot(username="backlog_control_bot")
    funnel = await client.create_bot(username="funil_fila_bot")
    steady = await client.create_bot(username="funil_leve_bot")
    url = f"sqlite+aiosqlite:///{tmp_path / 'botpool.db'}"
    await seed(load_settings(database_url=url), {"Funil": [funnel, steady]})
    await client.send_message(control, OPERATOR, "/start")
    port = free_port()
    env = env_for(sandbox, control, url, port, BOTPOOL_BACKEND_PENDING_THRESHOLD="5")
    poller = Bot(funnel.token, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url)))

    async def fail() -> None:  # leads press Start; the funnel's poller is down
        for n in range(12):
            await client.send_message(funnel, 5000 + n, "/start")
        assert await client.request_count(funnel, "getUpdates") == 0

    async def fix() -> None:  # the funnel's own poller is back and takes the backlog
        updates = await poller.get_updates(timeout=0)
        assert len(updates) >= 12
        await poller.get_updates(offset=updates[-1].update_id + 1, timeout=0)

    try:
        async with botpool("run", env=env, cwd=tmp_path) as process:
            await wait_http_ok(f"http://127.0.0.1:{port}/healthz")
            await client.wait_for_requests(funnel, "getWebhookInfo", timeout_s=WAIT_S)
            await leaves_rotation_and_comes_back(
                sandbox, control, funnel, steady, port, fail, fix, "mensagens esperando"
            )
            assert await process.stop() == 0, process.text()
    finally:
        await poller.session.close()
    # Only the funnel's own poller (the test, above) ever took its updates.
    assert await client.request_count(funnel, "getUpdates") == 2
    assert await client.request_count(steady, "getUpdates") == 0
