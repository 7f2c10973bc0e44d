"""`botpool run` as a separate process against the sandbox, driven only through
Telegram messages and HTTP, as an operator and their leads would."""

from __future__ import annotations

import asyncio
from collections import Counter

import aiohttp
from sqlalchemy import func, select

from storage.db import create_engine, create_sessions, transaction
from storage.models import RedirectCount
from storage.repos import bots as bot_rows
from tests.e2e.process import botpool, clean_env, free_port, wait_http_ok
from tests.plugins.control_bot import OPERATOR, SYNC_USER, ControlBotDriver

USERNAMES = ("funil_a_bot", "funil_b_bot", "funil_c_bot", "funil_d_bot")
WAIT_S = 20


class Leads:
    """Visits /go/<slug> and keeps the tally of what was served."""

    def __init__(self, http: aiohttp.ClientSession, link: str) -> None:
        self.http, self.link = http, link
        self.served: Counter[str] = Counter()

    async def visit(self) -> str | int:
        async with self.http.get(self.link, allow_redirects=False) as response:
            if response.status != 302:
                return response.status
            username = response.headers["Location"].removeprefix("https://t.me/").split("?")[0]
            self.served[username] += 1
            return username

    async def round(self, n: int = 8) -> list[str | int]:
        return [await self.visit() for _ in range(n)]

    async def until(self, predicate, what: str) -> list[str | int]:
        """Visit in rounds until a round satisfies `predicate` (bounded)."""
        seen: list[str | int] = []
        try:
            async with asyncio.timeout(WAIT_S):
                while True:
                    seen = await self.round()
                    if predicate(seen):
                        return seen
                    await asyncio.sleep(0.2)
        except TimeoutError:
            raise AssertionError(f"never saw {what}; the last round was {seen}") from None


async def alerts_about(driver: ControlBotDriver, needle: str, after: int) -> list[str]:
    messages = await driver.messages(OPERATOR)
    return [m["text"] for m in messages if m["message_id"] > after and needle in (m["text"] or "")]


async def wait_alert(driver: ControlBotDriver, needle: str, after: int, *also: str) -> None:
    """Until a message after `after` has `needle` and every one of `also`."""
    async with asyncio.timeout(WAIT_S):
        while True:
            texts = await alerts_about(driver, needle, after)
            if any(all(more in text for more in also) for text in texts):
                return
            await asyncio.sleep(0.1)


async def last_message_id(driver: ControlBotDriver) -> int:
    messages = await driver.messages(OPERATOR)
    return messages[-1]["message_id"] if messages else 0


async def test_botpool_run_end_to_end_failover_alerts_and_clean_shutdown(
    tmp_path, sandbox, settings, cipher
):
    """Over the test's database: a SQLite file, or a PostgreSQL database of its own."""
    client = sandbox.client
    control = await client.create_bot(username="e2e_control_bot")
    port = free_port()
    url = settings.database_url
    key = {"BOTPOOL_SECRET_KEY": settings.secret_key} if settings.secret_key else {}
    env = clean_env(
        **key,
        BOTPOOL_CONTROL_BOT_TOKEN=control.token,
        BOTPOOL_TELEGRAM_API_URL=sandbox.url,
        BOTPOOL_DATABASE_URL=url,
        BOTPOOL_ADMIN_IDS=f"{OPERATOR},{SYNC_USER}",
        BOTPOOL_HTTP_HOST="127.0.0.1",
        BOTPOOL_HTTP_PORT=str(port),
        BOTPOOL_PUBLIC_URL=f"http://127.0.0.1:{port}",
        BOTPOOL_HEALTH_INTERVAL_S="0.5",
        BOTPOOL_HEALTH_TIMEOUT_S="2",
        BOTPOOL_BREAKER_COOLDOWN_S="1",
        BOTPOOL_BAN_AFTER_FAILURES="2",
        BOTPOOL_RATE_LIMIT_PER_MIN="0",
        BOTPOOL_ALERT_GROUP_WAIT_S="1",
    )
    async with botpool("run", env=env, cwd=tmp_path) as process:
        await wait_http_ok(f"http://127.0.0.1:{port}/healthz")
        await client.wait_for_requests(control, "getUpdates", timeout_s=WAIT_S)
        engine = create_engine(url)
        driver = ControlBotDriver(sandbox, control, settings, create_sessions(engine), cipher)
        try:
            await journey(driver, port)
        finally:
            await engine.dispose()
        served = driver.served  # type: ignore[attr-defined]
        assert await process.stop(timeout_s=5) == 0, process.text()

    engine = create_engine(url)
    try:
        async with create_sessions(engine)() as session:
            counted = await session.scalar(select(func.sum(RedirectCount.count)))
    finally:
        await engine.dispose()
    assert counted == sum(served.values()), (counted, served)


