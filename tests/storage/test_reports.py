"""The report queries on a real SQLite file: a pool's chart data (counts per bot and hour,
capacity replayed from health history, incidents) and a day's digest figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.domain import BotStatus
from core.reports import HOUR, OTHERS_ID, MarkerKind
from storage.db import transaction
from storage.models import Bot, HealthRecord
from storage.repos import bots, counts, history, members, operators, pools
from storage.repos import reports as repo

OWNER = 1001
START = datetime(2026, 11, 25, 0, tzinfo=UTC)


async def add_bot(session, cipher, telegram_id: int) -> Bot:
    bot = await bots.register(
        session,
        cipher,
        OWNER,
        telegram_id=telegram_id,
        username=f"bot{telegram_id}",
        token=f"{telegram_id}:secret",
    )
    bot.created_at = START - timedelta(days=30)
    return bot


def change(bot: Bot, at: datetime, old: BotStatus, new: BotStatus) -> HealthRecord:
    return HealthRecord(bot_id=bot.id, at=at, kind=history.STATUS_CHANGE, status=new, detail=old)


async def seed(sessions, cipher) -> tuple[int, list[int]]:
    """Three bots: b1 offline since before the window; b2 banned at 03:00 and back at
    05:00; b3 online throughout. Counts at 00:00, 01:00 and 07:00 (outside a 6 h window)."""
    async with transaction(sessions) as session:
        await operators.get_or_create(session, OWNER)
        pool = await pools.create(session, OWNER, name="Red", slug="red1")
        b1, b2, b3 = [await add_bot(session, cipher, n) for n in (1, 2, 3)]
        for bot in (b1, b2, b3):
            await members.add(session, OWNER, pool.id, bot.id, max_per_pool=10)
        session.add_all(
            [
                change(b1, START - 5 * HOUR, BotStatus.ONLINE, BotStatus.OFFLINE),
                change(b2, START + 3 * HOUR, BotStatus.ONLINE, BotStatus.BANNED),
                change(b2, START + 5 * HOUR, BotStatus.BANNED, BotStatus.ONLINE),
            ]
        )
        b1.status = BotStatus.ONLINE.value  # it is back now; at START it was not
        await counts.add(
            session,
            {
                (pool.id, b2.id, START): 10,
                (pool.id, b3.id, START + HOUR): 4,
                (pool.id, b3.id, START + 7 * HOUR): 99,
            },
        )
        return pool.id, [b1.id, b2.id, b3.id]


async def test_traffic_has_counts_capacity_from_history_and_incidents(sessions, cipher):
    pool_id, ids = await seed(sessions, cipher)
    async with sessions() as session:
        pool = await pools.get_owned(session, OWNER, pool_id)
        series = await repo.traffic(session, pool, START, 6, 100)

    by_bot = {s.bot_id: s.counts for s in series.bots}
    assert by_bot == {
        ids[0]: (0, 0, 0, 0, 0, 0),
        ids[1]: (10, 0, 0, 0, 0, 0),
        ids[2]: (0, 4, 0, 0, 0, 0),
    }
    assert series.total == 14
    assert series.capacity == (200, 200, 200, 100, 100, 200)
    assert [(m.username, m.kind) for m in series.markers] == [
        ("bot2", MarkerKind.BANNED),
        ("bot2", MarkerKind.RECOVERED),
    ]


async def test_digest_counts_leads_incidents_and_uptime_of_one_day(sessions, cipher):
    pool_id, _ids = await seed(sessions, cipher)
    async with sessions() as session:
        [(pool, digest)] = await repo.digests(session, OWNER, START, START + 24 * HOUR)

    assert pool.id == pool_id
    assert (digest.leads, digest.leads_before) == (113, 0)
    assert (digest.bans, digest.drops, digest.recoveries) == (1, 0, 1)
    # b1 offline all day, b2 online 22 of 24 hours, b3 online all day
    assert digest.uptime_percent == round((0 + 100 * 22 / 24 + 100) / 3, 1)


async def test_traffic_keeps_the_busiest_bots_and_sums_the_others_in_sql(sessions, cipher):
    pool_id, ids = await seed(sessions, cipher)
    async with sessions() as session:
        pool = await pools.get_owned(session, OWNER, pool_id)
        series = await repo.traffic(session, pool, START, 6, 100, keep=1)

    assert [(s.bot_id, s.username, s.counts) for s in series.bots] == [
        (ids[1], "bot2", (10, 0, 0, 0, 0, 0)),
        (OTHERS_ID, "", (0, 4, 0, 0, 0, 0)),
    ]
    assert series.capacity == (200, 200, 200, 100, 100, 200)
    assert len(series.markers) == 2
