"""/apikey through the real control bot: a key shown once that really authenticates,
listed without the key, revoked with confirmation; crafted presses change nothing."""

from __future__ import annotations

import re
from typing import Any

from bot_manager.keyboards.callback_data import ApiKeyAction, ApiKeyCb
from storage.db import transaction
from storage.models import ApiKey, utcnow
from storage.repos import apikeys, operators
from tests.plugins.control_bot import OPERATOR, OTHER, ControlBotDriver

KEY_RE = re.compile(r"bp_[A-Za-z0-9_-]{20,}")


async def ask(driver: ControlBotDriver, text: str) -> dict[str, Any]:
    sent = await driver.send(OPERATOR, text)
    return await driver.wait_reply(OPERATOR, after=sent)


def shown_key(message: dict[str, Any]) -> str:
    """The key in a message, taken from its code entity (what a tap copies)."""
    codes = [e for e in message["entities"] if e["type"] == "code"]
    assert len(codes) == 1, message
    encoded = message["text"].encode("utf-16-le")
    start, length = codes[0]["offset"] * 2, codes[0]["length"] * 2
    key = encoded[start : start + length].decode("utf-16-le")
    assert KEY_RE.fullmatch(key)
    return key


async def owner_of(driver: ControlBotDriver, key: str) -> int | None:
    """The owner the API would authenticate, noting the use as the API's batch does."""
    async with driver.sessions() as session:
        row = await apikeys.identify(session, key)
    if row is None:
        return None
    async with transaction(driver.sessions) as session:
        await apikeys.mark_used(session, {row.id: utcnow()})
    return row.owner_id


async def stored_keys(driver: ControlBotDriver, owner: int) -> list[ApiKey]:
    async with driver.sessions() as session:
        return list(await apikeys.list_owned(session, owner))


async def test_created_key_is_shown_once_authenticates_and_is_listed_without_it(control_bot):
    created = await ask(control_bot, "/apikey create  CRM   sync ")
    key = shown_key(created)
    assert "Chave criada («CRM sync»)" in created["text"]
    assert "não será mostrada de novo" in created["text"]
    assert await owner_of(control_bot, key) == OPERATOR

    listing = await ask(control_bot, "/apikey")
    assert "• CRM sync — " + key[:10] + "…" in listing["text"]
    assert "último uso: 20" in listing["text"]  # the authentication above was noted
    assert key not in listing["text"]
    texts = await control_bot.sent_texts(OPERATOR)
    assert sum(key in text for text in texts) == 1


async def test_revoke_asks_for_confirmation_then_the_key_stops_authenticating(control_bot):
    key = shown_key(await ask(control_bot, "/apikey create old"))
    listing = await ask(control_bot, "/apikey")

    await control_bot.press(OPERATOR, listing, contains="Revogar old")
    confirm = await control_bot.message(OPERATOR, listing["message_id"])
    assert confirm["text"].startswith("Revogar a chave old")
    await control_bot.press(OPERATOR, confirm, "« Voltar")
    assert await owner_of(control_bot, key) == OPERATOR  # backing out revokes nothing

    listing = await control_bot.message(OPERATOR, listing["message_id"])
    await control_bot.press(OPERATOR, listing, contains="Revogar old")
    confirm = await control_bot.message(OPERATOR, listing["message_id"])
    answer = await control_bot.press(OPERATOR, confirm, "🗑 Sim, revogar")
    assert answer["text"] == f"Chave {key[:10]}… revogada."
    assert await owner_of(control_bot, key) is None
    after = await control_bot.message(OPERATOR, listing["message_id"])
    assert "Você não tem nenhuma chave ativa." in after["text"]


async def test_create_button_asks_for_a_label_or_none(control_bot):
    listing = await ask(control_bot, "/apikey")
    await control_bot.press(OPERATOR, listing, "➕ Criar chave")
    question = await control_bot.message(OPERATOR, listing["message_id"])
    assert question["text"].startswith("Envie um nome para a nova chave")

    sent = await control_bot.send(OPERATOR, "zapier")
    labelled = await control_bot.wait_reply(OPERATOR, after=sent)
    assert await owner_of(control_bot, shown_key(labelled)) == OPERATOR
    assert "(«zapier»)" in labelled["text"]

    await control_bot.press(OPERATOR, labelled, "« Voltar")
    listing = await control_bot.message(OPERATOR, labelled["message_id"])
    await control_bot.press(OPERATOR, listing, "➕ Criar chave")
    question = await control_bot.message(OPERATOR, labelled["message_id"])
    await control_bot.press(OPERATOR, question, "Sem nome")
    unlabelled = await control_bot.wait_reply(OPERATOR, "Chave criada:", after=labelled)
    assert await owner_of(control_bot, shown_key(unlabelled)) == OPERATOR
    assert [k.label for k in await stored_keys(control_bot, OPERATOR)] == ["zapier", ""]


async def test_a_too_long_label_is_refused_and_nothing_is_created(control_bot):
    reply = await ask(control_bot, "/apikey create " + "x" * 101)
    assert reply["text"] == "O nome deve ter até 100 caracteres. Envie outro."
    assert await stored_keys(control_bot, OPERATOR) == []


async def test_a_forged_revoke_of_another_operators_key_changes_nothing(control_bot):
    async with transaction(control_bot.sessions) as session:
        await operators.get_or_create(session, OTHER)
        theirs, their_key = await apikeys.create(session, OTHER, "theirs")
    listing = await ask(control_bot, "/apikey")
    chat = control_bot.sandbox.state.find(str(control_bot.control.id)).chat(OPERATOR)
    keyboard = chat.messages[listing["message_id"]].inline_markup["inline_keyboard"]
    for action in (ApiKeyAction.REVOKE, ApiKeyAction.CONFIRM_REVOKE):
        data = ApiKeyCb(action=action, key_id=theirs.id).pack()
        keyboard.append([{"text": f"forged {action}", "callback_data": data}])

    for action in (ApiKeyAction.REVOKE, ApiKeyAction.CONFIRM_REVOKE):
        answer = await control_bot.press(OPERATOR, listing, f"forged {action}")
        assert (answer["text"], answer["show_alert"]) == ("Chave não encontrada.", True)
    assert await owner_of(control_bot, their_key) == OTHER
    assert [k.id for k in await stored_keys(control_bot, OTHER)] == [theirs.id]
    shown = await control_bot.message(OPERATOR, listing["message_id"])
    assert shown["text"] == listing["text"] and "theirs" not in shown["text"]
