"""A token revoked and regenerated at @BotFather, forwarded to the control bot (SPEC §11):
the operator's bot comes back online on it with its pools and counts; another operator's
claim is refused while the stored token works and taken over (both told) once it does not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from bot_manager.monitor import HealthMonitor
from bot_manager.probe import Prober
from core.settings import Settings
from sandbox import Sandbox
from storage.crypto import TokenCipher
from storage.db import Sessions, transaction
from storage.models import Bot, Member, RedirectCount
from storage.repos import counts, members, pools
from tests.plugins.control_bot import OPERATOR, OTHER, ControlBotDriver


async def stored(driver: ControlBotDriver, telegram_id: int) -> Bot:
    async with driver.sessions() as session:
        bot = await session.scalar(select(Bot).where(Bot.telegram_id == telegram_id))
        assert bot is not None
        return bot


async def pools_of(driver: ControlBotDriver, bot_id: int) -> list[int]:
    async with driver.sessions() as session:
        rows = await session.scalars(select(Member.pool_id).where(Member.bot_id == bot_id))
        return list(rows.all())


async def redirects_of(driver: ControlBotDriver, bot_id: int) -> int:
    async with driver.sessions() as session:
        total = await session.scalar(
            select(func.sum(RedirectCount.count)).where(RedirectCount.bot_id == bot_id)
        )
        return int(total or 0)


async def in_a_pool(driver: ControlBotDriver, owner: int, bot_id: int, slug: str) -> int:
    """Put the bot in a new pool of `owner` and give it 5 redirects this hour."""
    async with transaction(driver.sessions) as session:
        pool = await pools.create(session, owner, name=slug.upper(), slug=slug)
        await members.add(session, owner, pool.id, bot_id, max_per_pool=10)
        await counts.add(session, {(pool.id, bot_id, datetime.now(UTC)): 5})
    return pool.id


async def test_a_regenerated_token_forwarded_brings_the_bot_back_with_its_pools_and_counts(
    start_control_bot: Callable[..., Any],
    settings: Settings,
    sessions: Sessions,
    cipher: TokenCipher,
    sandbox: Sandbox,
) -> None:
    prober = Prober(sandbox.url, 2.0)
    monitor_settings = settings.model_copy(
        update={"telegram_api_url": sandbox.url, "ban_after_failures": 1}
    )
    monitor = HealthMonitor(monitor_settings, sessions, cipher, prober, None, None)
    try:
        async with start_control_bot(recheck=monitor.recheck) as driver:
            created = await driver.client.create_bot(username="rotated_bot")
            sent = await driver.forward_from_botfather(OPERATOR, created.token)
            await driver.wait_reply(OPERATOR, "@rotated_bot adicionado", after=sent)
            bot_id = (await stored(driver, created.id)).id
            pool_id = await in_a_pool(driver, OPERATOR, bot_id, "rot")

            # Revoked at @BotFather: re-checking probes the old token, and it is banned.
            renewed = await driver.client.revoke_token(created)
            await monitor.recheck(OPERATOR, bot_id)
            assert (await stored(driver, created.id)).status == "banned"

            sent = await driver.forward_from_botfather(OPERATOR, renewed.token)
            reply = await driver.wait_reply(
                OPERATOR, "Token de @rotated_bot atualizado", after=sent
            )
            assert (await driver.message(OPERATOR, sent["message_id"]))["deleted"]
            assert renewed.token.split(":", 1)[1] not in reply["text"]

            bot = await stored(driver, created.id)
            assert (bot.id, bot.owner_id, bot.status) == (bot_id, OPERATOR, "online")
            assert cipher.decrypt(bot.token_encrypted) == renewed.token
            assert await pools_of(driver, bot_id) == [pool_id]
            assert await redirects_of(driver, bot_id) == 5
            assert [m.status.value for m in driver.routing["rot"].members] == ["online"]
            # The next re-check probes the new token.
            assert (await monitor.recheck(OPERATOR, bot_id)).value == "online"
    finally:
        await prober.close()


async def test_another_operators_claim_is_refused_while_the_stored_token_works_then_taken_over(
    control_bot: ControlBotDriver,
) -> None:
    created = await control_bot.client.create_bot(username="contested_bot")
    sent = await control_bot.send(OPERATOR, created.token)
    await control_bot.wait_reply(OPERATOR, "@contested_bot adicionado", after=sent)
    bot_id = (await stored(control_bot, created.id)).id
    await in_a_pool(control_bot, OPERATOR, bot_id, "owners")

    sent = await control_bot.send(OTHER, created.token, language_code="en")
    await control_bot.wait_reply(OTHER, "already registered in botpool by another", after=sent)
    assert (await stored(control_bot, created.id)).owner_id == OPERATOR

    renewed = await control_bot.client.revoke_token(created)
    sent = await control_bot.forward_from_botfather(OTHER, renewed.token)
    await control_bot.wait_reply(OTHER, "@contested_bot is yours now", after=sent)
    told = await control_bot.wait_reply(OPERATOR, "@contested_bot foi cadastrado por outro")
    assert "owners" in told["text"]

    bot = await stored(control_bot, created.id)
    assert (bot.id, bot.owner_id, bot.status) == (bot_id, OTHER, "online")
    assert control_bot.cipher.decrypt(bot.token_encrypted) == renewed.token
    assert await pools_of(control_bot, bot_id) == []
    assert [m.bot_id for m in control_bot.routing["owners"].members] == []
    texts = await control_bot.sent_texts(OPERATOR, OTHER)
    assert not any(renewed.token.split(":", 1)[1] in text for text in texts)
