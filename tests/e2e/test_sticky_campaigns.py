"""`botpool run` against the sandbox: sticky leads follow the bot they met until it is
banned, forged and expired cookies are ignored, campaigns are counted, and a pool with no
bot left sends its leads to its fallback link."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import aiohttp
from sqlalchemy import update

from redirect_server.sticky import DAY_S, StickyCookies
from storage.db import create_engine, create_sessions, transaction
from storage.migrate import upgrade
from storage.models import Pool, utcnow
from storage.repos import bots, campaigns, counts, members, operators, pools
from tests.e2e.process import botpool, clean_env, free_port, wait_http_ok

OWNER = 1001
LANDING = "https://t.me/funil_canal"
WAIT_S = 20


class Lead:
    """One person's browser: keeps the link's cookie between visits, as a browser does
    (aiohttp's own jar ignores cookies of an IP address host)."""

    def __init__(self, http: aiohttp.ClientSession, link: str, cookie: str | None = None):
        self.http, self.link, self.cookie = http, link, cookie
        self.rewritten = False

    async def visit(self, query: str = "") -> tuple[int, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        async with self.http.get(
            self.link + query, allow_redirects=False, headers=headers
        ) as response:
            set_cookie = response.headers.get("Set-Cookie")
            self.rewritten = set_cookie is not None
            if set_cookie is not None:
                self.cookie = set_cookie.split(";", 1)[0]
            return response.status, response.headers.get("Location", "")

    async def bot(self, query: str = "") -> str:
        status, location = await self.visit(query)
        assert status == 302, status
        return location.removeprefix("https://t.me/").split("?")[0]


async def seed(url: str, cipher, sandbox_bots) -> dict[str, int]:
    engine = create_engine(url)
    try:
        await upgrade(engine)
        ids: dict[str, int] = {}
        async with transaction(create_sessions(engine)) as session:
            await operators.get_or_create(session, OWNER)
            pool = await pools.create(session, OWNER, name="Funil", slug="funil")
            for made in sandbox_bots:
                bot = await bots.register(
                    session,
                    cipher,
                    OWNER,
                    telegram_id=made.id,
                    username=made.username,
                    token=made.token,
                )
                await members.add(session, OWNER, pool.id, bot.id, max_per_pool=10)
                ids[made.username] = bot.id
            # Not yet settable from the API or the control bot (another part of issue 17).
            await session.execute(
                update(Pool).where(Pool.id == pool.id).values(fallback_url=LANDING, sticky_days=30)
            )
            ids["pool"] = pool.id
        return ids
    finally:
        await engine.dispose()


async def until(check, what: str):
    """Poll `check()` (a coroutine) until it returns something truthy (bounded)."""
    try:
        async with asyncio.timeout(WAIT_S):
            while True:
                found = await check()
                if found:
                    return found
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(f"never saw {what}") from None


async def test_sticky_leads_campaigns_and_the_fallback_link_through_botpool_run(
    tmp_path, sandbox, settings, cipher
):
    client = sandbox.client
    control = await client.create_bot(username="sticky_control_bot")
    made = [await client.create_bot(username=f"funil_{x}_bot") for x in "abc"]
    ids = await seed(settings.database_url, cipher, made)
    port = free_port()
    key = {"BOTPOOL_SECRET_KEY": settings.secret_key} if settings.secret_key else {}
    env = clean_env(
        **key,
        BOTPOOL_CONTROL_BOT_TOKEN=control.token,
        BOTPOOL_TELEGRAM_API_URL=sandbox.url,
        BOTPOOL_DATABASE_URL=settings.database_url,
        BOTPOOL_ADMIN_IDS=str(OWNER),
        BOTPOOL_HTTP_HOST="127.0.0.1",
        BOTPOOL_HTTP_PORT=str(port),
        BOTPOOL_PUBLIC_URL=f"http://127.0.0.1:{port}",
        BOTPOOL_HEALTH_INTERVAL_S="0.5",
        BOTPOOL_HEALTH_TIMEOUT_S="2",
        BOTPOOL_BREAKER_COOLDOWN_S="1",
        BOTPOOL_BAN_AFTER_FAILURES="2",
        BOTPOOL_RATE_LIMIT_PER_MIN="0",
    )
    link = f"http://127.0.0.1:{port}/go/funil"
    # The installation's key signs the cookies: one made with it but 31 days old.
    expired = StickyCookies.for_installation(cipher, settings.public_url).value(
        ids["pool"], ids["funil_a_bot"], int(time.time()) // DAY_S - 31
    )
    async with (
        botpool("run", env=env, cwd=tmp_path) as process,
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
    ):
        await wait_http_ok(f"http://127.0.0.1:{port}/healthz")
        await until(
            lambda: _all_served(http, link, {"funil_a_bot", "funil_b_bot", "funil_c_bot"}),
            "every bot online and served",
        )

        returning = Lead(http, link)
        met = await returning.bot()
        assert returning.cookie is not None and returning.cookie.startswith("bp_funil=")
        for _ in range(4):
            await Lead(http, link).bot()  # new leads move the turn on
            assert await returning.bot() == met
            assert not returning.rewritten

        for cookie in ("bp_funil=1.2.3.forged", f"bp_funil={expired}"):
            ignored = Lead(http, link, cookie)
            seen = {await Lead(http, link, cookie).bot() for _ in range(3)}
            assert len(seen) == 3  # each routed as new: the turn goes round
            await ignored.bot()
            assert ignored.rewritten and ignored.cookie != cookie

        campaign_lead = Lead(http, link)
        for _ in range(3):
            status, location = await campaign_lead.visit("?start=camp_x")
            assert status == 302 and location.endswith("?start=camp_x")

        await client.ban(next(m for m in made if m.username == met))
        old_cookie = returning.cookie

        async def moved() -> str | None:
            returning.cookie = old_cookie
            bot = await returning.bot()
            return bot if bot != met else None

        other = await until(moved, f"the returning lead moved off banned {met}")
        assert returning.rewritten and returning.cookie != old_cookie
        assert await returning.bot() == other

        # The operator turns the other bots off (banning them all at once would be an
        # outage of the path to Telegram, which keeps their states).
        engine = create_engine(settings.database_url)
        try:
            async with transaction(create_sessions(engine)) as session:
                for username in {"funil_a_bot", "funil_b_bot", "funil_c_bot"} - {met}:
                    await members.update(
                        session, OWNER, ids["pool"], ids[username], is_enabled=False
                    )
        finally:
            await engine.dispose()

        async def landing() -> bool:
            status, location = await Lead(http, link).visit()
            return status == 302 and location == LANDING

        await until(landing, "the fallback link once no bot is left")
        assert await process.stop(timeout_s=5) == 0, process.text()

    engine = create_engine(settings.database_url)
    since = utcnow() - timedelta(hours=2)
    try:
        async with create_sessions(engine)() as session:
            by_day = await campaigns.by_day(session, ids["pool"], since)
            outcomes = await campaigns.outcomes_since(session, since, [ids["pool"]])
            returned = await counts.returning_since(session, since, [ids["pool"]])
    finally:
        await engine.dispose()
    assert [dict(day.top) for day in by_day] == [{"camp_x": 3}]
    assert outcomes[(ids["pool"], campaigns.FALLBACK_LINK)] >= 1
    assert returned[(ids["pool"], ids[met])] >= 4
    assert returned[(ids["pool"], ids[other])] >= 2  # re-routed, then back to it


async def _all_served(http: aiohttp.ClientSession, link: str, usernames: set[str]) -> bool:
    seen = set()
    for _ in range(2 * len(usernames)):
        status, location = await Lead(http, link).visit()
        if status == 302:
            seen.add(location.removeprefix("https://t.me/").split("?")[0])
    return seen == usernames
