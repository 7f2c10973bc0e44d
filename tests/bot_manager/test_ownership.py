"""Every press re-checks that the presser owns what its callback data names: a forged
press naming another operator's pool, member or bot changes nothing and is answered
"not found"."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.filters.callback_data import CallbackData
from sqlalchemy import select

from bot_manager.keyboards.callback_data import (
    BotAction,
    BotCb,
    MemberAction,
    MemberCb,
    PoolAction,
    PoolCb,
)
from core.domain import Priority, Strategy
from storage.db import transaction
from storage.models import Bot, Member, Pool
from storage.repos import bots, members, operators, pools
from tests.plugins.control_bot import OPERATOR, OTHER, ControlBotDriver


async def seed(driver: ControlBotDriver) -> dict[str, int]:
    """OPERATOR (pt-BR) owns pool "victim" with one bot; OTHER (en) owns "mine" and a bot."""
    ids: dict[str, int] = {}
    owners = [(OPERATOR, "pt-BR", "victim", "victim_bot"), (OTHER, "en", "mine", "my_bot")]
    for owner, language, slug, username in owners:
        created = await driver.client.create_bot(username=username)
        async with transaction(driver.sessions) as session:
            await operators.get_or_create(session, owner, language)
            bot = await bots.register(
                session,
                driver.cipher,
                owner,
                telegram_id=created.id,
                username=username,
                token=created.token,
            )
            pool = await pools.create(session, owner, name=slug.title(), slug=slug)
            await members.add(session, owner, pool.id, bot.id, max_per_pool=10)
            ids[f"{slug}_pool"], ids[f"{slug}_bot"] = pool.id, bot.id
    return ids


async def snapshot(driver: ControlBotDriver) -> list[tuple[Any, ...]]:
    async with driver.sessions() as session:
        rows: list[tuple[Any, ...]] = []
        for pool in (await session.scalars(select(Pool).order_by(Pool.id))).all():
            rows.append((pool.id, pool.name, pool.strategy, pool.is_active, pool.fallback_pool_id))
        for m in (await session.scalars(select(Member).order_by(Member.id))).all():
            rows.append((m.pool_id, m.bot_id, m.weight, m.priority, m.is_enabled))
        for bot in (await session.scalars(select(Bot).order_by(Bot.id))).all():
            rows.append((bot.id, bot.owner_id, bot.status))
        return rows


def forged_presses(ids: dict[str, int]) -> list[CallbackData]:
    victim_pool, victim_bot = ids["victim_pool"], ids["victim_bot"]
    mine = ids["mine_pool"]
    return [
        PoolCb(action=PoolAction.SHOW, pool_id=victim_pool),
        PoolCb(action=PoolAction.SET_STRATEGY, pool_id=victim_pool, strategy=Strategy.RANDOM),
        PoolCb(action=PoolAction.TOGGLE_ACTIVE, pool_id=victim_pool),
        PoolCb(action=PoolAction.FALLBACKS, pool_id=victim_pool),
        PoolCb(action=PoolAction.SET_FALLBACK, pool_id=victim_pool, target=mine),
        PoolCb(action=PoolAction.SET_FALLBACK, pool_id=mine, target=victim_pool),
        PoolCb(action=PoolAction.DELETE, pool_id=victim_pool),
        PoolCb(action=PoolAction.CONFIRM_DELETE, pool_id=victim_pool),
        MemberCb(action=MemberAction.MANAGE, pool_id=victim_pool),
        MemberCb(action=MemberAction.CANDIDATES, pool_id=victim_pool),
        MemberCb(action=MemberAction.SHOW, pool_id=victim_pool, bot_id=victim_bot),
        MemberCb(action=MemberAction.TOGGLE, pool_id=victim_pool, bot_id=victim_bot),
        MemberCb(action=MemberAction.WEIGHT_UP, pool_id=victim_pool, bot_id=victim_bot),
        MemberCb(
            action=MemberAction.PRIORITY,
            pool_id=victim_pool,
            bot_id=victim_bot,
            priority=Priority.BACKUP,
        ),
        MemberCb(action=MemberAction.REMOVE, pool_id=victim_pool, bot_id=victim_bot),
        MemberCb(action=MemberAction.ADD, pool_id=mine, bot_id=victim_bot),
        BotCb(action=BotAction.SHOW, bot_id=victim_bot),
        BotCb(action=BotAction.RECHECK, bot_id=victim_bot),
        BotCb(action=BotAction.DELETE, bot_id=victim_bot),
        BotCb(action=BotAction.CONFIRM_DELETE, bot_id=victim_bot),
    ]


@pytest.fixture
async def world(control_bot: ControlBotDriver) -> tuple[ControlBotDriver, dict[str, int]]:
    return control_bot, await seed(control_bot)


async def test_forged_presses_on_another_operators_things_change_nothing(
    world: tuple[ControlBotDriver, dict[str, int]],
) -> None:
    driver, ids = world
    sent = await driver.send(OTHER, "/start", language_code="en")
    screen = await driver.wait_reply(OTHER, after=sent)
    before, reloads = await snapshot(driver), len(driver.reloads)

    for data in forged_presses(ids):
        answer = await driver.press(OTHER, screen, data, forged=True)
        assert (answer["text"], answer["show_alert"]) == ("Not found.", True), data.pack()

    assert await snapshot(driver) == before
    assert len(driver.reloads) == reloads
    assert (await driver.message(OTHER, screen["message_id"]))["text"] == screen["text"]
    assert len(await driver.messages(OTHER)) == 1


async def test_another_operators_slug_is_not_found_in_pool_command(
    world: tuple[ControlBotDriver, dict[str, int]],
) -> None:
    driver, _ids = world
    sent = await driver.send(OTHER, "/pool victim", language_code="en")
    assert (await driver.wait_reply(OTHER, after=sent))["text"] == "Not found."
    sent = await driver.send(OTHER, "/pool mine")
    assert "Mine (mine)" in (await driver.wait_reply(OTHER, after=sent))["text"]


async def test_the_owner_can_still_do_what_the_forger_could_not(
    world: tuple[ControlBotDriver, dict[str, int]],
) -> None:
    driver, ids = world
    sent = await driver.send(OPERATOR, "/start")
    screen = await driver.wait_reply(OPERATOR, after=sent)
    data = PoolCb(action=PoolAction.SET_STRATEGY, pool_id=ids["victim_pool"], strategy="random")
    answer = await driver.press(OPERATOR, screen, data, forged=True)
    assert answer["text"] == "Salvo ✓"
    async with driver.sessions() as session:
        pool = await pools.get_owned(session, OPERATOR, ids["victim_pool"])
    assert pool.strategy == "random"
