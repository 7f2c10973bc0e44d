"""GET /go/<slug>: which bot a lead gets, with which start parameter, and what counts."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import pytest
from aiohttp.test_utils import TestClient

from core.domain import BotStatus
from redirect_server import keys
from redirect_server.remembered import Remembered
from redirect_server.views import HttpDate, is_link_preview
from storage.db import transaction
from storage.models import utcnow
from storage.repos import counts


async def go(client: TestClient, path: str, **options: object) -> str:
    """The bot a redirect of `path` points at (asserting it is a no-store 302)."""
    async with client.get(path, allow_redirects=False, **options) as response:
        assert response.status == 302, await response.text()
        assert response.headers["Cache-Control"] == "no-store"
        location = response.headers["Location"]
    assert location.startswith("https://t.me/")
    return location.removeprefix("https://t.me/").split("?")[0]


async def location(client: TestClient, path: str) -> str:
    async with client.get(path, allow_redirects=False) as response:
        assert response.status == 302
        return response.headers["Location"]


async def test_round_robin_pool_sends_leads_to_each_bot_in_turn(seed, start_client):
    await seed.pool("promo", ("a_bot", "b_bot", "c_bot"))
    client = await start_client()
    served = [await go(client, "/go/promo") for _ in range(6)]
    assert served == ["a_bot", "b_bot", "c_bot"] * 2


async def test_redirect_points_at_the_bot_with_the_pools_start_parameter(seed, start_client):
    await seed.pool("promo", ("a_bot",), start_param="campanha_1")
    client = await start_client()
    assert await location(client, "/go/promo") == "https://t.me/a_bot?start=campanha_1"


async def test_every_redirect_carries_the_current_date_and_no_server_version(seed, start_client):
    await seed.pool("promo", ("a_bot",))
    client = await start_client()
    for path in ("/go/promo", "/go/promo?start=outra", "/go/promo"):
        async with client.get(path, allow_redirects=False) as response:
            assert response.status == 302
            sent = parsedate_to_datetime(response.headers["Date"])
            assert abs((datetime.now(UTC) - sent).total_seconds()) < 5
            assert response.headers["Server"] == "botpool"
            assert response.headers.getall("Content-Length") == ["0"]
            assert len(response.headers.getall("Date")) == 1


def test_http_date_is_formatted_again_when_the_second_changes():
    date = HttpDate()
    assert abs(parsedate_to_datetime(date.value()).timestamp() - time.time()) < 2
    date._second -= 5  # as if last formatted 5 s ago
    date._value = "stale"
    assert abs(parsedate_to_datetime(date.value()).timestamp() - time.time()) < 2


async def test_weighted_pool_gives_each_bot_its_weight(seed, start_client):
    await seed.pool("promo", ("a_bot", "b_bot"), strategy="weighted", weights=(3, 1))
    client = await start_client()
    served = Counter([await go(client, "/go/promo") for _ in range(8)])
    assert served == {"a_bot": 6, "b_bot": 2}


async def test_least_connections_sends_leads_to_the_bot_with_fewest_in_the_last_hour(
    seed, sessions, start_client
):
    pool = await seed.pool("promo", ("a_bot", "b_bot"), strategy="least_connections")
    async with transaction(sessions) as session:
        await counts.add(
            session, {(pool.pool_id, pool.bot_ids["a_bot"], counts.hour_of(utcnow())): 3}
        )
    client = await start_client()
    served = [await go(client, "/go/promo") for _ in range(8)]
    assert served == ["b_bot"] * 3 + ["a_bot", "b_bot"] * 2 + ["a_bot"]


async def test_banned_offline_or_disabled_bots_never_get_a_lead(seed, start_client):
    pool = await seed.pool("promo", ("a_bot", "b_bot", "c_bot", "d_bot"))
    await seed.set_status(pool.bot_ids["a_bot"], BotStatus.BANNED)
    await seed.set_status(pool.bot_ids["b_bot"], BotStatus.OFFLINE)
    await seed.update_member(pool.pool_id, pool.bot_ids["c_bot"], is_enabled=False)
    client = await start_client()
    assert {await go(client, "/go/promo") for _ in range(10)} == {"d_bot"}


async def test_pool_with_no_bot_to_give_answers_503_with_retry_after(seed, start_client):
    pool = await seed.pool("promo", ("a_bot", "b_bot"))
    await seed.set_status(pool.bot_ids["a_bot"], BotStatus.BANNED)
    await seed.set_status(pool.bot_ids["b_bot"], BotStatus.OFFLINE)
    client = await start_client()
    async with client.get("/go/promo", allow_redirects=False) as response:
        assert response.status == 503
        assert int(response.headers["Retry-After"]) >= 1
        assert "Location" not in response.headers


async def test_unknown_slug_answers_404(seed, start_client):
    await seed.pool("promo")
    client = await start_client()
    async with client.get("/go/nope", allow_redirects=False) as response:
        assert response.status == 404


async def test_paused_pool_answers_404(seed, start_client):
    pool = await seed.pool("promo")
    await seed.update_pool(pool.pool_id, is_active=False)
    client = await start_client()
    async with client.get("/go/promo", allow_redirects=False) as response:
        assert response.status == 404


async def test_fallback_pool_serves_when_the_pool_has_no_bot_and_counts_against_itself(
    seed, sessions, start_client
):
    main = await seed.pool("main", ("a_bot",))
    spare = await seed.pool("spare", ("z_bot",))
    await seed.update_pool(main.pool_id, fallback_pool_id=spare.pool_id)
    await seed.set_status(main.bot_ids["a_bot"], BotStatus.BANNED)
    client = await start_client()
    assert await location(client, "/go/main") == "https://t.me/z_bot?start=acesso"
    await client.close()
    async with sessions() as session:
        served = await counts.per_bot_since(session, utcnow())
    assert served == {(spare.pool_id, spare.bot_ids["z_bot"]): 1}


async def test_valid_start_parameter_is_passed_on(seed, start_client):
    await seed.pool("promo", ("a_bot",))
    client = await start_client()
    given = "Ab-9_" + "x" * 59
    assert await location(client, f"/go/promo?start={given}") == f"https://t.me/a_bot?start={given}"


@pytest.mark.parametrize(
    "forged",
    ["x" * 65, "", "a b", "abc\n", "abc\r\nSet-Cookie: x=1", "<script>", "ação", "a&b", "a/b"],
)
async def test_forged_or_oversized_start_parameter_falls_back_to_the_default(
    seed, start_client, forged
):
    await seed.pool("promo", ("a_bot",))
    client = await start_client()
    path = f"/go/promo?start={quote(forged, safe='')}"
    assert await location(client, path) == "https://t.me/a_bot?start=acesso"


@pytest.mark.parametrize(
    "user_agent",
    [
        "TelegramBot (like TwitterBot)",
        "WhatsApp/2.23.20.0 A",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "Facebot",
        "Twitterbot/1.0",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Slack-ImgProxy (+https://api.slack.com/robots)",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    ],
)
async def test_link_preview_crawlers_are_redirected_but_not_counted(
    seed, sessions, start_client, user_agent
):
    await seed.pool("promo", ("a_bot", "b_bot"))
    client = await start_client()
    for _ in range(3):
        assert await go(client, "/go/promo", headers={"User-Agent": user_agent}) == "a_bot"
    assert await go(client, "/go/promo") == "a_bot", "a crawler must not take a lead's turn"
    await client.close()
    async with sessions() as session:
        assert await counts.total(session) == 1


async def test_head_requests_are_redirected_but_not_counted(seed, sessions, start_client):
    await seed.pool("promo", ("a_bot", "b_bot"))
    client = await start_client()
    for _ in range(3):
        async with client.head("/go/promo", allow_redirects=False) as response:
            assert response.status == 302
            assert response.headers["Location"] == "https://t.me/a_bot?start=acesso"
    assert await go(client, "/go/promo") == "a_bot"
    await client.close()
    async with sessions() as session:
        assert await counts.total(session) == 1


async def test_previews_do_not_advance_least_connections_counts(seed, start_client):
    pool = await seed.pool("promo", ("a_bot", "b_bot"), strategy="least_connections")
    client = await start_client()
    for _ in range(5):
        await go(client, "/go/promo", headers={"User-Agent": "WhatsApp/2.23"})
    hour_counts = client.server.app[keys.ROUTING].hour_counts
    assert hour_counts.get(pool.bot_ids["a_bot"], 0) == 0
    assert hour_counts.get(pool.bot_ids["b_bot"], 0) == 0


def test_remembered_user_agents_stay_bounded():
    previews = Remembered(is_link_preview, remember=100, longest=50)
    for i in range(1000):
        assert previews[f"Mozilla/5.0 build {i}"] is False
    assert previews["x" * 5000 + " WhatsApp/2.0"] is True
    assert len(previews) <= 100
