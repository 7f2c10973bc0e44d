"""Alert delivery: queued, in order, retried when Telegram says so, never raised."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from bot_manager.notifier import Notifier
from sandbox import Sandbox

USER = 8101


@pytest.fixture
async def notifier_bot(sandbox: Sandbox) -> AsyncIterator[Bot]:
    """The control bot, with HTML as its default parse mode (as a control bot may have),
    and a chat USER has opened with it."""
    created = await sandbox.client.create_bot(username="control_bot")
    bot = Bot(
        created.token,
        session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url)),
        default=DefaultBotProperties(parse_mode="HTML"),
    )
    await sandbox.client.send_message(created.id, USER, "/start")
    try:
        yield bot
    finally:
        await bot.session.close()


@pytest.fixture
async def notifier(notifier_bot: Bot) -> AsyncIterator[Notifier]:
    notifier = Notifier(notifier_bot, attempts=4, backoff_s=0.05, max_backoff_s=0.1)
    try:
        yield notifier
    finally:
        await notifier.close(grace_s=1)


async def texts(sandbox: Sandbox, bot: Bot, chat_id: int = USER) -> list[str]:
    return [m["text"] for m in await sandbox.client.messages(bot.id, chat_id)]


async def test_messages_arrive_in_order_as_plain_text_whatever_the_bots_default_parse_mode(
    sandbox, notifier_bot, notifier
):
    await notifier.send(USER, "Pool '<b>vip</b> & co': health 50%")
    await notifier.send(USER, "second")

    assert await notifier.drain(5)
    assert await texts(sandbox, notifier_bot) == ["Pool '<b>vip</b> & co': health 50%", "second"]
    assert (notifier.delivered, notifier.dropped, notifier.pending) == (2, 0, 0)


async def test_send_returns_before_delivery(sandbox, notifier_bot, notifier):
    await sandbox.client.hang(notifier_bot.id, methods=["sendMessage"])

    await notifier.send(USER, "held")

    assert notifier.pending == 1
    assert not await notifier.drain(0.2)
    await sandbox.client.clear_faults(notifier_bot.id)
    assert await notifier.drain(5)
    assert await texts(sandbox, notifier_bot) == ["held"]


async def test_flood_control_is_waited_out_then_the_alert_is_delivered(
    sandbox, notifier_bot, notifier
):
    await sandbox.client.rate_limit(notifier_bot.id, retry_after=1, methods=["sendMessage"])
    await notifier.send(USER, "after the flood")
    await sandbox.client.wait_for_requests(notifier_bot.id, "sendMessage", 1)
    await sandbox.client.clear_faults(notifier_bot.id)

    assert await notifier.drain(5)
    assert await texts(sandbox, notifier_bot) == ["after the flood"]
    assert await sandbox.client.request_count(notifier_bot.id, "sendMessage") == 2


@pytest.mark.parametrize("html", [False, True], ids=["json-5xx", "nginx-page"])
async def test_server_errors_are_retried_until_delivered(sandbox, notifier_bot, notifier, html):
    await sandbox.client.fail(notifier_bot.id, 502, html=html, methods=["sendMessage"])
    await notifier.send(USER, "eventually")
    await sandbox.client.wait_for_requests(notifier_bot.id, "sendMessage", 2)
    await sandbox.client.clear_faults(notifier_bot.id)

    assert await notifier.drain(5)
    assert await texts(sandbox, notifier_bot) == ["eventually"]
    assert notifier.delivered == 1


async def test_delivery_gives_up_after_its_attempts_and_goes_on_with_the_next(
    sandbox, notifier_bot, notifier
):
    await sandbox.client.fail(notifier_bot.id, 500, methods=["sendMessage"])
    await notifier.send(USER, "lost")
    await sandbox.client.wait_for_requests(notifier_bot.id, "sendMessage", 4)
    assert await notifier.drain(5)
    await sandbox.client.clear_faults(notifier_bot.id)

    await notifier.send(USER, "next")

    assert await notifier.drain(5)
    assert await texts(sandbox, notifier_bot) == ["next"]
    assert await sandbox.client.request_count(notifier_bot.id, "sendMessage") == 5
    assert (notifier.delivered, notifier.dropped) == (1, 1)


async def test_a_chat_that_never_opened_the_bot_is_given_up_without_retries(
    sandbox, notifier_bot, notifier
):
    await notifier.send(424242, "nobody")
    await notifier.send(USER, "somebody")

    assert await notifier.drain(5)
    assert await texts(sandbox, notifier_bot) == ["somebody"]
    assert await sandbox.client.request_count(notifier_bot.id, "sendMessage") == 2
    assert (notifier.delivered, notifier.dropped) == (1, 1)


async def test_a_user_who_blocked_the_bot_is_given_up_without_retries():
    """The sandbox has no blocked users: a one-route Bot API answering 403 stands in."""
    calls: list[str] = []

    async def blocked(request: web.Request) -> web.Response:
        calls.append(request.match_info["method"])
        body = {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"}
        return web.json_response(body, status=403)

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", blocked)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    bot = Bot(
        "42:blocked",
        session=AiohttpSession(api=TelegramAPIServer.from_base(f"http://{host}:{port}")),
    )
    notifier = Notifier(bot, attempts=5, backoff_s=0.05)
    try:
        await notifier.send(USER, "you blocked me")
        assert await notifier.drain(5)
    finally:
        await notifier.close()
        await bot.session.close()
        await runner.cleanup()

    assert calls == ["sendMessage"]
    assert (notifier.delivered, notifier.dropped) == (0, 1)


async def test_close_gives_up_on_what_cannot_be_delivered_within_its_grace(sandbox, notifier_bot):
    notifier = Notifier(notifier_bot, attempts=1000, backoff_s=0.05, max_backoff_s=0.05)
    await sandbox.client.fail(notifier_bot.id, 503, methods=["sendMessage"])
    await notifier.send(USER, "stuck")
    await notifier.send(USER, "queued behind")

    await notifier.close(grace_s=0.2)
    await notifier.send(USER, "too late")

    assert (notifier.delivered, notifier.dropped, notifier.pending) == (0, 3, 0)
    assert await notifier.drain(0)
    await sandbox.client.clear_faults(notifier_bot.id)
    assert await texts(sandbox, notifier_bot) == []


def test_a_notifier_needs_at_least_one_attempt():
    with pytest.raises(ValueError, match="attempts"):
        Notifier(None, attempts=0)  # type: ignore[arg-type]


async def test_a_picture_is_queued_in_order_and_retried_through_flood_control(
    sandbox, notifier_bot, notifier
):
    png = b"\x89PNG\r\n\x1a\nchart"
    await sandbox.client.rate_limit(notifier_bot.id, retry_after=1, methods=["sendPhoto"])
    await notifier.send(USER, "digest <b>text</b>")
    await notifier.send_photo(USER, png, "chart of <red1>", filename="red1.png")
    await sandbox.client.wait_for_requests(notifier_bot.id, "sendPhoto", 1)
    await sandbox.client.clear_faults(notifier_bot.id)

    assert await notifier.drain(10)
    text, photo = await sandbox.client.messages(notifier_bot.id, USER)
    assert text["text"] == "digest <b>text</b>"
    assert photo["caption"] == "chart of <red1>"
    assert photo["photo"]["file_name"] == "red1.png"
    assert await sandbox.client.photo(notifier_bot.id, photo) == png
    assert await sandbox.client.request_count(notifier_bot.id, "sendPhoto") == 2
    assert (notifier.delivered, notifier.dropped) == (2, 0)
