"""Returning leads stored with the redirect counts they are part of, and campaign and
outcome buckets deleted with the counts' retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from bot_manager.retention import Retention
from storage.crypto import TokenCipher
from storage.db import Sessions, transaction
from storage.models import CampaignCount, OutcomeCount
from storage.repos import bots, campaigns, counts, pools

OWNER = 1001
HOUR = datetime(2026, 11, 25, 10, tzinfo=UTC)
PREVIOUS = HOUR - timedelta(hours=1)


@pytest.fixture
async def ids(sessions: Sessions, cipher: TokenCipher) -> tuple[int, int, int]:
    """A pool and two bots of one operator: (pool, bot x, bot y)."""
    async with transaction(sessions) as session:
        pool = await pools.create(session, OWNER, name="aa", slug="aa")
        made = [pool.id]
        for telegram_id in (7001, 7002):
            bot = await bots.register(
                session,
                cipher,
                OWNER,
                telegram_id=telegram_id,
                username=f"bot{telegram_id}",
                token=f"{telegram_id}:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm-T0",
            )
            made.append(bot.id)
    return made[0], made[1], made[2]


async def test_returning_leads_add_up_beside_their_redirects(sessions, ids) -> None:
    p, x, y = ids
    async with transaction(sessions) as session:
        await counts.add(session, {(p, x, HOUR): 5, (p, y, HOUR): 2}, {(p, x, HOUR): 1})
        await counts.add(session, {(p, x, HOUR + timedelta(minutes=20)): 3}, {(p, x, HOUR): 2})
        await counts.add(session, {(p, y, PREVIOUS): 4}, {(p, y, PREVIOUS): 4})
    async with sessions() as session:
        assert await counts.per_bot_since(session, HOUR) == {(p, x): 8, (p, y): 2}
        assert await counts.returning_since(session, HOUR) == {(p, x): 3}
        assert await counts.returning_since(session, PREVIOUS) == {(p, x): 3, (p, y): 4}
        assert await counts.returning_since(session, PREVIOUS, [p + 1]) == {}
        # Half way through the hour: all of this hour's, half of the previous one's.
        half = HOUR + timedelta(minutes=30)
        assert await counts.returning_last_hour(session, half) == {(p, x): 3, (p, y): 2}


async def test_campaign_and_outcome_buckets_go_with_the_counts_retention(
    settings, sessions, ids
) -> None:
    p, _x, _y = ids
    now = datetime(2030, 1, 15, 12, tzinfo=UTC)
    hours = [now - timedelta(hours=n) for n in range(0, 100 * 24, 6)]  # 100 days
    async with transaction(sessions) as session:
        await campaigns.add(session, {(p, hour, "camp_x"): 1 for hour in hours})
        await campaigns.add_outcomes(
            session, {(p, hour, campaigns.FALLBACK_LINK): 1 for hour in hours}
        )
    kept_days = settings.model_copy(update={"counts_retention_days": 90})
    report = await Retention(
        sessions, kept_days, batch_rows=50, pause_s=0, clock=lambda: now
    ).run_pass()
    cutoff = now - timedelta(days=90)
    kept = sorted(hour for hour in hours if hour >= cutoff)
    async with sessions() as session:
        campaign_hours = sorted((await session.scalars(select(CampaignCount.hour))).all())
        outcome_hours = sorted((await session.scalars(select(OutcomeCount.hour))).all())
    assert campaign_hours == outcome_hours == kept
    assert report.campaigns.rows == 2 * (len(hours) - len(kept))
    assert report.campaigns.batches > 1
