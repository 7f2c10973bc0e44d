"""What a simulated user does to a bot: write, forward, press a button."""

from __future__ import annotations

import hashlib
import secrets
import time
from typing import Any

from sandbox.markup import command_entities
from sandbox.models import CallbackQueryRecord, SandboxUser, StoredMessage
from sandbox.state import BotState, SandboxError, new_message


def send_text(
    bot: BotState,
    user: SandboxUser,
    text: str,
    *,
    entities: list[dict[str, Any]] | None = None,
    forward_from: SandboxUser | None = None,
    forward_date: int | None = None,
) -> tuple[StoredMessage, int | None]:
    """The user writes (or forwards) `text` to the bot; returns the message and its update id."""
    if not text:
        raise SandboxError("text is empty")
    chat = bot.open_chat(user)
    origin = None
    if forward_from is not None:
        origin = {
            "type": "user",
            "sender_user": forward_from.to_api(),
            "date": forward_date or int(time.time()),
        }
    if entities is None and origin is None:
        entities = command_entities(text)
    message = new_message(chat, user, text=text, entities=entities, forward_origin=origin)
    update_id = bot.push_update("message", message.to_api(chat.to_api()))
    return message, update_id


def press_button(
    bot: BotState,
    user: SandboxUser,
    message_id: int,
    *,
    callback_data: str | None = None,
    text: str | None = None,
    forged: bool = False,
) -> tuple[dict[str, Any], int | None]:
    """The user presses an inline button of a bot message in their chat.

    The button is found by its callback_data, its text, or both; returns the
    CallbackQuery as the bot receives it and the update id. `forged`: send
    `callback_data` whether or not the message has such a button, as a modified
    client can (to test that the bot re-checks what a press names).
    """
    if callback_data is None and text is None:
        raise SandboxError("name the button by callback_data or text")
    chat = bot.chat(user.id)
    message = chat.messages.get(message_id) if chat else None
    if chat is None or message is None or message.deleted:
        raise SandboxError(f"no message {message_id} in the chat with user {user.id}", 404)
    if not message.from_bot:
        raise SandboxError(f"message {message_id} was written by the user, not the bot")
    buttons = [button for row in message.keyboard() for button in row]
    if forged:
        if not callback_data:
            raise SandboxError("a forged press needs callback_data")
        buttons = [{"text": "(forged)", "callback_data": callback_data, "url": None}]
    matches = [
        button
        for button in buttons
        if (callback_data is None or button["callback_data"] == callback_data)
        and (text is None or button["text"] == text)
    ]
    if not matches:
        wanted = f"callback_data={callback_data!r}" if text is None else f"text={text!r}"
        raise SandboxError(f"message {message_id} has no button with {wanted}; buttons: {buttons}")
    button = matches[0]
    if button["callback_data"] is None:
        raise SandboxError(f"button {button['text']!r} opens a URL; it has no callback_data")
    query_id = str(secrets.randbits(62))
    bot.callback_queries[query_id] = CallbackQueryRecord(
        id=query_id,
        user=user,
        chat_id=chat.id,
        message_id=message_id,
        data=button["callback_data"],
    )
    query = {
        "id": query_id,
        "from": user.to_api(),
        "message": message.to_api(chat.to_api()),
        "chat_instance": _chat_instance(bot.id, chat.id),
        "data": button["callback_data"],
    }
    return query, bot.push_update("callback_query", query)


def _chat_instance(bot_id: int, chat_id: int) -> str:
    digest = hashlib.sha256(f"{bot_id}:{chat_id}".encode()).digest()
    return str(int.from_bytes(digest[:8], "big") >> 1)
