"""A real aiogram Bot calls every method botpool uses, and parses the answers."""

from __future__ import annotations

import pytest
from aiogram.client.default import DefaultBotProperties
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    ReplyParameters,
)

from sandbox import SandboxUser

ANN = SandboxUser(id=501, first_name="Ann", username="ann", language_code="en")


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data)] for text, data in buttons
        ]
    )


async def test_get_me_describes_the_bot_created_with_that_token(make_bot):
    bot = await make_bot("123456789:AAHxyzxyzxyzxyzxyzxyzxyzxyzxyzxyzx", username="pool_one_bot")

    me = await bot.get_me()

    assert (me.id, me.is_bot, me.username) == (123456789, True, "pool_one_bot")


async def test_get_updates_returns_the_message_a_user_sent(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "/start ref42")

    [update] = await bot.get_updates()

    assert update.message.text == "/start ref42"
    assert update.message.chat.id == ANN.id
    assert update.message.from_user.language_code == "en"
    assert update.message.entities[0].type == "bot_command"


async def test_send_message_with_inline_keyboard_is_stored_and_parsed(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")

    sent = await bot.send_message(
        ANN.id,
        "Pick a pool",
        reply_markup=keyboard(("Pool A", "pool:1"), ("Pool B", "pool:2")),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )

    assert sent.reply_markup.inline_keyboard[1][0].callback_data == "pool:2"
    [stored] = await sandbox_client.messages(bot.id, ANN.id)
    assert stored["text"] == "Pick a pool"
    assert stored["keyboard"] == [
        [{"text": "Pool A", "callback_data": "pool:1", "url": None}],
        [{"text": "Pool B", "callback_data": "pool:2", "url": None}],
    ]


async def test_html_parse_mode_is_shown_as_plain_text_with_entities(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")

    sent = await bot.send_message(ANN.id, "<b>Pool</b> &lt;main&gt;", parse_mode="HTML")

    assert sent.text == "Pool <main>"
    assert sent.entities[0].type == "bold"
    assert sent.html_text == "<b>Pool</b> &lt;main&gt;"


async def test_send_message_replies_to_an_earlier_message(make_bot, sandbox_client):
    bot = await make_bot()
    question = await sandbox_client.send_message(bot.id, ANN, "which pool?")

    sent = await bot.send_message(
        ANN.id, "this one", reply_parameters=ReplyParameters(message_id=question["message_id"])
    )

    assert sent.reply_to_message.text == "which pool?"


async def test_edit_message_text_replaces_text_and_keyboard(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")
    sent = await bot.send_message(ANN.id, "old", reply_markup=keyboard(("A", "a")))

    edited = await bot.edit_message_text(
        "new", chat_id=ANN.id, message_id=sent.message_id, reply_markup=keyboard(("B", "b"))
    )

    assert edited.text == "new"
    assert edited.edit_date is not None
    [stored] = await sandbox_client.messages(bot.id, ANN.id)
    assert (stored["text"], stored["edited"]) == ("new", True)
    assert stored["keyboard"][0][0]["callback_data"] == "b"


async def test_edit_message_reply_markup_without_markup_removes_the_keyboard(
    make_bot, sandbox_client
):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")
    sent = await bot.send_message(ANN.id, "menu", reply_markup=keyboard(("A", "a")))

    edited = await bot.edit_message_reply_markup(chat_id=ANN.id, message_id=sent.message_id)

    assert edited.reply_markup is None
    [stored] = await sandbox_client.messages(bot.id, ANN.id)
    assert stored["keyboard"] == []


async def test_delete_message_marks_it_deleted(make_bot, sandbox_client):
    bot = await make_bot()
    token_message = await sandbox_client.send_message(bot.id, ANN, "123:secret")

    assert await bot.delete_message(ANN.id, token_message["message_id"]) is True

    [stored] = await sandbox_client.messages(bot.id, ANN.id, include_user=True)
    assert stored["deleted"] is True


async def test_send_photo_uploads_the_file_and_keeps_the_caption(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "qr please")
    png = b"\x89PNG\r\n\x1a\nfake"

    sent = await bot.send_photo(ANN.id, BufferedInputFile(png, "qr.png"), caption="Your link")

    assert sent.caption == "Your link"
    assert sent.photo[-1].file_size == len(png)
    [stored] = await sandbox_client.messages(bot.id, ANN.id)
    assert stored["photo"]["source"] == "upload"
    assert await sandbox_client.file(bot.id, stored["photo"]["file_id"]) == png


async def test_send_photo_accepts_a_known_file_id_and_a_url(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")
    first = await bot.send_photo(ANN.id, BufferedInputFile(b"img", "a.png"))

    again = await bot.send_photo(ANN.id, first.photo[-1].file_id)
    remote = await bot.send_photo(ANN.id, "https://example.org/chart.png")

    assert again.photo[-1].file_id == first.photo[-1].file_id
    assert remote.photo
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_photo(ANN.id, "unknown-file-id")


async def test_send_photo_reports_the_size_of_an_uploaded_png(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "chart please")
    png = _png(width=300, height=120)

    sent = await bot.send_photo(ANN.id, BufferedInputFile(png, "chart.png"))

    assert (sent.photo[-1].width, sent.photo[-1].height) == (300, 120)
    [stored] = await sandbox_client.messages(bot.id, ANN.id)
    assert stored["photo"]["file_name"] == "chart.png"
    assert await sandbox_client.photo(bot.id, stored) == png


async def test_send_document_uploads_the_file_with_its_name_and_caption(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "export please")
    content = b"hour,bot_id,username,count\n"

    sent = await bot.send_document(
        ANN.id, BufferedInputFile(content, "red1-counts.csv"), caption="Hourly counts"
    )

    assert sent.document is not None
    assert sent.document.file_name == "red1-counts.csv"
    assert sent.document.mime_type == "text/csv"
    assert sent.document.file_size == len(content)
    assert sent.caption == "Hourly counts"
    [stored] = await sandbox_client.messages(bot.id, ANN.id)
    assert stored["caption"] == "Hourly counts"
    assert await sandbox_client.document(bot.id, stored) == ("red1-counts.csv", content)


async def test_send_document_accepts_a_known_file_id_and_refuses_an_unknown_one(
    make_bot, sandbox_client
):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")
    first = await bot.send_document(ANN.id, BufferedInputFile(b"a,b\n", "x.csv"))
    assert first.document is not None

    again = await bot.send_document(ANN.id, first.document.file_id)

    assert again.document is not None
    assert again.document.file_name == "x.csv"
    with pytest.raises(TelegramBadRequest, match="wrong file identifier"):
        await bot.send_document(ANN.id, "unknown-file-id")


def _png(width: int, height: int) -> bytes:
    """A valid PNG of the given size (one grey row repeated), written by hand for the
    sandbox's header check."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = (b"\x00" + b"\x80" * width) * height
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_set_my_commands_is_stored_per_scope_and_language(make_bot, sandbox_client):
    bot = await make_bot()

    await bot.set_my_commands([BotCommand(command="start", description="Start")])
    await bot.set_my_commands(
        [BotCommand(command="pools", description="Pools")],
        scope=BotCommandScopeAllPrivateChats(),
        language_code="en",
    )

    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    english = await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats(), language_code="en")
    assert [c.command for c in english] == ["pools"]
    stored = await sandbox_client.commands(bot.id)
    assert {(s["scope"]["type"], s["language_code"]) for s in stored} == {
        ("default", None),
        ("all_private_chats", "en"),
    }


async def test_delete_webhook_with_drop_pending_updates_empties_the_queue(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "old news")

    assert await bot.delete_webhook(drop_pending_updates=True) is True

    assert await bot.get_updates() == []


async def test_answer_callback_query_is_recorded(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")
    sent = await bot.send_message(ANN.id, "menu", reply_markup=keyboard(("A", "a")))
    query = await sandbox_client.press_button(bot.id, ANN, sent.message_id, callback_data="a")

    assert await bot.answer_callback_query(query["id"], text="Done", show_alert=True) is True

    [answer] = await sandbox_client.callback_answers(bot.id)
    assert (answer["answered"], answer["text"], answer["show_alert"]) == (True, "Done", True)


async def test_default_parse_mode_of_the_bot_applies_to_its_messages(make_bot, sandbox_client):
    bot = await make_bot(default=DefaultBotProperties(parse_mode="HTML"))
    await sandbox_client.send_message(bot.id, ANN, "hi")

    await bot.send_message(ANN.id, "<i>Pool paused</i>")

    [stored] = await sandbox_client.messages(bot.id, ANN.id)
    assert (stored["text"], stored["parse_mode"]) == ("Pool paused", "HTML")
