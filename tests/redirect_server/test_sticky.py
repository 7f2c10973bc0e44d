"""Sticky leads (SPEC §12): a lead who comes back to a link goes to the bot it met
before while that bot is routable, through a signed cookie of the link's own."""

from __future__ import annotations

import base64
import hmac
import time
from http.cookies import SimpleCookie

from aiohttp.test_utils import TestClient
from sqlalchemy import update

from core.domain import BotStatus
from redirect_server import keys
from redirect_server.sticky import DAY_S, LABEL, StickyCookies
from storage.crypto import TokenCipher, cipher_for, new_key
from storage.db import mark_changed, sqlite_path, transaction
from storage.models import Pool, utcnow
from storage.repos import counts


async def set_pool(sessions, pool_id: int, **values: object) -> None:
    """Pool columns the API does not set yet (fallback_url, sticky_days), as the API
    will: committed with a routing change."""
    async with transaction(sessions) as session:
        await session.execute(update(Pool).where(Pool.id == pool_id).values(**values))
        mark_changed(session, pools=[pool_id])


async def visit(client: TestClient, path: str, cookie: str | None = None) -> tuple[str, str | None]:
    """(the bot a lead is sent to, the Set-Cookie it gets or None), the lead bringing
    `cookie` (a `bp_<slug>=...` pair) when given."""
    headers = {"Cookie": cookie} if cookie is not None else {}
    async with client.get(path, allow_redirects=False, headers=headers) as response:
        assert response.status == 302, await response.text()
        bot = response.headers["Location"].removeprefix("https://t.me/").split("?")[0]
        set_cookies = response.headers.getall("Set-Cookie", [])
    assert len(set_cookies) <= 1
    return bot, (set_cookies[0] if set_cookies else None)


def pair(set_cookie: str) -> str:
    """What the browser sends back for a Set-Cookie: name=value."""
    return set_cookie.split(";", 1)[0]


def today() -> int:
    return int(time.time()) // DAY_S


async def test_a_returning_lead_goes_to_the_bot_it_met_and_to_another_once_it_is_banned(
    seed, start_client
):
    pool = await seed.pool("promo", ("a_bot", "b_bot", "c_bot"))
    client = await start_client()
    first, cookie = await visit(client, "/go/promo")
    assert cookie is not None
    for _ in range(5):  # new leads in between move the turn on; the returning one stays
        await visit(client, "/go/promo")
        assert await visit(client, "/go/promo", pair(cookie)) == (first, None)

    await seed.set_status(pool.bot_ids[first], BotStatus.BANNED)
    await client.app[keys.ON_CHANGE]()
    other, rewritten = await visit(client, "/go/promo", pair(cookie))
    assert other != first
    assert rewritten is not None and pair(rewritten) != pair(cookie)
    assert await visit(client, "/go/promo", pair(rewritten)) == (other, None)


async def test_forged_tampered_foreign_and_expired_cookies_are_ignored_and_rewritten(
    seed, start_client, cipher, settings
):
    pool = await seed.pool("promo", ("a_bot", "b_bot"))
    other_pool = await seed.pool("other", ("c_bot",))
    a_bot, b_bot = pool.bot_ids["a_bot"], pool.bot_ids["b_bot"]
    ours = StickyCookies.for_installation(cipher, settings.public_url)
    theirs = StickyCookies.for_installation(TokenCipher(new_key()), settings.public_url)
    day = today()
    valid = ours.value(pool.pool_id, b_bot, day)
    payload, signature = valid.rsplit(".", 1)
    bad = {
        "another installation's key": theirs.value(pool.pool_id, b_bot, day),
        "a bot changed": f"{pool.pool_id}.{a_bot}.{day}.{signature}",
        "a signature changed": f"{payload}.{'A' * len(signature)}",
        "no signature": payload,
        "garbage": "x.y.z",
        "non-ASCII": f"{payload}.ção",
        "another pool's": ours.value(other_pool.pool_id, b_bot, day),
        "31 days old": ours.value(pool.pool_id, b_bot, day - 31),
        "from the future": ours.value(pool.pool_id, b_bot, day + 5),
    }
    client = await start_client()
    assert await visit(client, "/go/promo", f"bp_promo={valid}") == ("b_bot", None)
    for why, value in bad.items():
        served = {await visit(client, "/go/promo", f"bp_promo={value}") for _ in range(2)}
        # Routed as new: round robin gives each of the two a different bot, each with a
        # cookie of its own.
        assert {bot for bot, _ in served} == {"a_bot", "b_bot"}, why
        for bot, set_cookie in served:
            assert set_cookie is not None, why
            assert set_cookie.startswith(f"bp_promo={pool.pool_id}.{pool.bot_ids[bot]}.{day}.")


