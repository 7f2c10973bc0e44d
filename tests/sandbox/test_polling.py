"""getUpdates long polling, and an aiogram Dispatcher driven through the sandbox."""

from __future__ import annotations

import asyncio

import pytest
from aiogram import Dispatcher, F
from aiogram.exceptions import TelegramConflictError
from aiogram.filters import CommandStart
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from sandbox import SandboxUser

ANN = SandboxUser(id=701, first_name="Ann", language_code="pt-br")


async def test_updates_are_redelivered_until_a_higher_offset_confirms_them(
    make_bot, sandbox_client
):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "one")
    await sandbox_client.send_message(bot.id, ANN, "two")

    first = await bot.get_updates()
    again = await bot.get_updates()
    after = await bot.get_updates(offset=first[-1].update_id + 1)

    assert [u.message.text for u in first] == ["one", "two"]
    assert [u.update_id for u in again] == [u.update_id for u in first]
    assert after == []


async def test_limit_caps_the_number_of_updates_returned(make_bot, sandbox_client):
    bot = await make_bot()
    for text in ("a", "b", "c"):
        await sandbox_client.send_message(bot.id, ANN, text)

    updates = await bot.get_updates(limit=2)

    assert [u.message.text for u in updates] == ["a", "b"]


async def test_long_poll_wakes_when_an_update_arrives(make_bot, sandbox_client):
    bot = await make_bot()
    waiting = asyncio.create_task(bot.get_updates(timeout=30))
    await sandbox_client.wait_for_requests(bot.id, "getUpdates")

    await sandbox_client.send_message(bot.id, ANN, "wake up")

    updates = await asyncio.wait_for(waiting, 5)
    assert [u.message.text for u in updates] == ["wake up"]


async def test_long_poll_with_nothing_to_say_returns_an_empty_list(make_bot):
    bot = await make_bot()

    assert await bot.get_updates(timeout=1) == []


async def test_newer_get_updates_ends_the_older_one_with_conflict(make_bot, sandbox_client):
    bot = await make_bot()
    older = asyncio.create_task(bot.get_updates(timeout=30))
    await sandbox_client.wait_for_requests(bot.id, "getUpdates")

    await bot.get_updates()

    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(older, 5)


async def test_updates_outside_allowed_updates_are_not_queued(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="A", callback_data="a")]]
    )
    sent = await bot.send_message(ANN.id, "menu", reply_markup=markup)
    [update] = await bot.get_updates(allowed_updates=["message"])

    press = await sandbox_client.press_button(bot.id, ANN, sent.message_id, callback_data="a")

    assert press["update_id"] is None
    assert await bot.get_updates(offset=update.update_id + 1) == []


async def test_dispatcher_answers_a_message_injected_through_the_control_api(
    make_bot, sandbox_client, run_polling
):
    bot = await make_bot()
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer(f"Olá, {message.from_user.first_name}")

    async with run_polling(dp, bot):
        sent = await sandbox_client.send_message(bot.id, ANN, "/start")
        reply = await sandbox_client.wait_for_message(bot.id, ANN.id, after=sent["message_id"])

    assert reply["text"] == "Olá, Ann"


async def test_dispatcher_handles_a_button_press_and_its_answer_is_recorded(
    make_bot, sandbox_client, run_polling
):
    bot = await make_bot()
    dp = Dispatcher()
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Pause pool", callback_data="pause:7")]]
    )

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        await message.answer("Pool 7", reply_markup=markup)

    @dp.callback_query(F.data.startswith("pause:"))
    async def pause(callback: CallbackQuery) -> None:
        await callback.message.edit_text("Pool 7 paused")
        await callback.answer("Paused")

    async with run_polling(dp, bot):
        await sandbox_client.send_message(bot.id, ANN, "/start")
        card = await sandbox_client.wait_for_message(bot.id, ANN.id, contains="Pool 7")
        query = await sandbox_client.press_button(
            bot.id, ANN, card["message_id"], text="Pause pool"
        )
        answer = await sandbox_client.wait_for_callback_answer(bot.id, query["id"])
        edited = await sandbox_client.wait_for_message(bot.id, ANN.id, contains="paused")

    assert answer["text"] == "Paused"
    assert (edited["message_id"], edited["edited"], edited["keyboard"]) == (
        card["message_id"],
        True,
        [],
    )
