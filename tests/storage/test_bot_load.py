"""A bot's load for hourly caps: its last-hour redirects summed across its pools in one
aggregate, with the previous hour's bucket weighed by the part still in the window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage.crypto import TokenCipher
from storage.db import Sessions, transaction
from storage.repos import bots, counts, pools

OWNER = 1001
HOUR = datetime(2026, 11, 25, 10, tzinfo=UTC)


async def test_a_bots_load_sums_its_pools_and_weighs_the_previous_hour(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    async with transaction(sessions) as session:
        a = (await pools.create(session, OWNER, name="aa", slug="aa")).id
        b = (await pools.create(session, OWNER, name="bb", slug="bb")).id
        made = []
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
        x, y = made
        await counts.add(
            session,
            {
                (a, x, HOUR): 10,
                (b, x, HOUR): 5,
                (a, x, HOUR - timedelta(hours=1)): 100,  # a quarter of it still counts
                (b, y, HOUR - timedelta(hours=2)): 1000,  # out of the window
                (b, y, HOUR): 1,
            },
        )
    async with sessions() as session:
        load = await counts.per_bot_load(session, HOUR + timedelta(minutes=45))
    assert load == {x: 10 + 5 + 25, y: 1}
