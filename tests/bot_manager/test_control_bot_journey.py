"""The operator's whole journey through the control bot, checked in what the sandbox
recorded (texts, keyboards, deleted messages) and in the database after each step."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from core.domain import Priority, Strategy
from storage.models import Bot, Member, Pool
from tests.plugins.control_bot import OPERATOR, ControlBotDriver

USERNAMES = ("inss_001_bot", "inss_002_bot", "inss_003_bot", "inss_004_bot")


async def load_pool(driver: ControlBotDriver, slug: str) -> Pool | None:
    async with driver.sessions() as session:
        statement = (
            select(Pool)
            .where(Pool.slug == slug)
            .options(selectinload(Pool.members).joinedload(Member.bot))
        )
        return await session.scalar(statement)


async def member_of(driver: ControlBotDriver, slug: str, username: str) -> Member:
    pool = await load_pool(driver, slug)
    assert pool is not None
    return next(m for m in pool.members if m.bot.username == username)


async def create_pool_with_wizard(driver: ControlBotDriver) -> dict[str, Any]:
    sent = await driver.send(OPERATOR, "/newpool")
    ask_name = await driver.wait_reply(OPERATOR, "nome", after=sent)
    assert driver.button_text(ask_name, "Cancelar")
    sent = await driver.send(OPERATOR, "INSS Principal")
    ask_slug = await driver.wait_reply(OPERATOR, "slug", after=sent)
    assert driver.button_text(ask_slug, "Usar «inss-principal»")
    sent = await driver.send(OPERATOR, "red1")
    ask_strategy = await driver.wait_reply(OPERATOR, "estratégia", after=sent)
    buttons = [b["text"] for row in ask_strategy["keyboard"] for b in row]
    assert {"Round robin", "Menos conexões", "Aleatória", "Ponderada (pesos)"} <= set(buttons)
    return await driver.tap(OPERATOR, ask_strategy, "Round robin")


async def add_bots_by_forwarding(driver: ControlBotDriver) -> None:
    for username in USERNAMES:
        created = await driver.client.create_bot(username=username)
        forwarded = await driver.forward_from_botfather(OPERATOR, created.token, username=username)
        reply = await driver.wait_reply(OPERATOR, f"@{username}", after=forwarded)
        assert "adicionado" in reply["text"]
        assert (await driver.message(OPERATOR, forwarded["message_id"]))["deleted"]
    async with driver.sessions() as session:
        stored = (await session.scalars(select(Bot).order_by(Bot.id))).all()
    assert [bot.username for bot in stored] == list(USERNAMES)
    assert {bot.owner_id for bot in stored} == {OPERATOR}
    assert {bot.status for bot in stored} == {"online"}


async def test_operator_journey_from_start_to_deleting_the_pool(
    control_bot: ControlBotDriver,
) -> None:
    driver = control_bot

    sent = await driver.send(OPERATOR, "/start")
    welcome = await driver.wait_reply(OPERATOR, "botpool", after=sent)
    assert driver.button_text(welcome, "Meus pools") and driver.button_text(welcome, "Novo pool")

    card = await create_pool_with_wizard(driver)
    assert "Pool criado" in card["text"]
    assert "INSS Principal (red1)" in card["text"]
    assert "http://botpool.test/go/red1" in card["text"]
    assert "0% ▱▱▱▱▱▱▱▱▱▱ (0/0 online)" in card["text"]
    pool = await load_pool(driver, "red1")
    assert pool is not None and pool.owner_id == OPERATOR
    assert (pool.name, pool.strategy, pool.is_active) == ("INSS Principal", "round_robin", True)
    reloads = len(driver.reloads)
    assert driver.routing["red1"].members == ()

    await add_bots_by_forwarding(driver)

    screen = await driver.tap(OPERATOR, card, "Gerenciar bots")
    assert "Toque em um bot" in screen["text"]
    for username in USERNAMES:
        candidates = await driver.tap(OPERATOR, screen, "Adicionar bot")
        answer = await driver.press(OPERATOR, candidates, contains=f"@{username}")
        assert "entrou no pool" in answer["text"]
        screen = await driver.message(OPERATOR, candidates["message_id"])
    pool = await load_pool(driver, "red1")
    assert pool is not None
    assert [m.bot.username for m in pool.members] == list(USERNAMES)
    assert "Saúde: 100% ▰▰▰▰▰▰▰▰▰▰ (4/4 online)" in screen["text"]
    assert "Capacidade: 0/9.000 por hora (0%)" in screen["text"]
    assert "✅ @inss_001_bot │ 0 │" in screen["text"]
    assert len(driver.reloads) == reloads + 4
    assert [m.username for m in driver.routing["red1"].members] == list(USERNAMES)
    candidates = await driver.tap(OPERATOR, screen, "Adicionar bot")
    assert "Todos os seus bots já estão neste pool" in candidates["text"]
    screen = await driver.tap(OPERATOR, candidates, "Voltar")

    member = await driver.tap(OPERATOR, screen, "@inss_002_bot")
    member = await driver.tap(OPERATOR, member, "Desativar")
    assert not (await member_of(driver, "red1", "inss_002_bot")).is_enabled
    assert [m.is_enabled for m in driver.routing["red1"].members] == [True, False, True, True]
    assert "@inss_002_bot neste pool: desativado" in member["text"]
    assert "⏸ desativado" in member["text"]
    assert "(3/3 online)" in member["text"]
    member = await driver.tap(OPERATOR, member, "Ativar")
    assert (await member_of(driver, "red1", "inss_002_bot")).is_enabled

    member = await driver.tap(OPERATOR, member, "➕ peso")
    member = await driver.tap(OPERATOR, member, "➕ peso")
    member = await driver.tap(OPERATOR, member, "➖ peso")
    assert (await member_of(driver, "red1", "inss_002_bot")).weight == 2
    member = await driver.tap(OPERATOR, member, "backup")
    stored = await member_of(driver, "red1", "inss_002_bot")
    assert (stored.weight, stored.priority) == (2, -1)
    routed = driver.routing["red1"].members[1]
    assert (routed.is_enabled, routed.weight, routed.priority) == (True, 2, Priority.BACKUP)
    assert "✅ @inss_002_bot │ 0 │ -- │ peso 2 · backup" in member["text"]
    assert driver.button_text(member, "✓ backup")

    screen = await driver.tap(OPERATOR, member, "Voltar")
    member = await driver.tap(OPERATOR, screen, "@inss_004_bot")
    answer = await driver.press(OPERATOR, member, contains="Remover do pool")
    assert answer["text"] == "@inss_004_bot saiu do pool"
    screen = await driver.message(OPERATOR, member["message_id"])
    assert "@inss_004_bot" not in screen["text"]
    assert [m.username for m in driver.routing["red1"].members] == list(USERNAMES[:3])
    candidates = await driver.tap(OPERATOR, screen, "Adicionar bot")
    assert driver.button_text(candidates, "@inss_004_bot")
    screen = await driver.tap(OPERATOR, candidates, "Voltar")
    card = await driver.tap(OPERATOR, screen, "Voltar")
    refreshed = await driver.tap(OPERATOR, card, "Atualizar")
    assert refreshed["text"] == card["text"]
    strategies = await driver.tap(OPERATOR, card, "Estratégia")
    assert driver.button_text(strategies, "✓ Round robin")
    card = await driver.tap(OPERATOR, strategies, "Ponderada")
    assert "Estratégia: Ponderada (pesos)" in card["text"]
    assert (await load_pool(driver, "red1")).strategy == "weighted"  # type: ignore[union-attr]
    assert driver.routing["red1"].strategy is Strategy.WEIGHTED

    card = await driver.tap(OPERATOR, card, "Pausar")
    assert "PAUSADO" in card["text"]
    assert not (await load_pool(driver, "red1")).is_active  # type: ignore[union-attr]
    assert not driver.routing["red1"].is_active
    card = await driver.tap(OPERATOR, card, "Ativar")
    assert "ATIVO" in card["text"]
    assert (await load_pool(driver, "red1")).is_active  # type: ignore[union-attr]

    sent = await driver.send(OPERATOR, "/newpool red2 Reserva")
    reserve_card = await driver.wait_reply(OPERATOR, "Reserva (red2)", after=sent)
    choices = await driver.tap(OPERATOR, card, "Pool reserva")
    card = await driver.tap(OPERATOR, choices, "Reserva (red2)")
    assert "Pool reserva: red2" in card["text"]
    red1, red2 = await load_pool(driver, "red1"), await load_pool(driver, "red2")
    assert red1 is not None and red2 is not None and red1.fallback_pool_id == red2.id
    assert driver.routing["red1"].fallback_pool_id == red2.id

    choices = await driver.tap(OPERATOR, reserve_card, "Pool reserva")
    before = len(driver.reloads)
    answer = await driver.press(OPERATOR, choices, contains="INSS Principal (red1)")
    assert answer["show_alert"] and "ciclo" in answer["text"]
    assert (await load_pool(driver, "red2")).fallback_pool_id is None  # type: ignore[union-attr]
    assert len(driver.reloads) == before
    reserve_card = await driver.tap(OPERATOR, choices, "Voltar")

    choices = await driver.tap(OPERATOR, card, "Pool reserva")
    card = await driver.tap(OPERATOR, choices, "Nenhum")
    assert "Pool reserva: nenhum" in card["text"]
    assert (await load_pool(driver, "red1")).fallback_pool_id is None  # type: ignore[union-attr]
    choices = await driver.tap(OPERATOR, reserve_card, "Pool reserva")
    reserve_card = await driver.tap(OPERATOR, choices, "INSS Principal (red1)")
    assert "Pool reserva: red1" in reserve_card["text"]

    confirm = await driver.tap(OPERATOR, card, "Excluir")
    assert "Excluir o pool INSS Principal (red1)?" in confirm["text"]
    card = await driver.tap(OPERATOR, confirm, "Voltar")
    assert await load_pool(driver, "red1") is not None
    confirm = await driver.tap(OPERATOR, card, "Excluir")
    gone = await driver.tap(OPERATOR, confirm, "Sim, excluir")
    assert "excluído" in gone["text"]
    assert await load_pool(driver, "red1") is None
    assert set(driver.routing) == {"red2"}
    assert driver.routing["red2"].fallback_pool_id is None
    async with driver.sessions() as session:
        assert len((await session.scalars(select(Bot))).all()) == 4
        assert (await session.scalars(select(Member))).all() == []
    assert (await load_pool(driver, "red2")).fallback_pool_id is None  # type: ignore[union-attr]
