"""/newpool (wizard and shortcut), /pool, /pools and /cancel: bad input gets a clear
answer and the wizard keeps asking; nothing is created until the last step."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import Pool
from tests.plugins.control_bot import OPERATOR, ControlBotDriver


async def pools_by_slug(driver: ControlBotDriver) -> dict[str, Pool]:
    async with driver.sessions() as session:
        return {pool.slug: pool for pool in (await session.scalars(select(Pool))).all()}


async def test_wizard_keeps_asking_until_name_and_slug_are_valid(
    control_bot: ControlBotDriver,
) -> None:
    driver = control_bot
    sent = await driver.send(OPERATOR, "/newpool inss-principal Taken")
    await driver.wait_reply(OPERATOR, "Pool criado", after=sent)

    sent = await driver.send(OPERATOR, "/newpool")
    await driver.wait_reply(OPERATOR, "Qual é o nome?", after=sent)
    sent = await driver.send(OPERATOR, "x" * 101)
    await driver.wait_reply(OPERATOR, "O nome precisa ter de 1 a 100 caracteres", after=sent)
    sent = await driver.send(OPERATOR, "INSS Principal")
    ask_slug = await driver.wait_reply(OPERATOR, "Agora o slug", after=sent)
    assert [b["text"] for row in ask_slug["keyboard"] for b in row] == ["✖️ Cancelar"]
    sent = await driver.send(OPERATOR, "Bad Slug!")
    await driver.wait_reply(OPERATOR, "Slug inválido", after=sent)
    sent = await driver.send(OPERATOR, "inss-principal")
    await driver.wait_reply(OPERATOR, "O slug «inss-principal» já está em uso", after=sent)
    assert set(await pools_by_slug(driver)) == {"inss-principal"}
    sent = await driver.send(OPERATOR, "INSS-2")
    ask = await driver.wait_reply(OPERATOR, "estratégia", after=sent)
    card = await driver.tap(OPERATOR, ask, "Aleatória")
    assert "INSS Principal (inss-2)" in card["text"]
    assert (await pools_by_slug(driver))["inss-2"].strategy == "random"


async def test_wizard_offers_the_slug_made_from_the_name(control_bot: ControlBotDriver) -> None:
    sent = await control_bot.send(OPERATOR, "/newpool")
    await control_bot.wait_reply(OPERATOR, "Qual é o nome?", after=sent)
    sent = await control_bot.send(OPERATOR, "Promoção Nordeste")
    ask_slug = await control_bot.wait_reply(OPERATOR, "Agora o slug", after=sent)
    await control_bot.press(OPERATOR, ask_slug, contains="promocao-nordeste")
    ask = await control_bot.wait_reply(OPERATOR, "estratégia", after=ask_slug)
    await control_bot.tap(OPERATOR, ask, "Round robin")
    pool = (await pools_by_slug(control_bot))["promocao-nordeste"]
    assert (pool.name, pool.owner_id) == ("Promoção Nordeste", OPERATOR)


async def test_cancel_leaves_the_wizard_and_creates_nothing(control_bot: ControlBotDriver) -> None:
    sent = await control_bot.send(OPERATOR, "/newpool")
    ask = await control_bot.wait_reply(OPERATOR, "Qual é o nome?", after=sent)
    sent = await control_bot.send(OPERATOR, "/cancel")
    await control_bot.wait_reply(OPERATOR, "Cancelado", after=sent)
    sent = await control_bot.send(OPERATOR, "Leads")
    await control_bot.wait_reply(OPERATOR, "Não entendi", after=sent)
    sent = await control_bot.send(OPERATOR, "/cancel")
    await control_bot.wait_reply(OPERATOR, "Não há nada para cancelar", after=sent)

    await control_bot.send(OPERATOR, "/newpool")
    await control_bot.send(OPERATOR, "Leads")
    ask = await control_bot.wait_reply(OPERATOR, "Agora o slug", after=ask)
    cancelled = await control_bot.tap(OPERATOR, ask, "Cancelar")
    assert "Cancelado" in cancelled["text"]
    assert await pools_by_slug(control_bot) == {}


async def test_newpool_shortcut_creates_at_once_or_says_what_is_wrong(
    control_bot: ControlBotDriver,
) -> None:
    cases = [
        ("/newpool red1 INSS Principal", "INSS Principal (red1)"),
        ("/newpool red1 Outro", "O slug «red1» já está em uso"),
        ("/newpool Bad!Slug Nome", "Slug inválido"),
        ("/newpool solo", "solo (solo)"),
    ]
    for command, expected in cases:
        sent = await control_bot.send(OPERATOR, command)
        await control_bot.wait_reply(OPERATOR, expected, after=sent)
    stored = await pools_by_slug(control_bot)
    assert {slug: pool.name for slug, pool in stored.items()} == {
        "red1": "INSS Principal",
        "solo": "solo",
    }


async def test_pool_and_pools_open_the_card(control_bot: ControlBotDriver) -> None:
    sent = await control_bot.send(OPERATOR, "/pools")
    empty = await control_bot.wait_reply(OPERATOR, "Você ainda não tem pools", after=sent)
    assert control_bot.button_text(empty, "Novo pool")
    sent = await control_bot.send(OPERATOR, "/pool")
    await control_bot.wait_reply(OPERATOR, "Use /pool <slug>", after=sent)
    sent = await control_bot.send(OPERATOR, "/newpool red1 Principal")
    await control_bot.wait_reply(OPERATOR, "Principal (red1)", after=sent)
    sent = await control_bot.send(OPERATOR, "/pool RED1")
    card = await control_bot.wait_reply(OPERATOR, "Principal (red1) — 🟢 ATIVO", after=sent)
    assert "Link público: http://botpool.test/go/red1" in card["text"]
    sent = await control_bot.send(OPERATOR, "/pools")
    listing = await control_bot.wait_reply(OPERATOR, "Seus pools (1)", after=sent)
    card = await control_bot.tap(OPERATOR, listing, "Principal (red1)")
    assert "Saúde: 0%" in card["text"]
    listing = await control_bot.tap(OPERATOR, card, "Pools")
    assert "Seus pools (1)" in listing["text"]
    menu = await control_bot.tap(OPERATOR, listing, "Menu")
    assert menu["text"] == "O que você quer fazer?"
    listing = await control_bot.tap(OPERATOR, menu, "Meus pools")
    assert "Seus pools (1)" in listing["text"]
