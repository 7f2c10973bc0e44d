"""Bot tokens in the chat: any message carrying one is deleted at once, the token is
checked with getMe and stored encrypted, bad tokens get a clear answer, and no message
or log line ever shows a token."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from storage.models import Bot
from storage.repos import bots
from tests.plugins.control_bot import OPERATOR, OTHER, ControlBotDriver


async def stored_bots(driver: ControlBotDriver) -> list[Bot]:
    async with driver.sessions() as session:
        return list((await session.scalars(select(Bot).order_by(Bot.id))).all())


def secret_of(token: str) -> str:
    return token.split(":", 1)[1]


async def test_forwarded_botfather_message_is_deleted_and_the_bot_stored_encrypted(
    control_bot: ControlBotDriver,
) -> None:
    created = await control_bot.client.create_bot(username="leads_one_bot")
    forwarded = await control_bot.forward_from_botfather(
        OPERATOR, created.token, username="leads_one_bot"
    )
    reply = await control_bot.wait_reply(OPERATOR, "@leads_one_bot", after=forwarded)
    assert "adicionado" in reply["text"]
    assert control_bot.button_text(reply, "Verificar de novo")
    assert (await control_bot.message(OPERATOR, forwarded["message_id"]))["deleted"]
    [stored] = await stored_bots(control_bot)
    assert (stored.owner_id, stored.telegram_id, stored.username, stored.status) == (
        OPERATOR,
        created.id,
        "leads_one_bot",
        "online",
    )
    assert secret_of(created.token).encode() not in stored.token_encrypted
    assert bots.token_of(control_bot.cipher, stored) == created.token


async def test_addbot_with_the_token_as_argument_adds_the_bot_and_deletes_the_command(
    control_bot: ControlBotDriver,
) -> None:
    created = await control_bot.client.create_bot(username="leads_two_bot")
    sent = await control_bot.send(OPERATOR, f"/addbot {created.token}")
    await control_bot.wait_reply(OPERATOR, "@leads_two_bot", after=sent)
    assert (await control_bot.message(OPERATOR, sent["message_id"]))["deleted"]
    assert [b.username for b in await stored_bots(control_bot)] == ["leads_two_bot"]


async def test_addbot_alone_asks_for_the_token_until_one_comes_or_cancel(
    control_bot: ControlBotDriver,
) -> None:
    sent = await control_bot.send(OPERATOR, "/addbot", language_code="en")
    await control_bot.wait_reply(OPERATOR, "Send me the bot's token", after=sent)
    sent = await control_bot.send(OPERATOR, "hello there")
    await control_bot.wait_reply(OPERATOR, "I found no token", after=sent)
    assert not (await control_bot.message(OPERATOR, sent["message_id"]))["deleted"]
    created = await control_bot.client.create_bot(username="leads_three_bot")
    sent = await control_bot.send(OPERATOR, created.token)
    await control_bot.wait_reply(OPERATOR, "@leads_three_bot added", after=sent)
    sent = await control_bot.send(OPERATOR, "hello again")
    await control_bot.wait_reply(OPERATOR, "I did not understand", after=sent)


async def test_token_message_is_deleted_before_the_check_returns(
    control_bot: ControlBotDriver,
) -> None:
    created = await control_bot.client.create_bot(username="slow_check_bot")
    await control_bot.client.hang(created, methods=["getMe"], hold_s=30)
    forwarded = await control_bot.forward_from_botfather(OPERATOR, created.token)
    await control_bot.wait_deleted(OPERATOR, forwarded["message_id"])
    texts = await control_bot.sent_texts(OPERATOR)
    assert not any("slow_check_bot" in text for text in texts)  # getMe still held
    await control_bot.client.clear_faults(created)
    await control_bot.wait_reply(OPERATOR, "@slow_check_bot", after=forwarded)


async def test_bad_tokens_get_clear_answers_and_nothing_is_stored(
    control_bot: ControlBotDriver,
) -> None:
    revoked = await control_bot.client.create_bot(username="revoked_bot")
    await control_bot.client.ban(revoked)
    forwarded = await control_bot.forward_from_botfather(OPERATOR, revoked.token)
    await control_bot.wait_reply(OPERATOR, "O Telegram recusou esse token", after=forwarded)
    assert (await control_bot.message(OPERATOR, forwarded["message_id"]))["deleted"]

    sent = await control_bot.send(OPERATOR, "/addbot 12345:short")
    await control_bot.wait_reply(OPERATOR, "não parece um token", after=sent)
    assert (await control_bot.message(OPERATOR, sent["message_id"]))["deleted"]

    failing = await control_bot.client.create_bot(username="failing_bot")
    await control_bot.client.fail(failing, 502, methods=["getMe"])
    sent = await control_bot.send(OPERATOR, failing.token)
    await control_bot.wait_reply(OPERATOR, "Não consegui falar com o Telegram", after=sent)

    unknown = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"
    sent = await control_bot.send(OPERATOR, f"my token is {unknown}")
    await control_bot.wait_reply(OPERATOR, "recusou", after=sent)
    assert await stored_bots(control_bot) == []


async def test_already_registered_token_is_answered_for_its_owner_and_for_others(
    control_bot: ControlBotDriver,
) -> None:
    created = await control_bot.client.create_bot(username="twice_bot")
    sent = await control_bot.send(OPERATOR, created.token)
    await control_bot.wait_reply(OPERATOR, "@twice_bot adicionado", after=sent)
    sent = await control_bot.forward_from_botfather(OPERATOR, created.token)
    await control_bot.wait_reply(OPERATOR, "já está cadastrado por você", after=sent)
    sent = await control_bot.send(OTHER, created.token, language_code="en")
    await control_bot.wait_reply(OTHER, "already registered in botpool by another", after=sent)
    assert (await control_bot.message(OTHER, sent["message_id"]))["deleted"]
    assert [(b.username, b.owner_id) for b in await stored_bots(control_bot)] == [
        ("twice_bot", OPERATOR)
    ]


async def test_no_message_or_log_line_ever_shows_a_token(
    control_bot: ControlBotDriver, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good = await control_bot.client.create_bot(username="good_bot")
    banned = await control_bot.client.create_bot(username="banned_bot")
    await control_bot.client.ban(banned)
    tokens = [good.token, banned.token]
    for user, text in [
        (OPERATOR, good.token),
        (OPERATOR, f"/addbot {good.token}"),
        (OTHER, good.token),
        (OPERATOR, banned.token),
    ]:
        sent = await control_bot.send(user, text)
        await control_bot.wait_reply(user, after=sent)
    await control_bot.forward_from_botfather(OPERATOR, good.token)
    await control_bot.settle()

    texts = await control_bot.sent_texts(OPERATOR, OTHER)
    assert len(texts) >= 5
    for token in tokens:
        assert not any(secret_of(token) in text for text in texts)
        assert secret_of(token) not in caplog.text
    user_messages = [
        m for m in await control_bot.messages(OPERATOR, include_user=True) if not m["from_bot"]
    ]
    assert all(m["deleted"] for m in user_messages)
