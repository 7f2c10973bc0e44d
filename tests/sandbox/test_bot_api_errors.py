"""The sandbox refuses what Telegram refuses, with Telegram's codes and descriptions."""

from __future__ import annotations

import aiohttp
import pytest
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.types import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup

from sandbox import SandboxUser

ANN = SandboxUser(id=601, first_name="Ann")


async def post(url: str, data: dict[str, str] | None = None) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as session, session.post(url, data=data) as response:
        return response.status, await response.json()


async def test_unknown_method_answers_404_not_found(make_bot):
    bot = await make_bot()

    with pytest.raises(TelegramNotFound, match="Not Found"):
        await bot.get_chat(ANN.id)


async def test_unknown_method_body_is_exactly_telegrams(sandbox, sandbox_client):
    created = await sandbox_client.create_bot()

    status, body = await post(sandbox.api_url(created.token, "getChat"), {"chat_id": "1"})

    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


async def test_forged_token_answers_401_unauthorized(sandbox, make_bot):
    real = await make_bot()
    status, body = await post(sandbox.api_url(f"{real.id}:forged-secret", "getMe"))

    assert (status, body["description"]) == (401, "Unauthorized")


async def test_forged_token_fails_in_aiogram_with_unauthorized_error(sandbox, make_bot):
    bot = await make_bot()
    await bot.get_me()
    await sandbox.client.reset()

    with pytest.raises(TelegramUnauthorizedError):
        await bot.get_me()


async def test_token_not_shaped_like_a_token_answers_404(sandbox):
    status, body = await post(sandbox.api_url("not-a-token", "getMe"))

    assert (status, body["error_code"]) == (404, 404)


async def test_method_names_are_case_insensitive(sandbox, sandbox_client):
    created = await sandbox_client.create_bot()

    status, body = await post(sandbox.api_url(created.token, "GETME"))

    assert (status, body["result"]["id"]) == (200, created.id)


async def test_json_body_is_accepted_like_form_data(sandbox, sandbox_client):
    created = await sandbox_client.create_bot()
    await sandbox_client.send_message(created, ANN, "hi")
    url = sandbox.api_url(created.token, "sendMessage")

    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json={"chat_id": ANN.id, "text": "42"}) as response,
    ):
        body = await response.json()

    assert body["result"]["text"] == "42"


async def test_send_message_with_empty_text_is_a_bad_request(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")

    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(ANN.id, " ")


async def test_send_message_to_a_chat_that_never_wrote_is_chat_not_found(make_bot):
    bot = await make_bot()

    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(999, "hello")


async def test_text_that_looks_like_a_number_stays_text(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")

    sent = await bot.send_message(ANN.id, "42")

    assert sent.text == "42"


async def test_editing_a_missing_message_is_message_to_edit_not_found(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")

    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=ANN.id, message_id=77)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_reply_markup(chat_id=ANN.id, message_id=77)


async def test_deleting_a_message_twice_is_message_to_delete_not_found(make_bot, sandbox_client):
    bot = await make_bot()
    sent = await sandbox_client.send_message(bot.id, ANN, "hi")
    await bot.delete_message(ANN.id, sent["message_id"])

    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(ANN.id, sent["message_id"])


async def test_editing_to_the_same_content_is_message_is_not_modified(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")
    sent = await bot.send_message(ANN.id, "same")

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("same", chat_id=ANN.id, message_id=sent.message_id)


async def test_editing_a_users_message_is_refused(make_bot, sandbox_client):
    bot = await make_bot()
    sent = await sandbox_client.send_message(bot.id, ANN, "hi")

    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("x", chat_id=ANN.id, message_id=sent["message_id"])


async def test_broken_html_is_cant_parse_entities(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")

    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(ANN.id, "Pool <main> is down", parse_mode="HTML")


async def test_callback_data_over_64_bytes_is_button_data_invalid(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="y" * 65)]]
    )

    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(ANN.id, "menu", reply_markup=markup)


async def test_answering_a_callback_query_twice_is_refused(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
    )
    sent = await bot.send_message(ANN.id, "menu", reply_markup=markup)
    query = await sandbox_client.press_button(bot.id, ANN, sent.message_id, text="A")
    await bot.answer_callback_query(query["id"])

    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query(query["id"])


async def test_invalid_bot_command_is_refused(make_bot):
    bot = await make_bot()

    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad Command", description="x")])