async def test_a_cookie_is_valid_for_the_pools_window_and_a_later_return_renews_it(
    seed, start_client, cipher, settings, sessions
):
    pool = await seed.pool("promo", ("a_bot", "b_bot"))
    await set_pool(sessions, pool.pool_id, sticky_days=7)
    cookies = StickyCookies.for_installation(cipher, settings.public_url)
    b_bot = pool.bot_ids["b_bot"]
    client = await start_client()
    day = today()
    # Issued today: it stands, no Set-Cookie. Issued 7 days ago: still in the window,
    # renewed to today. 8 days ago: past it, a new lead.
    issued = {ago: f"bp_promo={cookies.value(pool.pool_id, b_bot, day - ago)}" for ago in (0, 7)}
    assert await visit(client, "/go/promo", issued[0]) == ("b_bot", None)
    bot, renewed = await visit(client, "/go/promo", issued[7])
    assert bot == "b_bot"
    assert renewed is not None
    assert pair(renewed) == f"bp_promo={cookies.value(pool.pool_id, b_bot, day)}"
    assert "Max-Age=604800" in renewed
    stale = f"bp_promo={cookies.value(pool.pool_id, b_bot, day - 8)}"
    served = {(await visit(client, "/go/promo", stale))[0] for _ in range(2)}
    assert served == {"a_bot", "b_bot"}


async def test_the_cookie_is_the_links_own_http_only_lax_and_secure_only_over_https(
    seed, start_client, settings
):
    await seed.pool("promo", ("a_bot",))
    client = await start_client()
    _bot, plain = await visit(client, "/go/promo")
    https = await start_client(
        settings=settings.model_copy(update={"public_url": "https://go.example.com"})
    )
    _bot, secure = await visit(https, "/go/promo")
    for set_cookie, is_secure in ((plain, False), (secure, True)):
        assert set_cookie is not None
        parsed = SimpleCookie()
        parsed.load(set_cookie)
        morsel = parsed["bp_promo"]
        assert morsel["path"] == "/go/promo"
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Lax"
        assert morsel["max-age"] == str(30 * DAY_S)  # the default window: 30 days
        assert bool(morsel["secure"]) is is_secure
        # Nothing about the lead: the pool, the bot, the day, a signature.
        assert len(morsel.value.split(".")) == 4


async def test_processes_of_one_installation_read_each_others_cookies(seed, start_client):
    await seed.pool("promo", ("a_bot", "b_bot", "c_bot"))
    one, two = await start_client(), await start_client()
    await visit(two, "/go/promo")  # the other process's turn moves on
    first, cookie = await visit(one, "/go/promo")
    assert cookie is not None
    assert await visit(two, "/go/promo", pair(cookie)) == (first, None)


async def test_a_pool_without_sticky_leads_sets_no_cookie_and_reads_none(
    seed, start_client, sessions
):
    pool = await seed.pool("promo", ("a_bot", "b_bot"))
    client = await start_client()
    _bot, cookie = await visit(client, "/go/promo")
    assert cookie is not None
    await set_pool(sessions, pool.pool_id, sticky_days=0)
    await client.app[keys.ON_CHANGE]()
    served = [await visit(client, "/go/promo", pair(cookie)) for _ in range(4)]
    assert [set_cookie for _bot, set_cookie in served] == [None] * 4
    assert {bot for bot, _ in served} == {"a_bot", "b_bot"}