async def healthy_bystanders(driver: ControlBotDriver, count: int) -> None:
    """Bots of the operator in no pool, answering getMe: the rest of the fleet."""
    for n in range(count):
        created = await driver.client.create_bot(username=f"bystander_{n}_bot")
        async with transaction(driver.sessions) as session:
            await bot_rows.register(
                session,
                driver.cipher,
                OPERATOR,
                telegram_id=created.id,
                username=created.username,
                token=created.token,
            )


async def journey(driver: ControlBotDriver, port: int) -> None:
    client = driver.client
    # A pool, by chat.
    sent = await driver.send(OPERATOR, "/newpool e2e Funil E2E")
    card = await driver.wait_reply(OPERATOR, "Funil E2E (e2e)", after=sent, timeout_s=WAIT_S)

    # Four bots, by forwarding @BotFather's messages; each message is deleted.
    bots = {}
    for username in USERNAMES:
        bots[username] = await client.create_bot(username=username)
        forwarded = await driver.forward_from_botfather(
            OPERATOR, bots[username].token, username=username
        )
        await driver.wait_reply(OPERATOR, f"@{username}", after=forwarded, timeout_s=WAIT_S)
        await driver.wait_deleted(OPERATOR, forwarded["message_id"])

    # Attached to the pool from its card.
    screen = await driver.tap(OPERATOR, card, "Gerenciar bots")
    for username in USERNAMES:
        candidates = await driver.tap(OPERATOR, screen, "Adicionar bot")
        await driver.press(OPERATOR, candidates, contains=f"@{username}")
        screen = await driver.message(OPERATOR, candidates["message_id"])
    assert "(4/4 online)" in screen["text"]

    async with aiohttp.ClientSession() as http:
        leads = Leads(http, f"http://127.0.0.1:{port}/go/e2e")
        driver.served = leads.served  # type: ignore[attr-defined]

        # /go rotates over all four.
        rotation = await leads.until(lambda seen: set(seen) == set(USERNAMES), "all four")
        assert Counter(rotation) == {name: 2 for name in USERNAMES}

        # One is banned: traffic leaves it, and exactly one alert names it.
        victim = USERNAMES[1]
        mark = await last_message_id(driver)
        await client.ban(bots[victim])
        await leads.until(
            lambda seen: victim not in seen and set(seen) == set(USERNAMES) - {victim}, ""
        )
        await wait_alert(driver, f"@{victim}", mark)
        for _ in range(3):  # a few more passes: nothing more is said while it stays banned
            assert victim not in await leads.round()
            await asyncio.sleep(0.5)
        assert len(await alerts_about(driver, f"@{victim}", mark)) == 1

        # Restored and re-checked from the control bot: the "recovered" alert, and traffic back.
        await client.restore(bots[victim])
        mark = await last_message_id(driver)
        sent = await driver.send(OPERATOR, "/bots")
        listing = await driver.wait_reply(OPERATOR, f"@{victim}", after=sent, timeout_s=WAIT_S)
        detail = await driver.tap(OPERATOR, listing, f"@{victim}")
        await driver.press(OPERATOR, detail, contains="Verificar de novo")
        await wait_alert(driver, "Resolvido", mark)
        recovered = await alerts_about(driver, "Resolvido", mark)
        assert len(recovered) == 1 and f"✅ @{victim} online" in recovered[0]
        await leads.until(lambda seen: set(seen) == set(USERNAMES), "traffic back")

        # All banned at once: 503, and the operator hears it as one incident: the pool
        # has no bot left, with the four bans in it, in at most two notifying messages.
        # Other bots of the fleet still answer, so this is the pool's failure, not an
        # outage of the way to Telegram (when most of the fleet fails, states are kept).
        await healthy_bystanders(driver, len(USERNAMES))
        mark = await last_message_id(driver)
        for username in USERNAMES:
            await client.ban(bots[username])
        await leads.until(lambda seen: seen == [503] * len(seen), "503")
        await wait_alert(driver, "sem nenhum bot", mark)
        await wait_alert(driver, "Pool 'Funil E2E'", mark, *(f"⛔ @{u} banido" for u in USERNAMES))
        told = [m for m in await driver.messages(OPERATOR) if m["message_id"] > mark]
        assert len([m for m in told if not m["disable_notification"]]) <= 2, told
