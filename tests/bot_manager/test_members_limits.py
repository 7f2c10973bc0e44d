"""Member settings at their limits: a full pool, the weight's bounds. The press is
answered with the reason and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from storage.models import Member
from tests.plugins.control_bot import OPERATOR, ControlBotDriver


async def add_bots(driver: ControlBotDriver, count: int) -> None:
    for index in range(count):
        created = await driver.client.create_bot(username=f"member_{index}_bot")
        sent = await driver.send(OPERATOR, created.token)
        await driver.wait_reply(OPERATOR, "adicionado", after=sent)


async def stored_members(driver: ControlBotDriver) -> list[Member]:
    async with driver.sessions() as session:
        return list((await session.scalars(select(Member).order_by(Member.id))).all())


async def test_a_full_pool_refuses_one_more_bot(start_control_bot: Callable[..., Any]) -> None:
    async with start_control_bot(max_bots_per_pool=2) as driver:
        await add_bots(driver, 3)
        sent = await driver.send(OPERATOR, "/newpool red1 Principal")
        card = await driver.wait_reply(OPERATOR, "(red1)", after=sent)
        screen = await driver.tap(OPERATOR, card, "Gerenciar bots")
        for index in range(2):
            candidates = await driver.tap(OPERATOR, screen, "Adicionar bot")
            await driver.press(OPERATOR, candidates, contains=f"@member_{index}_bot")
        reloads = len(driver.reloads)
        candidates = await driver.tap(OPERATOR, screen, "Adicionar bot")
        answer = await driver.press(OPERATOR, candidates, contains="@member_2_bot")
        assert answer["show_alert"]
        assert answer["text"] == "O pool já tem o máximo de 2 bots."
        assert len(await stored_members(driver)) == 2
        assert len(driver.reloads) == reloads


async def test_weight_stays_between_1_and_100(control_bot: ControlBotDriver) -> None:
    await add_bots(control_bot, 1)
    sent = await control_bot.send(OPERATOR, "/newpool red1 Principal")
    card = await control_bot.wait_reply(OPERATOR, "(red1)", after=sent)
    screen = await control_bot.tap(OPERATOR, card, "Gerenciar bots")
    candidates = await control_bot.tap(OPERATOR, screen, "Adicionar bot")
    await control_bot.press(OPERATOR, candidates, contains="@member_0_bot")
    member = await control_bot.tap(OPERATOR, candidates, "@member_0_bot")
    answer = await control_bot.press(OPERATOR, member, contains="➖ peso")
    assert (answer["text"], answer["show_alert"]) == ("O peso vai de 1 a 100.", True)
    [stored] = await stored_members(control_bot)
    assert stored.weight == 1

    async with control_bot.sessions() as session, session.begin():
        (await session.get(Member, stored.id)).weight = 100  # type: ignore[union-attr]
    answer = await control_bot.press(OPERATOR, member, contains="➕ peso")
    assert answer["text"] == "O peso vai de 1 a 100."
    [stored] = await stored_members(control_bot)
    assert stored.weight == 100
