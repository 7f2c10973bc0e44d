"""Hourly caps through the real app over the test database: a bot at its cap is passed
over; then the fallback pool, then the fallback link; with nowhere else to go, the
least loaded bot. A lead is never dropped for a cap."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from redirect_server import keys
from redirect_server.counter import RedirectCounter
from redirect_server.routing import RoutingTable
from storage.models import utcnow
from tests.redirect_server.funnel import add_counts, set_member, set_pool

LINK = "https://example.com/full"


async def served(client, n: int, path: str = "/go/promo") -> list[str]:
    """Who took each of `n` leads: a bot's username, or the fallback link's URL."""
    taken = []
    for _ in range(n):
        async with client.get(path, allow_redirects=False) as response:
            assert response.status == 302, response.status
            location = response.headers["Location"]
        if location.startswith("https://t.me/"):
            location = location.removeprefix("https://t.me/").split("?")[0]
        elif location.startswith(LINK):  # the link as the view serves it (start or not)
            location = LINK
        taken.append(location)
    return taken


async def cap_pool(seed, sessions, slug: str, caps: dict[str, int], **pool: object):
    seeded = await seed.pool(slug, tuple(caps))
    for username, cap in caps.items():
        await set_member(sessions, seeded.pool_id, seeded.bot_ids[username], hourly_cap=cap)
    if pool:
        await set_pool(sessions, seeded.pool_id, **pool)
    return seeded


async def test_a_full_pool_spills_to_its_other_bot_then_the_fallback_pool_then_the_link(
    seed, sessions, start_client
):
    reserve = await cap_pool(seed, sessions, "reserve", {"c_bot": 2})
    await cap_pool(
        seed, sessions, "promo", {"a_bot": 2, "b_bot": 3}, fallback_pool_id=reserve.pool_id,
        fallback_url=LINK,
    )  # fmt: skip
    client = await start_client(reload_interval_s=3600)
    assert await served(client, 9) == [
        "a_bot", "b_bot", "a_bot", "b_bot",  # a_bot is at its cap of 2
        "b_bot",  # b_bot too, at 3
        "c_bot", "c_bot",  # the fallback pool, until its bot is full
        LINK, LINK,
    ]  # fmt: skip


async def test_with_no_link_a_lead_goes_to_the_least_loaded_bot_never_to_the_503_page(
    seed, sessions, start_client
):
    await cap_pool(seed, sessions, "promo", {"a_bot": 2, "b_bot": 4})
    client = await start_client(reload_interval_s=3600)
    assert await served(client, 8) == [
        "a_bot", "b_bot", "a_bot", "b_bot", "b_bot", "b_bot",  # each up to its cap
        "a_bot",  # both full: a_bot is at 100 % of its cap, as b_bot is; the first
        "b_bot",  # a_bot is at 150 % now
    ]  # fmt: skip


async def test_a_bot_loaded_in_another_pool_is_at_its_cap_here_too(
    seed, sessions, settings, start_client
):
    """The load is the bot's, across its pools, read from the database's counts."""
    promo = await seed.pool("promo", ("a_bot", "b_bot"))
    other = await seed.pool("other", ())
    a_bot = promo.bot_ids["a_bot"]
    await seed.add_member(other.pool_id, a_bot)
    await add_counts(sessions, other.pool_id, a_bot, 30, utcnow())
    client = await start_client(
        settings=settings.model_copy(update={"bot_hourly_capacity": 30}), reload_interval_s=3600
    )
    assert await served(client, 4) == ["b_bot"] * 4
    assert await served(client, 1, "/go/other") == ["a_bot"]  # at cap, alone, never dropped


async def test_counts_of_the_previous_hour_weigh_by_the_part_still_in_the_window(
    seed, sessions, settings, start_client
):
    """Leads of two hours ago are out of the window; those of this hour are in."""
    promo = await seed.pool("promo", ("a_bot", "b_bot"))
    a_bot = promo.bot_ids["a_bot"]
    now = datetime.now(UTC)
    two_hours_ago = now.replace(minute=0, second=0, microsecond=0).timestamp() - 2 * 3600
    await add_counts(
        sessions, promo.pool_id, a_bot, 500, datetime.fromtimestamp(two_hours_ago, UTC)
    )
    await add_counts(sessions, promo.pool_id, a_bot, 29, now)
    client = await start_client(
        settings=settings.model_copy(update={"bot_hourly_capacity": 30}), reload_interval_s=3600
    )
    assert await served(client, 3) == ["a_bot", "b_bot", "b_bot"]


async def test_a_returning_lead_leaves_its_bot_at_cap_only_while_another_has_room(
    seed, sessions, start_client
):
    promo = await cap_pool(seed, sessions, "promo", {"a_bot": 1, "b_bot": 2})
    a_bot, b_bot = promo.bot_ids["a_bot"], promo.bot_ids["b_bot"]
    client = await start_client(reload_interval_s=3600)
    assert await served(client, 1) == ["a_bot"]  # a_bot is now at its cap
    route = client.server.app[keys.ROUTING].routes["promo"]
    assert route.stick(a_bot) is None  # routed as new: b_bot has room
    assert route.stick(b_bot).served == (promo.pool_id, b_bot)
    assert route.stick(b_bot).served == (promo.pool_id, b_bot)  # b_bot is full now
    target = route.stick(a_bot)  # nobody has room: its own bot takes it back
    assert target is not None and target.served == (promo.pool_id, a_bot)
    assert target.returning == 1


async def test_bots_at_cap_take_leads_again_once_their_hour_has_passed(seed, sessions):
    """A chain found full is not searched again until the loads are read afresh; then
    the leads that slid out of the window give the bots their room back."""
    promo = await seed.pool("promo", ("a_bot", "b_bot"))
    await set_pool(sessions, promo.pool_id, fallback_url=LINK)
    moment = [time.time()]
    counter = RedirectCounter(sessions)
    table = RoutingTable(sessions, counter, hourly_capacity=2, clock=lambda: moment[0])
    await table.load()
    route = table.routes["promo"]
    taken = [route.take().served[1] for _ in range(6)]
    assert taken[4:] == [0, 0]  # the link's target: both bots are at their cap of 2
    counter.add(table.take_counts())
    assert await counter.flush()

    moment[0] += 2 * 3600  # those leads leave the window; b_bot takes two new ones
    a_bot, b_bot = promo.bot_ids["a_bot"], promo.bot_ids["b_bot"]
    await add_counts(sessions, promo.pool_id, b_bot, 2, datetime.fromtimestamp(moment[0], UTC))
    table._figures_at = float("-inf")  # due for its periodic read
    await table.follow()
    assert table.routes["promo"] is route  # the same plan, with the loads read afresh
    assert [route.take().served[1] for _ in range(3)] == [a_bot, a_bot, 0]
    table.close()
