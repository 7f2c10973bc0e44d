"""`bots.recovered_at` (slow start ramps a bot from it): stamped when a bot leaves offline
or banned, by a new token as by a probe (storage.repos.bots.apply_health)."""

from __future__ import annotations

from core.domain import BotIdentity, BotStatus
from core.health import HealthState
from storage.db import transaction
from storage.models import Bot, utcnow
from storage.repos import bots, registrations

OWNER = 4401


async def stored(sessions, cipher, status: BotStatus) -> int:
    async with transaction(sessions) as session:
        bot = await bots.register(
            session, cipher, OWNER, telegram_id=880001, username="rotated_bot", token="880001:old"
        )
        bot.status = status.value
        return bot.id


async def test_a_banned_bot_given_a_new_token_is_stamped_recovered_at(sessions, cipher):
    bot_id = await stored(sessions, cipher, BotStatus.BANNED)
    before = utcnow()
    async with transaction(sessions) as session:
        identity = BotIdentity(telegram_id=880001, username="rotated_bot", token="880001:new")
        added = await registrations.add(session, cipher, OWNER, identity)
    assert added.bot.id == bot_id
    async with sessions() as session:
        row = await session.get(Bot, bot_id)
    assert row.status == BotStatus.ONLINE.value
    assert row.recovered_at is not None and before <= row.recovered_at <= utcnow()


async def test_only_leaving_offline_or_banned_for_online_or_degraded_stamps_it(sessions, cipher):
    bot_id = await stored(sessions, cipher, BotStatus.ONLINE)
    moment = utcnow()
    cases = [
        (BotStatus.ONLINE, BotStatus.DEGRADED, False),
        (BotStatus.DEGRADED, BotStatus.ONLINE, False),
        (BotStatus.ONLINE, BotStatus.OFFLINE, False),
        (BotStatus.CHECKING, BotStatus.ONLINE, False),
        (BotStatus.OFFLINE, BotStatus.DEGRADED, True),
        (BotStatus.OFFLINE, BotStatus.ONLINE, True),
        (BotStatus.BANNED, BotStatus.ONLINE, True),
        (BotStatus.BANNED, BotStatus.OFFLINE, False),
    ]
    for old, new, stamped in cases:
        async with transaction(sessions) as session:
            row = await session.get(Bot, bot_id)
            row.status, row.recovered_at = old.value, None
            bots.apply_health(row, HealthState(status=new, last_check=moment))
            assert (row.recovered_at == moment) is stamped, (old, new)
