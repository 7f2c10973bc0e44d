"""/settings through the real control bot: the language switches every later answer,
the alerts switch is what the health monitor reads, and the daily digest's hour and
time zone are what the digest job reads."""

from __future__ import annotations

from typing import Any

from storage.models import Operator
from tests.plugins.control_bot import OPERATOR, ControlBotDriver


async def ask(driver: ControlBotDriver, text: str) -> dict[str, Any]:
    sent = await driver.send(OPERATOR, text)
    return await driver.wait_reply(OPERATOR, after=sent)


async def stored(driver: ControlBotDriver) -> Operator:
    async with driver.sessions() as session:
        operator = await session.get(Operator, OPERATOR)
    assert operator is not None
    return operator


async def test_language_switch_changes_this_and_every_later_answer_and_back(control_bot):
    card = await ask(control_bot, "/settings")
    assert card["text"].startswith("⚙️ Configurações\nIdioma: Português")

    answer = await control_bot.press(OPERATOR, card, "English")
    assert answer["text"] == "Language: English"
    shown = await control_bot.message(OPERATOR, card["message_id"])
    assert shown["text"] == (
        "⚙️ Settings\nLanguage: English\nAlerts: on 🔔\n"
        "Daily digest: off\nTime zone: America/Sao_Paulo\nQuiet hours: none"
    )
    assert (await stored(control_bot)).language == "en"
    assert (await ask(control_bot, "/stats"))["text"] == (
        "You have no pools yet. Create one with /newpool."
    )
    assert (await ask(control_bot, "/stats nope"))["text"] == "Pool not found."

    answer = await control_bot.press(OPERATOR, shown, "Português")
    assert answer["text"] == "Idioma: Português"
    assert (await stored(control_bot)).language == "pt-BR"
    assert (await ask(control_bot, "/stats"))["text"] == (
        "Você ainda não tem pools. Crie um com /newpool."
    )


async def test_choosing_the_current_language_again_keeps_the_card(control_bot):
    card = await ask(control_bot, "/settings")
    answer = await control_bot.press(OPERATOR, card, "✓ Português")
    assert answer["text"] == "Idioma: Português"
    assert (await control_bot.message(OPERATOR, card["message_id"]))["text"] == card["text"]


async def test_alerts_toggle_off_and_on_is_stored(control_bot):
    card = await ask(control_bot, "/settings")
    assert "Alertas: ligados" in card["text"]
    assert (await stored(control_bot)).alerts_enabled is True

    answer = await control_bot.press(OPERATOR, card, "🔕 Desligar alertas")
    assert answer["text"] == "Alertas desligados"
    assert (await stored(control_bot)).alerts_enabled is False
    card = await control_bot.message(OPERATOR, card["message_id"])
    assert "Alertas: desligados" in card["text"]

    answer = await control_bot.press(OPERATOR, card, "🔔 Ligar alertas")
    assert answer["text"] == "Alertas ligados"
    assert (await stored(control_bot)).alerts_enabled is True


async def test_settings_from_the_main_menu_button(control_bot):
    menu = await ask(control_bot, "/start")
    await control_bot.press(OPERATOR, menu, contains="Configurações")
    shown = await control_bot.message(OPERATOR, menu["message_id"])
    assert shown["text"].startswith("⚙️ Configurações")


async def test_a_crafted_language_outside_the_choices_changes_nothing(control_bot):
    card = await ask(control_bot, "/settings")
    chat = control_bot.sandbox.state.find(str(control_bot.control.id)).chat(OPERATOR)
    chat.messages[card["message_id"]].inline_markup["inline_keyboard"].append(
        [{"text": "forged", "callback_data": "settings:lang:xx:0"}]
    )
    user = control_bot.user(OPERATOR)
    await control_bot.client.press_button(
        control_bot.control, user, card["message_id"], text="forged"
    )
    await control_bot.settle()
    assert (await stored(control_bot)).language == "pt-BR"
    assert (await control_bot.message(OPERATOR, card["message_id"]))["text"] == card["text"]


