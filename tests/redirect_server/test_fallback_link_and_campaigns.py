"""Leads no bot takes go to the pool's fallback link (or get the 503 page), and leads that
bring their own `start` are counted per campaign; both per pool and hour, in /metrics,
and spooled like the redirects when the database is down at shutdown."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from core.domain import BotStatus
from redirect_server import keys
from redirect_server.counter import RedirectCounter, Taken
from storage.models import utcnow
from storage.repos import campaigns, counts
from tests.redirect_server.test_spool import nowhere  # noqa: F401  (a fixture)
from tests.redirect_server.test_sticky import set_pool

LANDING = "https://example.com/landing?utm_source=botpool"


async def outcomes(sessions) -> dict[tuple[int, str], int]:
    async with sessions() as session:
        return await campaigns.outcomes_since(session, utcnow() - timedelta(hours=1))


async def redirects(sessions) -> dict[tuple[int, int], int]:
    async with sessions() as session:
        return await counts.per_bot_since(session, utcnow() - timedelta(hours=1))


async def campaigns_today(sessions, pool_id: int) -> campaigns.DayCampaigns | None:
    async with sessions() as session:
        days = await campaigns.by_day(session, pool_id, utcnow() - timedelta(days=1))
    return days[0] if days else None


async def test_a_pool_with_no_bot_left_sends_leads_to_its_fallback_link_and_counts_them(
    seed, start_client, sessions
):
    pool = await seed.pool("promo", ("a_bot",))
    await set_pool(sessions, pool.pool_id, fallback_url=LANDING)
    client = await start_client(flush_interval_s=3600)
    async with client.get("/go/promo", allow_redirects=False) as response:
        assert response.headers["Location"] == "https://t.me/a_bot?start=acesso"
    await seed.set_status(pool.bot_ids["a_bot"], BotStatus.BANNED)
    await client.app[keys.ON_CHANGE]()
    for path in ("/go/promo", "/go/promo?start=camp_x", "/go/promo"):
        async with client.get(path, allow_redirects=False) as response:
            assert response.status == 302
            assert response.headers["Location"] == LANDING  # exactly, no start added
            assert response.headers["Cache-Control"] == "no-store"
            assert "Set-Cookie" not in response.headers
    async with client.head("/go/promo", allow_redirects=False) as response:  # not a lead
        assert response.headers["Location"] == LANDING
    async with client.get("/metrics") as response:
        metrics = await response.text()
    assert 'botpool_leads_without_bot_total{outcome="fallback_link",pool="promo"} 3.0' in metrics
    await client.close()
    assert await outcomes(sessions) == {(pool.pool_id, campaigns.FALLBACK_LINK): 3}
    assert await redirects(sessions) == {(pool.pool_id, pool.bot_ids["a_bot"]): 1}
    today = await campaigns_today(sessions, pool.pool_id)
    assert today is not None and today.top == [("camp_x", 1)]


async def test_the_fallback_pool_goes_before_the_fallback_link(seed, start_client, sessions):
    main = await seed.pool("main", ("a_bot",))
    spare = await seed.pool("spare", ("z_bot",))
    await seed.update_pool(main.pool_id, fallback_pool_id=spare.pool_id)
    await set_pool(sessions, main.pool_id, fallback_url=LANDING)
    await seed.set_status(main.bot_ids["a_bot"], BotStatus.BANNED)
    client = await start_client()
    async with client.get("/go/main", allow_redirects=False) as response:
        assert response.headers["Location"] == "https://t.me/z_bot?start=acesso"
    await seed.set_status(spare.bot_ids["z_bot"], BotStatus.BANNED)
    await client.app[keys.ON_CHANGE]()
    async with client.get("/go/main", allow_redirects=False) as response:
        assert response.headers["Location"] == LANDING


async def test_leads_that_get_the_503_page_are_counted_per_pool_as_unserved(
    seed, start_client, sessions
):
    pool = await seed.pool("promo", ("a_bot",))
    await seed.set_status(pool.bot_ids["a_bot"], BotStatus.BANNED)
    client = await start_client(flush_interval_s=3600)
    for _ in range(2):
        async with client.get("/go/promo", allow_redirects=False) as response:
            assert response.status == 503
    async with client.head("/go/promo", allow_redirects=False) as response:
        assert response.status == 503  # a crawler's: not a lead
    async with client.get("/metrics") as response:
        metrics = await response.text()
    assert 'botpool_leads_without_bot_total{outcome="unserved",pool="promo"} 2.0' in metrics
    await client.close()
    assert await outcomes(sessions) == {(pool.pool_id, campaigns.UNSERVED): 2}
    assert await redirects(sessions) == {}


async def test_leads_with_a_start_of_their_own_are_counted_under_that_campaign(
    seed, start_client, sessions
):
    main = await seed.pool("main", ("a_bot",))
    spare = await seed.pool("spare", ("z_bot",))
    await seed.update_pool(main.pool_id, fallback_pool_id=spare.pool_id)
    client = await start_client(flush_interval_s=3600)
    paths = ["/go/main?start=camp_x"] * 3 + ["/go/main?start=camp_y"]
    paths += ["/go/main", "/go/main?start=acesso", "/go/main?start=bad%20value", "/go/main?x=1"]
    for path in paths:
        async with client.get(path, allow_redirects=False) as response:
            assert response.status == 302
    async with client.get(
        "/go/main?start=camp_x", allow_redirects=False, headers={"User-Agent": "WhatsApp/2.0"}
    ) as response:
        assert response.status == 302  # a preview: not counted
    await seed.set_status(main.bot_ids["a_bot"], BotStatus.BANNED)
    await client.app[keys.ON_CHANGE]()
    async with client.get("/go/main?start=camp_x", allow_redirects=False) as response:
        assert response.headers["Location"] == "https://t.me/z_bot?start=camp_x"
    await client.close()
    today = await campaigns_today(sessions, main.pool_id)
    assert today is not None
    assert today.top == [("camp_x", 4), ("camp_y", 1)]  # the link's pool, not the spare
    assert today.other == 0
    assert await campaigns_today(sessions, spare.pool_id) is None


async def test_campaigns_past_the_daily_budget_are_counted_as_other(seed, start_client, sessions):
    pool = await seed.pool("promo", ("a_bot",))
    client = await start_client(flush_interval_s=3600)
    client.app[keys.COUNTER].campaigns_per_day = 3
    for n in range(6):
        for _ in range(n + 1):
            async with client.get(f"/go/promo?start=c{n}", allow_redirects=False) as response:
                assert response.status == 302
        client.app[keys.COUNTER].add({})  # a harvest, as every second
    async with client.get("/go/promo?start=c0", allow_redirects=False) as response:
        assert response.status == 302  # one of the day's first three: still itself
    await client.close()
    today = await campaigns_today(sessions, pool.pool_id)
    assert today is not None
    assert today.top == [("c2", 3), ("c0", 2), ("c1", 2)]
    assert today.other == 4 + 5 + 6


async def test_a_shutdown_with_the_database_down_spools_outcomes_campaigns_and_returning_leads(
    seed,
    sessions,
    nowhere,  # noqa: F811
    tmp_path: Path,
):
    pool = await seed.pool("promo", ("a_bot",))
    bot = pool.bot_ids["a_bot"]
    spool_dir = tmp_path / "spool"
    dying = RedirectCounter(nowhere, spool_dir=spool_dir)
    dying.campaign_leads[(pool.pool_id, "camp_x")] = 2
    dying.unserved_leads[pool.pool_id] = 5
    harvest = Taken()
    harvest.update({(pool.pool_id, bot): 4, (pool.pool_id, 0): 3})  # 0: the fallback link
    harvest.returning[(pool.pool_id, bot)] = 1
    await dying.drain(lambda: harvest, attempts=1, pause_s=0)
    assert not dying.unflushed_batch()

    starting = RedirectCounter(sessions, spool_dir=spool_dir)
    assert await starting.write_spooled() == 4 + 3 + 5
    assert await RedirectCounter(sessions, spool_dir=spool_dir).write_spooled() == 0
    assert await redirects(sessions) == {(pool.pool_id, bot): 4}
    async with sessions() as session:
        returning = await counts.returning_since(session, utcnow() - timedelta(hours=1))
    assert returning == {(pool.pool_id, bot): 1}
    assert await outcomes(sessions) == {
        (pool.pool_id, campaigns.FALLBACK_LINK): 3,
        (pool.pool_id, campaigns.UNSERVED): 5,
    }
    today = await campaigns_today(sessions, pool.pool_id)
    assert today is not None and today.top == [("camp_x", 2)]


async def test_counts_of_a_pool_deleted_before_the_flush_are_dropped_and_the_rest_written(
    seed, sessions
):
    gone = await seed.pool("gone", ("a_bot",))
    kept = await seed.pool("kept", ("b_bot",))
    counter = RedirectCounter(sessions)
    counter.campaign_leads.update({(gone.pool_id, "camp_x"): 1, (kept.pool_id, "camp_x"): 2})
    counter.unserved_leads.update({gone.pool_id: 1, kept.pool_id: 1})
    counter.add({(gone.pool_id, 0): 1, (kept.pool_id, 0): 1})
    await seed.delete_pool(gone.pool_id)
    assert await counter.flush() is True
    assert await outcomes(sessions) == {
        (kept.pool_id, campaigns.FALLBACK_LINK): 1,
        (kept.pool_id, campaigns.UNSERVED): 1,
    }
    today = await campaigns_today(sessions, kept.pool_id)
    assert today is not None and today.top == [("camp_x", 2)]
