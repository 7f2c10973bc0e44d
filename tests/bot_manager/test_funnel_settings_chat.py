"""Funnel settings from the control bot (aiogram polling the sandbox, a real SQLite file):
a pool's fallback link and sticky window from the pool card, a member's hourly cap from
the member screen. A bad answer gets the reason and changes nothing; a good one is
saved and reaches routing (the reload sees it)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from storage.db import transaction
from storage.models import Bot
from storage.repos import bots, members, operators, pools
from tests.plugins.control_bot import OPERATOR, ControlBotDriver

TEXTS = {
    "pt-BR": {
        "link_button": "Link reserva",
        "link_prompt": "Envie o novo link",
        "link_error": "Link inválido: use um endereço https://",
        "link_saved": "✅ Link reserva salvo: https://t.me/meu_canal",
        "link_line": "Link reserva: https://t.me/meu_canal",
        "link_none": "Link reserva: nenhum (página 503)",
        "link_remove": "Remover link reserva",
        "sticky_button": "Leads fiéis",
        "sticky_7": "7 dias",
        "sticky_line_7": "Leads fiéis: 7 dia(s)",
        "sticky_error": "de 0 a 365",
        "sticky_off_saved": "✅ Leads fiéis: desligado",
        "manage": "Gerenciar bots",
        "cap_button": "Capacidade: 2.250 (padrão)/h",
        "cap_prompt": "Envie um número de 1 a 1.000.000",
        "cap_error": "de 1 a 1.000.000",
        "cap_saved": "✅ Capacidade de @alpha_bot: 1.500/h",
        "cap_line": "Capacidade: 1.500/h",
        "cap_default": "Usar o padrão",
        "card_capacity": "Capacidade: 0/1.500 por hora (0%)",
    },
    "en": {
        "link_button": "Fallback link",
        "link_prompt": "Send the new link",
        "link_error": "Invalid link: use a full https:// address",
        "link_saved": "✅ Fallback link saved: https://t.me/meu_canal",
        "link_line": "Fallback link: https://t.me/meu_canal",
        "link_none": "Fallback link: none (503 page)",
        "link_remove": "Remove the fallback link",
        "sticky_button": "Sticky leads",
        "sticky_7": "7 days",
        "sticky_line_7": "Sticky leads: 7 day(s)",
        "sticky_error": "from 0 to 365",
        "sticky_off_saved": "✅ Sticky leads: off",
        "manage": "Manage bots",
        "cap_button": "Capacity: 2,250 (default)/h",
        "cap_prompt": "Send a number from 1 to 1,000,000",
        "cap_error": "from 1 to 1,000,000",
        "cap_saved": "✅ Capacity of @alpha_bot: 1,500/h",
        "cap_line": "Capacity: 1,500/h",
        "cap_default": "Use the default",
        "card_capacity": "Capacity: 0/1,500 per hour (0%)",
    },
}
LANGUAGES = pytest.mark.parametrize("language", ["pt-BR", "en"])


async def seed(driver: ControlBotDriver, language: str) -> int:
    """OPERATOR's pool red1 with one online bot, @alpha_bot; its id."""
    async with transaction(driver.sessions) as session:
        await operators.get_or_create(session, OPERATOR, language)
        pool = await pools.create(session, OPERATOR, name="Red", slug="red1")
        bot = await bots.register(
            session,
            driver.cipher,
            OPERATOR,
            telegram_id=71,
            username="alpha_bot",
            token=f"71:{'A' * 35}",
        )
        await members.add(session, OPERATOR, pool.id, bot.id, max_per_pool=10)
        return bot.id


async def open_card(driver: ControlBotDriver) -> dict[str, Any]:
    sent = await driver.send(OPERATOR, "/pool red1")
    return await driver.wait_reply(OPERATOR, "red1", after=sent)


async def answer(driver: ControlBotDriver, text: str, expect: str) -> dict[str, Any]:
    """Type `text` to the open question; the control bot's reply that has `expect`."""
    sent = await driver.send(OPERATOR, text)
    return await driver.wait_reply(OPERATOR, expect, after=sent)


@LANGUAGES
async def test_fallback_link_is_asked_checked_saved_and_removed_from_the_card(
    control_bot: ControlBotDriver, language: str
) -> None:
    texts = TEXTS[language]
    await seed(control_bot, language)
    card = await open_card(control_bot)
    assert texts["link_none"] in card["text"].splitlines()

    prompt = await control_bot.tap(OPERATOR, card, texts["link_button"])
    assert texts["link_prompt"] in prompt["text"]
    reloads = len(control_bot.reloads)

    refused = await answer(control_bot, "http://example.com", texts["link_error"])
    assert len(control_bot.reloads) == reloads  # nothing changed, nothing reloaded
    refused = await answer(control_bot, "t.me/meu_canal", texts["link_error"])

    saved = await answer(control_bot, "  https://t.me/meu_canal ", texts["link_saved"])
    assert texts["link_line"] in saved["text"].splitlines()
    assert control_bot.routing["red1"].fallback_url == "https://t.me/meu_canal"
    assert refused["message_id"] < saved["message_id"]

    prompt = await control_bot.tap(OPERATOR, saved, texts["link_button"])
    assert "https://t.me/meu_canal" in prompt["text"]
    removed = await control_bot.tap(OPERATOR, prompt, texts["link_remove"])
    assert texts["link_none"] in removed["text"].splitlines()
    assert control_bot.routing["red1"].fallback_url is None