async def test_digest_hour_is_picked_from_the_hours_and_turned_off_again(control_bot):
    card = await ask(control_bot, "/settings")
    assert "Resumo diário: desligado" in card["text"]
    assert (await stored(control_bot)).digest_hour is None

    hours = await control_bot.tap(OPERATOR, card, "Resumo diário")
    assert "A que horas" in hours["text"] and "America/Sao_Paulo" in hours["text"]
    answer = await control_bot.press(OPERATOR, hours, "08:00")
    assert answer["text"] == "Resumo diário às 08:00"
    assert (await stored(control_bot)).digest_hour == 8
    card = await control_bot.message(OPERATOR, card["message_id"])
    assert "Resumo diário: todo dia às 08:00" in card["text"]

    hours = await control_bot.tap(OPERATOR, card, "Resumo diário")
    control_bot.button_text(hours, "✓08:00")
    answer = await control_bot.press(OPERATOR, hours, contains="Desligar resumo")
    assert answer["text"] == "Resumo diário desligado"
    assert (await stored(control_bot)).digest_hour is None


async def test_time_zone_from_a_button_or_typed_and_an_unknown_one_is_refused(control_bot):
    card = await ask(
        control_bot,
        "/settings",
    )
    zones = await control_bot.tap(OPERATOR, card, "Fuso horário")
    answer = await control_bot.press(OPERATOR, zones, "Europe/Lisbon")
    assert answer["text"] == "Fuso horário: Europe/Lisbon"
    assert (await stored(control_bot)).time_zone == "Europe/Lisbon"

    card = await control_bot.message(OPERATOR, card["message_id"])
    await control_bot.tap(OPERATOR, card, "Fuso horário")
    refused = await ask(control_bot, "Mars/Olympus")
    assert refused["text"].startswith("Fuso horário desconhecido")
    assert (await stored(control_bot)).time_zone == "Europe/Lisbon"

    saved = await ask(control_bot, "asia/tokyo")
    assert saved["text"] == "Fuso horário: Asia/Tokyo"
    assert (await stored(control_bot)).time_zone == "Asia/Tokyo"
    assert (await ask(control_bot, "Europe/Berlin"))["text"].startswith("Não entendi")


async def test_a_crafted_digest_hour_outside_the_day_changes_nothing(control_bot):
    card = await ask(control_bot, "/settings")
    chat = control_bot.sandbox.state.find(str(control_bot.control.id)).chat(OPERATOR)
    chat.messages[card["message_id"]].inline_markup["inline_keyboard"].append(
        [{"text": "forged", "callback_data": "settings:hour::0:25:-1"}]
    )
    answer = await control_bot.press(OPERATOR, card, "forged")
    assert answer["show_alert"] is True
    assert (await stored(control_bot)).digest_hour is None


async def test_quiet_hours_are_picked_from_the_spans_and_turned_off_again(control_bot):
    card = await ask(control_bot, "/settings")
    assert "Horário silencioso: nenhum" in card["text"]

    spans = await control_bot.tap(OPERATOR, card, "Horário silencioso")
    assert "sem som" in spans["text"] and "America/Sao_Paulo" in spans["text"]
    answer = await control_bot.press(OPERATOR, spans, "22:00–07:00")
    assert answer["text"] == "Horário silencioso: 22:00–07:00"
    operator = await stored(control_bot)
    assert (operator.quiet_from, operator.quiet_to) == (22, 7)
    card = await control_bot.message(OPERATOR, card["message_id"])
    assert "Horário silencioso: 22:00–07:00" in card["text"]

    spans = await control_bot.tap(OPERATOR, card, "Horário silencioso")
    control_bot.button_text(spans, "✓ 22:00–07:00")
    answer = await control_bot.press(OPERATOR, spans, contains="Sem horário silencioso")
    assert answer["text"] == "Sem horário silencioso"
    operator = await stored(control_bot)
    assert (operator.quiet_from, operator.quiet_to) == (None, None)
