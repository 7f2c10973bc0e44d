"""The control bot speaks the operator's language: pt-BR by default, English for
Telegram clients in English, and the stored choice (/settings) over the client's."""

from __future__ import annotations

import pytest

from storage.db import transaction
from storage.repos import operators
from tests.plugins.control_bot import OPERATOR, ControlBotDriver

PORTUGUESE = {
    "stored": "pt-BR",
    "welcome": "Olá!",
    "ask_name": "Qual é o nome?",
    "ask_slug": "Agora o slug",
    "ask_strategy": "a estratégia",
    "strategy": "Menos conexões",
    "card": ["Saúde: 0%", "Tráfego: 0 redirects na última hora", "Estratégia: Menos conexões"],
    "buttons": ["Gerenciar bots", "Pausar", "Pool reserva", "Excluir"],
    "bots": "Você ainda não tem bots",
}
ENGLISH = {
    "stored": "en",
    "welcome": "Hi!",
    "ask_name": "What is its name?",
    "ask_slug": "Now the slug",
    "ask_strategy": "the distribution strategy",
    "strategy": "Least connections",
    "card": ["Health: 0%", "Traffic: 0 redirects in the last hour", "Strategy: Least connections"],
    "buttons": ["Manage bots", "Pause", "Fallback pool", "Delete"],
    "bots": "You have no bots yet",
}


@pytest.mark.parametrize(
    ("language_code", "words"),
    [("pt-br", PORTUGUESE), (None, PORTUGUESE), ("es", PORTUGUESE), ("en", ENGLISH)],
    ids=["pt-br", "no-language", "spanish-falls-back-to-pt", "en"],
)
async def test_short_journey_reads_in_the_operators_language(
    control_bot: ControlBotDriver, language_code: str | None, words: dict
) -> None:
    driver = control_bot
    sent = await driver.send(OPERATOR, "/start", language_code=language_code or "")
    assert words["welcome"] in (await driver.wait_reply(OPERATOR, after=sent))["text"]

    sent = await driver.send(OPERATOR, "/newpool")
    await driver.wait_reply(OPERATOR, words["ask_name"], after=sent)
    sent = await driver.send(OPERATOR, "Leads")
    await driver.wait_reply(OPERATOR, words["ask_slug"], after=sent)
    sent = await driver.send(OPERATOR, "leads")
    ask = await driver.wait_reply(OPERATOR, words["ask_strategy"], after=sent)
    card = await driver.tap(OPERATOR, ask, words["strategy"])
    for line in words["card"]:
        assert line in card["text"]
    for button in words["buttons"]:
        assert driver.button_text(card, button)

    sent = await driver.send(OPERATOR, "/bots")
    await driver.wait_reply(OPERATOR, words["bots"], after=sent)
    async with driver.sessions() as session:
        operator = await operators.get(session, OPERATOR)
    assert operator is not None and operator.language == words["stored"]


async def test_stored_language_wins_over_the_telegram_client_language(
    control_bot: ControlBotDriver,
) -> None:
    async with transaction(control_bot.sessions) as session:
        await operators.get_or_create(session, OPERATOR, "en")
        await operators.set_language(session, OPERATOR, "pt-BR")
    sent = await control_bot.send(OPERATOR, "/help", language_code="en")
    reply = await control_bot.wait_reply(OPERATOR, after=sent)
    assert "Comandos" in reply["text"]
