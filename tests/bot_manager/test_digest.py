"""The daily digest through the real notifier and the sandbox, driven by a clock the test
holds: nothing before the operator's local hour, one digest at it (yesterday's figures,
equal to the database's, in the operator's language, with the chart), never twice, not
even after a restart."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image
from sqlalchemy import func, select

from bot_manager.charts import CHART_SIZE
from bot_manager.digest import DigestJob
from core.domain import BotStatus
from core.health import StatusChange
from storage.db import transaction
from storage.models import Bot, Operator, OutageRecord, RedirectCount
from storage.repos import counts, history

SAO_PAULO = ZoneInfo("America/Sao_Paulo")  # UTC-3, no daylight saving since 2019
OWNER = 4401
RENDER_TIMEOUT_S = 60


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set_local(self, *fields: int) -> None:
        self.now = datetime(*fields, tzinfo=SAO_PAULO).astimezone(UTC)


def local(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=SAO_PAULO).astimezone(UTC)


async def setup_operator(world, language: str, hour: int | None) -> tuple[int, list[int]]:
    """OWNER with a pool `red1` of two bots; counts on 2026-11-19 (local), the day
    before and the day after; @b2 banned in the afternoon of the 19th."""
    await world.operator(OWNER, language)
    bots = [await world.bot(OWNER), await world.bot(OWNER)]
    pool_id = await world.pool(OWNER, "red1", bots)
    ids = [world.db_id(bot) for bot in bots]
    async with transaction(world.sessions) as session:
        operator = await session.get(Operator, OWNER)
        operator.digest_hour = hour
        operator.time_zone = "America/Sao_Paulo"
        for bot_id in ids:
            (await session.get(Bot, bot_id)).created_at = local(2026, 11, 1)
        await counts.add(
            session,
            {
                (pool_id, ids[0], local(2026, 11, 19, 0)): 5,  # first hour of the day
                (pool_id, ids[0], local(2026, 11, 19, 10)): 30,
                (pool_id, ids[1], local(2026, 11, 19, 23)): 7,  # last hour of the day
                (pool_id, ids[0], local(2026, 11, 18, 12)): 20,  # the day before
                (pool_id, ids[0], local(2026, 11, 20, 0)): 100,  # today: not yesterday
            },
        )
        history.record(
            session,
            ids[1],
            local(2026, 11, 19, 15),
            [StatusChange(BotStatus.ONLINE, BotStatus.BANNED)],
            None,
        )
    return pool_id, ids


async def db_total(world, pool_id: int, start: datetime, end: datetime) -> int:
    async with world.sessions() as session:
        return int(
            await session.scalar(
                select(func.sum(RedirectCount.count)).where(
                    RedirectCount.pool_id == pool_id,
                    RedirectCount.hour >= start,
                    RedirectCount.hour < end,
                )
            )
            or 0
        )


async def wait_delivered(world, count: int) -> list[dict]:
    assert await world.notifier.drain(RENDER_TIMEOUT_S)
    sent = await world.client.messages(world.control, OWNER)
    assert len(sent) == count, [m["text"] or m["caption"] for m in sent]
    return sent


async def test_digest_arrives_at_the_local_hour_once_with_yesterdays_figures(monitor_world):
    world = monitor_world
    pool_id, _ids = await setup_operator(world, "en", hour=8)
    clock = Clock(local(2026, 11, 20, 7, 59))
    job = DigestJob(world.settings, world.sessions, world.notifier, clock=clock)
    start = await world.client.messages(world.control, OWNER)

    assert await job.run_once() == 0
    await wait_delivered(world, len(start))

    clock.set_local(2026, 11, 20, 8, 0)
    assert await job.run_once() == 1
    text, chart = (await wait_delivered(world, len(start) + 2))[-2:]

    yesterday = await db_total(world, pool_id, local(2026, 11, 19), local(2026, 11, 20))
    before = await db_total(world, pool_id, local(2026, 11, 18), local(2026, 11, 19))
    assert (yesterday, before) == (42, 20)
    lines = text["text"].splitlines()
    assert lines[0] == "🗞 Yesterday, 19/11/2026"
    assert "RED1 (red1): 42 leads (▲ 110% on the day before)" in lines
    # @b1 online all day, @b2 banned at 15:00: (100 + 62.5) / 2
    assert "    bans 1 · drops 0 · recoveries 0 · uptime 81.2%" in lines
    assert "Total: 42 leads (day before: 20)" in lines
    assert chart["caption"] == "📈 RED1 (red1) · yesterday, 19/11: 42 redirects"
    image = Image.open(io.BytesIO(await world.client.photo(world.control, chart)))
    assert image.size == CHART_SIZE

    clock.set_local(2026, 11, 20, 9, 0)
    assert await job.run_once() == 0
    restarted = DigestJob(world.settings, world.sessions, world.notifier, clock=clock)
    assert await restarted.run_once() == 0
    await wait_delivered(world, len(start) + 2)

    clock.set_local(2026, 11, 21, 8, 30)
    assert await restarted.run_once() == 1
    following = (await wait_delivered(world, len(start) + 4))[-2]
    assert "RED1 (red1): 100 leads (▲ 138.1% on the day before)" in following["text"]


async def test_digest_speaks_the_operators_language(monitor_world):
    world = monitor_world
    await setup_operator(world, "pt-BR", hour=0)
    clock = Clock(local(2026, 11, 20, 0, 5))
    start = await world.client.messages(world.control, OWNER)

    assert await DigestJob(world.settings, world.sessions, world.notifier, clock=clock).run_once()

    text, chart = (await wait_delivered(world, len(start) + 2))[-2:]
    assert text["text"].startswith("🗞 Resumo de ontem, 19/11/2026")
    assert "RED1 (red1): 42 leads (▲ 110% sobre o dia anterior)" in text["text"]
    assert "banimentos 1 · quedas 0 · recuperações 0 · uptime 81,2%" in text["text"]
    assert chart["caption"] == "📈 RED1 (red1) · ontem, 19/11: 42 redirects"


async def test_no_digest_while_it_is_off(monitor_world):
    world = monitor_world
    await setup_operator(world, "en", hour=None)
    clock = Clock(local(2026, 11, 20, 23, 0))

    assert (
        await DigestJob(world.settings, world.sessions, world.notifier, clock=clock).run_once() == 0
    )
    async with world.sessions() as session:
        assert (await session.get(Operator, OWNER)).digest_sent_on is None
    assert await world.notifier.drain(5)
    assert not [m for m in await world.client.messages(world.control, OWNER) if m["photo"]]


async def test_the_hour_is_read_in_the_operators_time_zone(monitor_world):
    world = monitor_world
    await setup_operator(world, "en", hour=8)
    async with transaction(world.sessions) as session:
        (await session.get(Operator, OWNER)).time_zone = "Asia/Tokyo"
    tokyo = ZoneInfo("Asia/Tokyo")
    clock = Clock(datetime(2026, 11, 20, 7, 59, tzinfo=tokyo))
    job = DigestJob(world.settings, world.sessions, world.notifier, clock=clock)

    assert await job.run_once() == 0
    clock.now = datetime(2026, 11, 20, 8, 0, tzinfo=tokyo)
    assert await job.run_once() == 1

    async with world.sessions() as session:
        assert (await session.get(Operator, OWNER)).digest_sent_on == date(2026, 11, 20)


async def test_an_outage_of_the_path_to_telegram_is_in_the_next_digest(monitor_world):
    world = monitor_world
    await world.operator(OWNER, "en")
    fleet = [await world.bot(OWNER) for _ in range(3)]
    await world.pool(OWNER, "red1", fleet)
    for bot in fleet:
        await world.client.fail(bot, 502)
    await world.passes(2)  # every probe fails at once: an outage, states kept
    for bot in fleet:
        await world.client.clear_faults(bot)
    await world.passes(1)  # the way back
    async with world.sessions() as session:
        (outage,) = (await session.scalars(select(OutageRecord))).all()
    assert outage.ended_at is not None and outage.started_at < outage.ended_at
    async with transaction(world.sessions) as session:
        operator = await session.get(Operator, OWNER)
        operator.digest_hour, operator.time_zone = 8, "UTC"
    today = outage.started_at.astimezone(UTC).date()
    next_morning = datetime(today.year, today.month, today.day, 8, tzinfo=UTC) + timedelta(days=1)
    job = DigestJob(world.settings, world.sessions, world.notifier, clock=Clock(next_morning))

    assert await job.run_once() == 1

    texts = await world.alerts(OWNER)
    digest = next(text for text in texts if text.startswith("🗞"))
    assert "📡 Telegram was unreachable from this server 1 time(s)" in digest
