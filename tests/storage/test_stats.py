"""The /stats queries on a real SQLite file, with counts and health history seeded at
known times so every figure can be asserted exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.domain import BotStatus
from core.errors import NotFound
from storage.db import transaction
from storage.models import Bot, HealthRecord
from storage.repos import bots, counts, history, members, operators, pools, stats

OWNER, OTHER = 1001, 2002
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)  # half of this hour gone
HOUR = counts.hour_of(NOW)
LONG_AGO = NOW - timedelta(days=30)


async def add_bot(session, cipher, owner: int, telegram_id: int, created=LONG_AGO) -> Bot:
    bot = await bots.register(
        session,
        cipher,
        owner,
        telegram_id=telegram_id,
        username=f"bot{telegram_id}",
        token=f"{telegram_id}:secret",
    )
    bot.created_at = created
    return bot


def change(bot: Bot, at: datetime, old: BotStatus, new: BotStatus) -> HealthRecord:
    return HealthRecord(bot_id=bot.id, at=at, kind=history.STATUS_CHANGE, status=new, detail=old)


def failure(bot: Bot, at: datetime, kind: str = "transient", detail: str = "timeout"):
    return HealthRecord(bot_id=bot.id, at=at, kind=kind, detail=detail)


@pytest.fixture
async def seeded(sessions, cipher):
    """Operator OWNER: pool `sales` (alpha, beta, gamma) and pool `quiet` (no traffic);
    operator OTHER: pool `theirs` with their own bot."""
    async with transaction(sessions) as session:
        for operator in (OWNER, OTHER):
            await operators.get_or_create(session, operator)
        alpha = await add_bot(session, cipher, OWNER, 11)
        beta = await add_bot(session, cipher, OWNER, 12)
        gamma = await add_bot(session, cipher, OWNER, 13, created=NOW - timedelta(hours=12))
        theirs_bot = await add_bot(session, cipher, OTHER, 21)
        sales = await pools.create(session, OWNER, name="Sales", slug="sales")
        quiet = await pools.create(session, OWNER, name="Quiet", slug="quiet")
        theirs = await pools.create(session, OTHER, name="Theirs", slug="theirs")
        for bot in (alpha, beta, gamma):
            await members.add(session, OWNER, sales.id, bot.id, max_per_pool=10)
        await members.add(session, OWNER, quiet.id, alpha.id, max_per_pool=10)
        await members.add(session, OTHER, theirs.id, theirs_bot.id, max_per_pool=10)
        await counts.add(
            session,
            {
                (sales.id, alpha.id, HOUR): 10,
                (sales.id, alpha.id, HOUR - timedelta(hours=1)): 40,  # half inside the hour
                (sales.id, alpha.id, HOUR - timedelta(hours=5)): 7,
                (sales.id, alpha.id, HOUR - timedelta(hours=24)): 100,  # half inside 24 h
                (sales.id, alpha.id, HOUR - timedelta(hours=25)): 1000,  # outside
                (sales.id, beta.id, HOUR): 3,
                (sales.id, beta.id, HOUR - timedelta(hours=2)): 200,
                (theirs.id, theirs_bot.id, HOUR): 999,
            },
        )
        # beta: online -> offline 6 h ago, back online 3 h ago; failed probes around it.
        beta.latency_ms = 120.0
        session.add_all(
            [
                failure(beta, NOW - timedelta(hours=6, minutes=1)),
                change(beta, NOW - timedelta(hours=6), BotStatus.ONLINE, BotStatus.OFFLINE),
                failure(beta, NOW - timedelta(hours=5), "auth", "401 Unauthorized"),
                change(beta, NOW - timedelta(hours=3), BotStatus.OFFLINE, BotStatus.ONLINE),
                failure(beta, NOW - timedelta(hours=30)),  # older than 24 h
            ]
        )
        # gamma: created 12 h ago, offline 3 h later and ever since.
        gamma.status = BotStatus.OFFLINE.value
        session.add_all(
            [
                failure(gamma, NOW - timedelta(hours=9, minutes=1)),
                change(gamma, NOW - timedelta(hours=9), BotStatus.ONLINE, BotStatus.OFFLINE),
            ]
        )
    return {"alpha": alpha.id, "beta": beta.id, "gamma": gamma.id, "theirs_bot": theirs_bot.id}


async def test_overview_lists_only_the_operators_pools_with_sliding_window_counts(sessions, seeded):
    async with transaction(sessions) as session:
        summaries = await stats.overview(session, OWNER, NOW)
    assert [s.slug for s in summaries] == ["sales", "quiet"]
    sales, quiet = summaries
    # alpha 10 + 40/2, beta 3
    assert sales.redirects_hour == 33
    # alpha 10 + 40 + 7 + 100/2, beta 3 + 200
    assert sales.redirects_day == 310
    assert (sales.health.online, sales.health.total, sales.health.percent) == (2, 3, 67)
    assert (quiet.redirects_hour, quiet.redirects_day) == (0, 0)


async def test_pool_figures_per_bot_match_seeded_counts_and_history(sessions, seeded):
    async with transaction(sessions) as session:
        figures = await stats.pool_figures(session, OWNER, "sales", NOW)
    by_name = {b.username: b for b in figures.bots}
    alpha, beta, gamma = by_name["bot11"], by_name["bot12"], by_name["bot13"]
    assert (alpha.redirects_hour, alpha.redirects_day) == (30, 107)
    assert (beta.redirects_hour, beta.redirects_day) == (3, 203)
    assert (gamma.redirects_hour, gamma.redirects_day) == (0, 0)
    assert alpha.uptime_percent == 100.0
    assert beta.uptime_percent == 87.5  # offline 3 of 24 hours
    assert gamma.uptime_percent == 25.0  # online 3 of the 12 hours it has existed
    assert beta.latency_ms == 120.0 and alpha.latency_ms is None
    assert (beta.failed_probes_day, beta.drops_day) == (2, 1)
    assert (gamma.failed_probes_day, gamma.drops_day) == (1, 1)
    assert figures.most_used is beta
    assert figures.most_troubled is beta


async def test_pool_without_traffic_or_trouble_names_no_most_used_or_troubled_bot(sessions, seeded):
    async with transaction(sessions) as session:
        figures = await stats.pool_figures(session, OWNER, "quiet", NOW)
    assert [b.username for b in figures.bots] == ["bot11"]
    assert figures.most_used is None
    assert figures.most_troubled is None


@pytest.mark.parametrize("slug", ["theirs", "nope"])
async def test_another_operators_or_unknown_slug_is_not_found(sessions, seeded, slug):
    async with transaction(sessions) as session:
        with pytest.raises(NotFound):
            await stats.pool_figures(session, OWNER, slug, NOW)


async def test_another_operators_pool_id_is_not_found(sessions, seeded):
    async with transaction(sessions) as session:
        theirs = await pools.get_owned_by_slug(session, OTHER, "theirs")
        with pytest.raises(NotFound):
            await stats.pool_figures_by_id(session, OWNER, theirs.id, NOW)


async def test_last_failures_are_the_ten_newest_failed_probes_without_status_changes(
    sessions, cipher, seeded
):
    async with transaction(sessions) as session:
        bot = await session.get(Bot, seeded["alpha"])
        for minute in range(12):
            session.add(failure(bot, NOW - timedelta(minutes=60 - minute), detail=f"n{minute}"))
        session.add(change(bot, NOW - timedelta(minutes=1), BotStatus.ONLINE, BotStatus.DEGRADED))
    async with transaction(sessions) as session:
        bot, failures = await stats.bot_failures(session, OWNER, seeded["alpha"])
    assert bot.username == "bot11"
    assert [f.detail for f in failures] == [f"n{m}" for m in range(11, 1, -1)]
    assert all(f.kind == "transient" for f in failures)


async def test_another_operators_bot_failures_are_not_found(sessions, seeded):
    async with transaction(sessions) as session:
        with pytest.raises(NotFound):
            await stats.bot_failures(session, OWNER, seeded["theirs_bot"])


async def test_uptime_counts_a_status_held_since_before_the_window(sessions, seeded):
    async with transaction(sessions) as session:
        bot = await session.get(Bot, seeded["alpha"])
        session.add(change(bot, NOW - timedelta(hours=30), BotStatus.ONLINE, BotStatus.BANNED))
        session.add(change(bot, NOW - timedelta(hours=6), BotStatus.BANNED, BotStatus.ONLINE))
    async with transaction(sessions) as session:
        uptime = await history.uptime_percent(
            session, seeded["alpha"], BotStatus.ONLINE, NOW, timedelta(hours=24)
        )
    assert uptime == 25.0


async def test_uptime_of_a_bot_created_just_now_is_its_current_status(sessions, cipher):
    async with transaction(sessions) as session:
        await operators.get_or_create(session, OWNER)
        bot = await add_bot(session, cipher, OWNER, 31, created=NOW)
        online = await history.uptime_percent(session, bot.id, BotStatus.ONLINE, NOW, stats.DAY)
        offline = await history.uptime_percent(session, bot.id, BotStatus.OFFLINE, NOW, stats.DAY)
    assert (online, offline) == (100.0, 0.0)
