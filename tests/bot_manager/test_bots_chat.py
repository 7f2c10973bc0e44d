"""/bots: the list with status, one bot's detail, re-check through the health monitor
(or a clear answer when checks are not running), delete with confirmation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from bot_manager.monitor import HealthMonitor
from bot_manager.probe import Prober
from bot_manager.texts import t
from bot_manager.views.format import status_emoji
from core.settings import Settings
from sandbox import Sandbox
from storage.crypto import TokenCipher
from storage.db import Sessions
from storage.models import Bot, Member
from tests.plugins.control_bot import OPERATOR, ControlBotDriver


async def add_bot(driver: ControlBotDriver, username: str) -> Any:
    created = await driver.client.create_bot(username=username)
    sent = await driver.send(OPERATOR, created.token)
    await driver.wait_reply(OPERATOR, f"@{username} adicionado", after=sent)
    return created


async def stored(driver: ControlBotDriver, username: str) -> Bot | None:
    async with driver.sessions() as session:
        return await session.scalar(select(Bot).where(Bot.username == username))


async def test_bots_lists_each_bot_with_its_status_and_opens_its_detail(
    control_bot: ControlBotDriver,
) -> None:
    sent = await control_bot.send(OPERATOR, "/bots")
    await control_bot.wait_reply(OPERATOR, "Você ainda não tem bots", after=sent)
    await add_bot(control_bot, "alpha_bot")
    await add_bot(control_bot, "beta_bot")
    sent = await control_bot.send(OPERATOR, "/bots")
    listing = await control_bot.wait_reply(OPERATOR, "Seus bots (2)", after=sent)
    assert "✅ @alpha_bot — online · --" in listing["text"]
    detail = await control_bot.tap(OPERATOR, listing, "@beta_bot")
    assert "Estado: ✅ online" in detail["text"] and "Pools: nenhum" in detail["text"]
    answer = await control_bot.press(OPERATOR, detail, contains="Verificar de novo")
    assert answer["show_alert"] and "não estão rodando" in answer["text"]
    listing = await control_bot.tap(OPERATOR, detail, "Bots")
    assert "Seus bots (2)" in listing["text"]


async def test_deleting_a_bot_asks_first_then_takes_it_out_of_its_pools(
    control_bot: ControlBotDriver,
) -> None:
    await add_bot(control_bot, "gamma_bot")
    sent = await control_bot.send(OPERATOR, "/newpool red1 Principal")
    card = await control_bot.wait_reply(OPERATOR, "(red1)", after=sent)
    screen = await control_bot.tap(OPERATOR, card, "Gerenciar bots")
    candidates = await control_bot.tap(OPERATOR, screen, "Adicionar bot")
    await control_bot.press(OPERATOR, candidates, contains="@gamma_bot")

    sent = await control_bot.send(OPERATOR, "/bots")
    listing = await control_bot.wait_reply(OPERATOR, "Seus bots (1)", after=sent)
    detail = await control_bot.tap(OPERATOR, listing, "@gamma_bot")
    assert "Pools: red1" in detail["text"]
    confirm = await control_bot.tap(OPERATOR, detail, "Excluir")
    assert "sai de 1 pool(s)" in confirm["text"]
    detail = await control_bot.tap(OPERATOR, confirm, "Voltar")
    assert await stored(control_bot, "gamma_bot") is not None
    reloads = len(control_bot.reloads)
    confirm = await control_bot.tap(OPERATOR, detail, "Excluir")
    gone = await control_bot.tap(OPERATOR, confirm, "Sim, excluir")
    assert "@gamma_bot excluído" in gone["text"]
    assert await stored(control_bot, "gamma_bot") is None
    async with control_bot.sessions() as session:
        assert (await session.scalars(select(Member))).all() == []
    assert len(control_bot.reloads) == reloads + 1


async def test_recheck_probes_the_bot_now_and_shows_its_fresh_status(
    start_control_bot: Callable[..., Any],
    settings: Settings,
    sessions: Sessions,
    cipher: TokenCipher,
    sandbox: Sandbox,
) -> None:
    prober = Prober(sandbox.url, 2.0)
    monitor_settings = settings.model_copy(update={"telegram_api_url": sandbox.url})
    monitor = HealthMonitor(monitor_settings, sessions, cipher, prober, None, None)
    try:
        async with start_control_bot(recheck=monitor.recheck) as driver:
            created = await add_bot(driver, "delta_bot")
            sent = await driver.send(OPERATOR, "/bots")
            listing = await driver.wait_reply(OPERATOR, "Seus bots (1)", after=sent)
            detail = await driver.tap(OPERATOR, listing, "@delta_bot")

            await driver.client.ban(created)
            answer = await driver.press(OPERATOR, detail, contains="Verificar de novo")
            row = await stored(driver, "delta_bot")
            assert row is not None and row.status != "online"
            status = t("pt-BR", f"status.{row.status}")
            assert answer["text"] == f"Verificado: {status}"
            shown = await driver.message(OPERATOR, detail["message_id"])
            assert f"Estado: {status_emoji(row.status)} {status}" in shown["text"]

            await driver.client.restore(created)
            answer = await driver.press(OPERATOR, shown, contains="Verificar de novo")
            assert answer["text"] == "Verificado: online"
            shown = await driver.message(OPERATOR, detail["message_id"])
            assert "Estado: ✅ online" in shown["text"]
            row = await stored(driver, "delta_bot")
            assert row is not None and row.status == "online"
    finally:
        await prober.close()
