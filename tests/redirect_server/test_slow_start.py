"""Slow start through the real routing table: a bot back from a ban takes about a tenth
of its share at first and all of it after the window; the table plans again when a ramp
ends, so /go goes back to the fast path without reading the clock per lead."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from core.domain import MemberState, PoolState, Strategy
from core.ramp import SlowStart
from redirect_server import keys
from redirect_server.counter import RedirectCounter
from redirect_server.routing import RoutingTable, Target
from tests.redirect_server.funnel import set_bot, set_member

LEADS = 440
# Two bots of equal weight, one back just now at 10 % of its weight: 0.1 / 1.1 of the
# leads (40 of 440), within 2.5 points.
FIRST_SHARE, TOLERANCE = 0.1 / 1.1, 0.025


async def tally(client, n: int) -> Counter[str]:
    taken: Counter[str] = Counter()
    for _ in range(n):
        async with client.get("/go/promo", allow_redirects=False) as response:
            assert response.status == 302
            taken[response.headers["Location"].split("/")[-1].split("?")[0]] += 1
    return taken


async def test_a_bot_back_from_a_ban_ramps_through_the_app(seed, sessions, settings, start_client):
    promo = await seed.pool("promo", ("a_bot", "b_bot"))
    a_bot = promo.bot_ids["a_bot"]
    day_ago = datetime.now(UTC) - timedelta(days=1)
    for bot_id in promo.bot_ids.values():  # a pool that has served for a day
        await set_member(sessions, promo.pool_id, bot_id, added_at=day_ago)
    unlimited = settings.model_copy(update={"rate_limit_per_min": 0})
    client = await start_client(settings=unlimited, reload_interval_s=3600)
    assert await tally(client, 100) == {"a_bot": 50, "b_bot": 50}

    await set_bot(sessions, a_bot, recovered_at=datetime.now(UTC))  # as the monitor does
    await client.server.app[keys.ON_CHANGE]()
    first = await tally(client, LEADS)
    assert abs(first["a_bot"] / LEADS - FIRST_SHARE) <= TOLERANCE, first

    window = client.server.app[keys.SETTINGS].slow_start_s
    await set_bot(sessions, a_bot, recovered_at=datetime.now(UTC) - timedelta(seconds=window))
    await client.server.app[keys.ON_CHANGE]()
    assert await tally(client, LEADS) == {"a_bot": LEADS // 2, "b_bot": LEADS // 2}


def hand_made_table(sessions, moment: list[float], **options) -> RoutingTable:
    """A table whose clock reads `moment[0]`, with a pool of a_bot, back at that moment,
    and b_bot, serving for a day."""
    table = RoutingTable(sessions, RedirectCounter(sessions), clock=lambda: moment[0], **options)
    now = datetime.fromtimestamp(moment[0], UTC)
    members = (
        MemberState(1, "a_bot", ramp_from=now),
        MemberState(2, "b_bot", ramp_from=now - timedelta(days=1)),
    )
    table.pools = {7: PoolState(7, "promo", Strategy.ROUND_ROBIN, members)}
    table.targets = {7: {m.bot_id: Target((7, m.bot_id), m.username) for m in members}}
    return table


async def test_the_table_plans_again_when_a_ramp_ends(sessions):
    moment = [time.time()]
    table = hand_made_table(sessions, moment, slow_start=SlowStart(0.3, 0.1))
    table.plan()
    ramping = table.routes["promo"]
    first = Counter(ramping.take().served[1] for _ in range(110))
    assert first[1] <= 15, first
    moment[0] += 0.31  # past the ramp's end; the timer armed for it fires 0.3 s after the plan
    for _ in range(50):  # bounded: 50 x 20 ms
        if table.routes["promo"] is not ramping:
            break
        await asyncio.sleep(0.02)
    table.close()
    after = table.routes["promo"]
    assert after is not ramping
    assert Counter(after.take().served[1] for _ in range(100)) == {1: 50, 2: 50}


async def test_the_share_follows_the_tables_clock_between_plans(sessions):
    """Within one plan the share grows with the clock the table is given."""
    moment = [time.time()]
    table = hand_made_table(sessions, moment, slow_start=SlowStart(300, 0.1))
    table.plan()
    route = table.routes["promo"]
    assert Counter(route.take().served[1] for _ in range(110))[1] <= 15
    moment[0] += 300
    assert Counter(route.take().served[1] for _ in range(100)) == {1: 50, 2: 50}
    table.close()


async def test_without_slow_start_a_bot_back_just_now_takes_its_full_share_at_once(sessions):
    table = hand_made_table(sessions, [time.time()])
    table.plan()
    route = table.routes["promo"]
    assert Counter(route.take().served[1] for _ in range(100)) == {1: 50, 2: 50}
    table.close()