@LANGUAGES
async def test_sticky_days_from_a_preset_or_typed(
    control_bot: ControlBotDriver, language: str
) -> None:
    texts = TEXTS[language]
    await seed(control_bot, language)
    card = await open_card(control_bot)

    prompt = await control_bot.tap(OPERATOR, card, texts["sticky_button"])
    after_preset = await control_bot.tap(OPERATOR, prompt, texts["sticky_7"])
    assert texts["sticky_line_7"] in after_preset["text"].splitlines()
    await control_bot.settle()
    assert control_bot.routing["red1"].sticky_days == 7

    await control_bot.tap(OPERATOR, after_preset, texts["sticky_button"])
    await answer(control_bot, "400", texts["sticky_error"])
    await answer(control_bot, "uma semana", texts["sticky_error"])
    assert control_bot.routing["red1"].sticky_days == 7

    await answer(control_bot, "0", texts["sticky_off_saved"])
    assert control_bot.routing["red1"].sticky_days == 0


@LANGUAGES
async def test_a_members_hourly_cap_is_set_from_its_screen_and_back_to_the_default(
    control_bot: ControlBotDriver, language: str
) -> None:
    texts = TEXTS[language]
    await seed(control_bot, language)
    card = await open_card(control_bot)
    manage = await control_bot.tap(OPERATOR, card, texts["manage"])
    member = await control_bot.tap(OPERATOR, manage, "@alpha_bot")

    prompt = await control_bot.tap(OPERATOR, member, texts["cap_button"])
    assert texts["cap_prompt"] in prompt["text"]
    await answer(control_bot, "0", texts["cap_error"])
    await answer(control_bot, "1000001", texts["cap_error"])
    assert control_bot.reloads == []  # nothing changed, nothing reloaded

    saved = await answer(
        control_bot, "1.500" if language == "pt-BR" else "1,500", texts["cap_saved"]
    )
    assert texts["cap_line"] in saved["text"].splitlines()
    assert texts["card_capacity"] in saved["text"].splitlines()  # the card uses the cap
    assert control_bot.routing["red1"].members[0].hourly_cap == 1500

    prompt = await control_bot.tap(OPERATOR, saved, "⏱")
    reset = await control_bot.tap(OPERATOR, prompt, texts["cap_default"])
    assert texts["cap_button"] in str(reset["keyboard"])
    await control_bot.settle()
    assert control_bot.routing["red1"].members[0].hourly_cap is None


async def test_going_back_from_a_question_stops_waiting_for_its_answer(
    control_bot: ControlBotDriver,
) -> None:
    await seed(control_bot, "en")
    card = await open_card(control_bot)
    prompt = await control_bot.tap(OPERATOR, card, "Fallback link")
    await control_bot.tap(OPERATOR, prompt, "Back")

    sent = await control_bot.send(OPERATOR, "https://t.me/meu_canal")
    reply = await control_bot.wait_reply(OPERATOR, after=sent)

    assert "/help" in reply["text"]  # not understood: no question is open
    async with control_bot.sessions() as session:
        pool = await pools.get_owned_by_slug(session, OPERATOR, "red1")
    assert pool.fallback_url is None


@pytest.mark.parametrize(
    ("language", "card_line", "member_line", "bot_line"),
    [
        (
            "pt-BR",
            "funil com falha: webhook: Connection refused",
            "🔌 O funil por trás do bot está com falha: webhook: Connection refused",
            "🔌 Funil com falha: webhook: Connection refused",
        ),
        (
            "en",
            "funnel failing: webhook: Connection refused",
            "🔌 The funnel behind this bot is failing: webhook: Connection refused",
            "🔌 Funnel failing: webhook: Connection refused",
        ),
    ],
)
async def test_a_failing_backend_shows_on_the_card_the_member_and_the_bot(
    control_bot: ControlBotDriver, language: str, card_line: str, member_line: str, bot_line: str
) -> None:
    bot_id = await seed(control_bot, language)
    async with transaction(control_bot.sessions) as session:
        await session.execute(
            update(Bot).where(Bot.id == bot_id).values(backend_error="webhook: Connection refused")
        )

    card = await open_card(control_bot)
    assert card_line in card["text"]
    manage = await control_bot.tap(OPERATOR, card, TEXTS[language]["manage"])
    member = await control_bot.tap(OPERATOR, manage, "@alpha_bot")
    assert member_line in member["text"].splitlines()
    assert "🌱" in member["text"]  # it just joined: slow start

    sent = await control_bot.send(OPERATOR, "/bots")
    listing = await control_bot.wait_reply(OPERATOR, "alpha_bot", after=sent)
    detail = await control_bot.tap(OPERATOR, listing, "alpha_bot")
    assert bot_line in detail["text"]