async def test_a_cookie_is_found_among_the_others_a_browser_sends(seed, start_client):
    await seed.pool("promo", ("a_bot", "b_bot", "c_bot"))
    client = await start_client()
    first, cookie = await visit(client, "/go/promo")
    assert cookie is not None
    value = pair(cookie).split("=", 1)[1]
    jar = f"xbp_promo=1.2.3.x; theme=dark; {pair(cookie)}; bp_promo2={value}"
    assert await visit(client, "/go/promo", jar) == (first, None)
    # A longer name ending in ours is not ours.
    served = {(await visit(client, "/go/promo", f"xbp_promo={value}"))[0] for _ in range(3)}
    assert served == {"a_bot", "b_bot", "c_bot"}


async def test_returning_leads_are_counted_apart_in_the_database_and_metrics(
    seed, start_client, sessions
):
    pool = await seed.pool("promo", ("a_bot", "b_bot"))
    client = await start_client(flush_interval_s=3600)
    first, cookie = await visit(client, "/go/promo")
    assert cookie is not None
    for _ in range(3):
        await visit(client, "/go/promo", pair(cookie))
    await seed.set_status(pool.bot_ids[first], BotStatus.BANNED)
    await client.app[keys.ON_CHANGE]()
    second, _rewritten = await visit(client, "/go/promo", pair(cookie))  # re-routed
    await visit(client, "/go/promo")  # a new lead
    async with client.get("/metrics") as response:
        metrics = await response.text()
    assert f'botpool_returning_redirects_total{{bot="{first}",pool="promo"}} 3.0' in metrics
    assert f'botpool_returning_redirects_total{{bot="{second}",pool="promo"}} 1.0' in metrics
    await client.close()
    async with sessions() as session:
        returning = await counts.returning_since(session, utcnow())
        returning_hour = await counts.returning_last_hour(session, utcnow())
        served = await counts.per_bot_since(session, utcnow())
    ids = pool.bot_ids
    assert returning == {(pool.pool_id, ids[first]): 3, (pool.pool_id, ids[second]): 1}
    assert returning_hour == returning
    assert served == {(pool.pool_id, ids[first]): 4, (pool.pool_id, ids[second]): 2}


async def test_link_previews_neither_read_nor_get_a_cookie(seed, start_client):
    await seed.pool("promo", ("a_bot", "b_bot"))
    client = await start_client()
    async with client.get(
        "/go/promo", allow_redirects=False, headers={"User-Agent": "TelegramBot (like TwitterBot)"}
    ) as response:
        assert response.status == 302
        assert "Set-Cookie" not in response.headers
    async with client.head("/go/promo", allow_redirects=False) as response:
        assert "Set-Cookie" not in response.headers


def test_cookies_are_signed_with_hmac_sha256_under_a_key_derived_from_the_token_key(
    cipher, settings
):
    url = settings.public_url
    value = StickyCookies.for_installation(cipher, url).value(12, 34, 20_000)
    payload, signature = value.rsplit(".", 1)
    assert payload == "12.34.20000"
    derived = cipher.derive(LABEL)
    expected = hmac.digest(derived, payload.encode(), "sha256")[:16]
    assert signature == base64.urlsafe_b64encode(expected).rstrip(b"=").decode()
    # Every process of the installation derives the same key from its token key; it is
    # not the key itself, nor the fingerprint the database keeps.
    again = cipher_for(settings.secret_key, sqlite_path(settings.database_url))
    assert StickyCookies.for_installation(again, url).value(12, 34, 20_000) == value
    assert derived.hex() != cipher.fingerprint
    other = TokenCipher(new_key())
    assert StickyCookies.for_installation(other, url).value(12, 34, 20_000) != value
