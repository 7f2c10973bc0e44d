"""The control API: bots, users' actions, and reading back what happened."""

from __future__ import annotations

import pytest
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup, MessageOriginUser

from sandbox import BOTFATHER, SandboxRequestError, SandboxUser

ANN = SandboxUser(id=901, first_name="Ann", username="ann")
NEW_TOKEN = "7012345678:AAF9kXz0Qm1RrT2sU3vW4xY5zA6bC7dE8fG"


async def menu(bot, sandbox_client) -> int:
    await sandbox_client.send_message(bot.id, ANN, "/start")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text="Pools", callback_data="pools")],
            [InlineKeyboardButton(text="Docs", url="https://example.org/docs")],
        ]
    )
    sent = await bot.send_message(ANN.id, "Menu", reply_markup=markup)
    return sent.message_id


async def test_created_bot_gets_a_telegram_shaped_token(sandbox_client):
    created = await sandbox_client.create_bot()

    bot_id, secret = created.token.split(":")
    assert int(bot_id) == created.id
    assert len(secret) == 35


async def test_a_second_bot_with_the_same_id_is_refused(sandbox_client):
    await sandbox_client.create_bot(NEW_TOKEN)

    with pytest.raises(SandboxRequestError) as caught:
        await sandbox_client.create_bot(NEW_TOKEN.replace("AAF", "BBF"))

    assert caught.value.status == 409


async def test_bots_can_be_found_by_token_or_id(sandbox_client):
    created = await sandbox_client.create_bot(NEW_TOKEN, username="pool_bot")

    by_token = await sandbox_client.bot(NEW_TOKEN)
    by_id = await sandbox_client.bot(created.id)

    assert by_token == by_id
    assert by_id["username"] == "pool_bot"


async def test_pressing_a_button_the_message_lacks_fails_clearly(make_bot, sandbox_client):
    bot = await make_bot()
    message_id = await menu(bot, sandbox_client)

    with pytest.raises(SandboxRequestError, match="no button with callback_data='stats'"):
        await sandbox_client.press_button(bot.id, ANN, message_id, callback_data="stats")


async def test_pressing_a_url_button_fails_clearly(make_bot, sandbox_client):
    bot = await make_bot()
    message_id = await menu(bot, sandbox_client)

    with pytest.raises(SandboxRequestError, match="opens a URL"):
        await sandbox_client.press_button(bot.id, ANN, message_id, text="Docs")


async def test_pressing_a_button_of_a_missing_message_fails_with_404(make_bot, sandbox_client):
    bot = await make_bot()
    await menu(bot, sandbox_client)

    with pytest.raises(SandboxRequestError) as caught:
        await sandbox_client.press_button(bot.id, ANN, 999, callback_data="pools")

    assert caught.value.status == 404


async def test_button_press_reaches_the_bot_as_a_callback_query(make_bot, sandbox_client):
    bot = await make_bot()
    message_id = await menu(bot, sandbox_client)

    await sandbox_client.press_button(bot.id, ANN, message_id, text="Pools")

    *_, update = await bot.get_updates()
    query = update.callback_query
    assert (query.data, query.from_user.id, query.message.message_id) == (
        "pools",
        ANN.id,
        message_id,
    )


async def test_forward_from_botfather_carries_origin_and_token(make_bot, sandbox_client):
    bot = await make_bot()

    await sandbox_client.forward_from_botfather(bot.id, ANN, NEW_TOKEN, username="lead_bot")

    [update] = await bot.get_updates()
    message = update.message
    assert isinstance(message.forward_origin, MessageOriginUser)
    assert message.forward_origin.sender_user.id == BOTFATHER.id
    assert message.forward_origin.sender_user.username == "BotFather"
    assert f"Use this token to access the HTTP API:\n{NEW_TOKEN}\n" in message.text
    code = next(e for e in message.entities if e.type == "code")
    assert code.extract_from(message.text) == NEW_TOKEN


async def test_messages_list_shows_user_messages_only_on_request(make_bot, sandbox_client):
    bot = await make_bot()
    await menu(bot, sandbox_client)

    bot_only = await sandbox_client.messages(bot.id, ANN.id)
    everything = await sandbox_client.messages(bot.id, ANN.id, include_user=True)

    assert [m["text"] for m in bot_only] == ["Menu"]
    assert [(m["text"], m["from_bot"]) for m in everything] == [("/start", False), ("Menu", True)]


async def test_wait_for_message_times_out_with_what_it_saw(make_bot, sandbox_client):
    bot = await make_bot()
    await menu(bot, sandbox_client)

    with pytest.raises(TimeoutError, match="Menu"):
        await sandbox_client.wait_for_message(bot.id, ANN.id, contains="Stats", timeout_s=0.2)


async def test_wait_for_requests_counts_get_me_calls(make_bot, sandbox_client):
    bot = await make_bot()
    for _ in range(3):
        await bot.get_me()

    assert await sandbox_client.wait_for_requests(bot.id, "getMe", 3) == 3


async def test_reset_forgets_every_bot(sandbox_client):
    await sandbox_client.create_bots(3)

    await sandbox_client.reset()

    assert await sandbox_client.bots() == []


async def test_unknown_bot_is_a_404_for_the_control_api(sandbox_client):
    with pytest.raises(SandboxRequestError) as caught:
        await sandbox_client.ban(12345)

    assert caught.value.status == 404


async def test_unknown_fault_kind_is_refused(sandbox_client):
    created = await sandbox_client.create_bot()

    with pytest.raises(SandboxRequestError, match="kind must be one of"):
        await sandbox_client.add_fault(created, "explode")


async def test_revoking_a_token_gives_the_same_bot_a_new_one_and_the_old_gets_401(
    sandbox, sandbox_client
):
    import aiohttp

    created = await sandbox_client.create_bot(username="rotated_bot")

    renewed = await sandbox_client.revoke_token(created)

    assert (renewed.id, renewed.username) == (created.id, "rotated_bot")
    assert renewed.token != created.token and renewed.token.startswith(f"{created.id}:")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{sandbox.url}/bot{created.token}/getMe") as old:
            assert old.status == 401
        async with http.post(f"{sandbox.url}/bot{renewed.token}/getMe") as new:
            assert (await new.json())["result"]["username"] == "rotated_bot"
