"""Who may use the control bot: BOTPOOL_ADMIN_IDS, or anyone with open registration.
Anyone else is told once, in their language, and nothing is stored for them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from bot_manager.keyboards.callback_data import PoolAction, PoolCb
from storage.models import Bot, Operator, Pool
from tests.plugins.control_bot import STRANGER, ControlBotDriver


async def count(driver: ControlBotDriver, model: type) -> int:
    async with driver.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_operator_outside_the_allowlist_is_refused_once_and_nothing_is_stored(
    control_bot: ControlBotDriver,
) -> None:
    sent = await control_bot.send(STRANGER, "/start", language_code="pt-br")
    refusal = await control_bot.wait_reply(STRANGER, after=sent)
    assert "privado" in refusal["text"] and str(STRANGER) in refusal["text"]

    forged = PoolCb(action=PoolAction.SHOW, pool_id=1)
    await control_bot.client.press_button(
        control_bot.control,
        control_bot.user(STRANGER),
        refusal["message_id"],
        callback_data=forged.pack(),
        forged=True,
    )
    token_bot = await control_bot.client.create_bot(username="strangers_bot")
    await control_bot.send(STRANGER, "/newpool mine Meu pool")
    await control_bot.send(STRANGER, "/pools")
    await control_bot.forward_from_botfather(STRANGER, token_bot.token)
    await control_bot.settle()

    assert [m["text"] for m in await control_bot.messages(STRANGER)] == [refusal["text"]]
    [press] = await control_bot.client.callback_answers(control_bot.control)
    assert not press["answered"]
    assert (await count(control_bot, Operator), await count(control_bot, Pool)) == (1, 0)
    assert await count(control_bot, Bot) == 0  # the one operator is the settle() user


async def test_refusal_speaks_the_strangers_language(control_bot: ControlBotDriver) -> None:
    sent = await control_bot.send(STRANGER, "hello", language_code="en-US")
    refusal = await control_bot.wait_reply(STRANGER, after=sent)
    assert "This botpool is private" in refusal["text"]


async def test_open_registration_lets_anyone_in_as_an_operator_of_their_own(
    start_control_bot: Callable[..., Any],
) -> None:
    async with start_control_bot(open_registration=True) as driver:
        sent = await driver.send(STRANGER, "/start", language_code="en")
        welcome = await driver.wait_reply(STRANGER, after=sent)
        assert "I am botpool" in welcome["text"]
        sent = await driver.send(STRANGER, "/newpool mine My pool")
        await driver.wait_reply(STRANGER, "My pool (mine)", after=sent)
        async with driver.sessions() as session:
            operator = await session.get(Operator, STRANGER)
            pool = await session.scalar(select(Pool).where(Pool.slug == "mine"))
        assert operator is not None and operator.language == "en"
        assert pool is not None and pool.owner_id == STRANGER
