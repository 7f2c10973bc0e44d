"""Redirect counts per pool, bot and hour: batches upsert and add up; the last hour is a
sliding approximation over two buckets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from storage.crypto import TokenCipher
from storage.db import Sessions, transaction
from storage.repos import bots, counts, pools

OWNER = 1001
HOUR = datetime(2026, 11, 25, 10, tzinfo=UTC)
PREVIOUS = HOUR - timedelta(hours=1)


@pytest.fixture
async def ids(sessions: Sessions, cipher: TokenCipher) -> tuple[int, int, int, int]:
    """Two pools and two bots of one operator: (pool a, pool b, bot x, bot y)."""
    async with transaction(sessions) as session:
        made = []
        for slug in ("aa", "bb"):
            made.append((await pools.create(session, OWNER, name=slug, slug=slug)).id)
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
    return made[0], made[1], made[2], made[3]


async def test_batches_upsert_and_add_up(sessions: Sessions, ids: tuple[int, ...]) -> None:
    a, b, x, y = ids
    async with transaction(sessions) as session:
        await counts.add(session, {(a, x, HOUR): 3, (a, y, HOUR): 1})
    async with transaction(sessions) as session:
        await counts.add(session, {(a, x, HOUR): 4, (b, x, HOUR): 2, (a, x, PREVIOUS): 10})
    async with transaction(sessions) as session:
        await counts.add(session, {})
    async with sessions() as session:
        assert await counts.per_bot_since(session, HOUR) == {(a, x): 7, (a, y): 1, (b, x): 2}
        assert await counts.per_bot_since(session, PREVIOUS) == {
            (a, x): 17,
            (a, y): 1,
            (b, x): 2,
        }
        assert await counts.per_bot_since(session, PREVIOUS, pool_ids=[b]) == {(b, x): 2}
        assert await counts.total(session) == 20


async def test_moments_are_filed_under_their_utc_hour(
    sessions: Sessions, ids: tuple[int, ...]
) -> None:
    a, _b, x, _y = ids
    brasilia = timezone(timedelta(hours=-3))
    india = timezone(timedelta(hours=5, minutes=30))
    async with transaction(sessions) as session:
        await counts.add(
            session,
            {
                (a, x, HOUR + timedelta(minutes=59, seconds=59)): 1,
                (a, x, HOUR.astimezone(brasilia) + timedelta(minutes=5)): 2,
                (a, x, HOUR.astimezone(india) + timedelta(minutes=10)): 4,
            },
        )
    async with sessions() as session:
        assert await counts.per_bot_since(session, HOUR) == {(a, x): 7}
        assert await counts.per_bot_since(session, HOUR + timedelta(hours=1)) == {}


@pytest.mark.parametrize(
    ("minutes_into_hour", "expected"),
    [(0, 10 + 100), (15, 10 + 75), (30, 10 + 50), (45, 10 + 25), (59, 10 + 2)],
)
async def test_the_last_hour_counts_this_hour_and_the_share_of_the_previous_still_inside(
    sessions: Sessions, ids: tuple[int, ...], minutes_into_hour: int, expected: int
) -> None:
    a, b, x, y = ids
    async with transaction(sessions) as session:
        await counts.add(
            session,
            {
                (a, x, HOUR): 10,
                (a, x, PREVIOUS): 100,
                (a, x, PREVIOUS - timedelta(hours=1)): 1000,  # out of the window
                (b, y, PREVIOUS): 40,
            },
        )
    now = HOUR + timedelta(minutes=minutes_into_hour)
    async with sessions() as session:
        figures = await counts.per_bot_last_hour(session, now)
        only_a = await counts.per_bot_last_hour(session, now, pool_ids=[a])
    assert figures[(a, x)] == expected
    assert figures[(b, y)] == round(40 * (60 - minutes_into_hour) / 60)
    assert only_a == {(a, x): expected}


async def test_the_last_hour_is_empty_when_nothing_was_counted_lately(
    sessions: Sessions, ids: tuple[int, ...]
) -> None:
    a, _b, x, _y = ids
    async with transaction(sessions) as session:
        await counts.add(session, {(a, x, HOUR - timedelta(hours=3)): 50})
    async with sessions() as session:
        assert await counts.per_bot_last_hour(session, HOUR + timedelta(minutes=1)) == {}


def test_last_hour_weights_slide_with_the_minute() -> None:
    current, previous, share = counts.last_hour_weights(HOUR + timedelta(minutes=45))
    assert (current, previous) == (HOUR, PREVIOUS)
    assert share == pytest.approx(0.25)
