"""Loose ends of a chat: a command typed mid-wizard, a press nobody understands."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Pool
from tests.plugins.control_bot import OPERATOR, ControlBotDriver


async def test_a_command_typed_in_the_middle_of_a_wizard_leaves_it(
    control_bot: ControlBotDriver,
) -> None:
    driver = control_bot
    sent = await driver.send(OPERATOR, "/newpool")
    await driver.wait_reply(OPERATOR, "nome", after=sent)
    sent = await driver.send(OPERATOR, "/bots")
    listing = await driver.wait_reply(OPERATOR, after=sent)
    sent = await driver.send(OPERATOR, "Meu Pool")
    answer = await driver.wait_reply(OPERATOR, after=sent)
    assert "Não entendi" in answer["text"], (listing["text"], answer["text"])
    async with driver.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Pool)) == 0


async def test_cancel_in_a_wizard_still_says_it_cancelled(control_bot: ControlBotDriver) -> None:
    driver = control_bot
    sent = await driver.send(OPERATOR, "/newpool")
    await driver.wait_reply(OPERATOR, "nome", after=sent)
    sent = await driver.send(OPERATOR, "/cancel")
    answer = await driver.wait_reply(OPERATOR, after=sent)
    assert answer["text"].startswith("Cancelado")


async def test_a_press_no_feature_understands_is_still_answered(
    control_bot: ControlBotDriver,
) -> None:
    driver = control_bot
    sent = await driver.send(OPERATOR, "/start")
    welcome = await driver.wait_reply(OPERATOR, after=sent)
    query = await driver.client.press_button(
        driver.control,
        driver.user(OPERATOR),
        welcome["message_id"],
        callback_data="old-keyboard:42",
        forged=True,
    )
    answer = await driver.client.wait_for_callback_answer(driver.control, query["id"])
    assert answer["show_alert"] and "não vale mais" in answer["text"]
