"""Bot API methods about the bot itself: getMe, getUpdates, webhook, commands, callbacks."""

from __future__ import annotations

import asyncio
import json
import re
import time
from typing import Any

from sandbox.params import ApiError, MethodTable, Params, bad_request
from sandbox.state import DEFAULT_UPDATE_TYPES, BotState, SandboxState

METHODS = MethodTable()
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)


@METHODS("getMe")
async def get_me(state: SandboxState, bot: BotState, p: Params) -> dict[str, Any]:
    return bot.get_me()


@METHODS("getUpdates")
async def get_updates(state: SandboxState, bot: BotState, p: Params) -> list[dict[str, Any]]:
    """Long polling: answers as soon as an update is queued, or after `timeout` seconds.

    Updates stay queued until a later call confirms them with a higher offset. A newer
    call ends an older one still waiting with 409, as Telegram does; so does a bot
    with a webhook set.
    """
    if bot.webhook.url:
        raise ApiError(409, WEBHOOK_ACTIVE)
    limit = min(max(p.integer("limit") or 100, 1), 100)
    timeout = max(p.integer("timeout") or 0, 0)
    allowed = p.obj("allowed_updates")
    if allowed is not None:
        if not isinstance(allowed, list):
            raise bad_request("can't parse allowed updates")
        bot.allowed_updates = frozenset(allowed) or DEFAULT_UPDATE_TYPES
    bot.confirm_updates(p.integer("offset"))
    bot.poll_generation += 1
    generation = bot.poll_generation
    bot.new_update.fire()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        if bot.removed:
            raise ApiError(401, "Unauthorized")
        if bot.webhook.url:
            raise ApiError(409, WEBHOOK_ACTIVE)
        if generation != bot.poll_generation:
            raise ApiError(409, CONFLICT)
        updates = bot.pending_updates(limit)
        remaining = deadline - loop.time()
        if updates or remaining <= 0 or state.closing.is_set():
            return updates
        await bot.new_update.wait(remaining)


@METHODS("setWebhook")
async def set_webhook(state: SandboxState, bot: BotState, p: Params) -> bool:
    """Telegram wants an https URL; an empty one removes the webhook. Nothing is ever
    delivered to it: a test says how delivery goes through the control API
    (`POST /sandbox/bots/{bot}/webhook`). A new URL forgets the last delivery error."""
    url = p.text("url") or ""
    if url and not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    if url != bot.webhook.url:
        bot.webhook.last_error_date = bot.webhook.last_error_message = None
    bot.webhook.url = url
    bot.webhook.has_custom_certificate = url != "" and p.raw("certificate") is not None
    bot.webhook.max_connections = p.integer("max_connections") or 40
    if p.flag("drop_pending_updates"):
        bot.updates.clear()
    if url:
        bot.poll_generation += 1  # a long poll waiting now ends with 409
        bot.new_update.fire()
    return True


@METHODS("deleteWebhook")
async def delete_webhook(state: SandboxState, bot: BotState, p: Params) -> bool:
    bot.webhook.url = ""
    bot.webhook.has_custom_certificate = False
    if p.flag("drop_pending_updates"):
        bot.updates.clear()
    return True


@METHODS("getWebhookInfo")
async def get_webhook_info(state: SandboxState, bot: BotState, p: Params) -> dict[str, Any]:
    """`url` (empty for a bot that uses getUpdates), `has_custom_certificate`,
    `pending_update_count` and, once a delivery failed, `last_error_date` and
    `last_error_message`. It changes nothing, as at Telegram."""
    return bot.webhook_info()


def _commands_key(p: Params) -> tuple[str, str]:
    scope = p.obj("scope") or {"type": "default"}
    if not isinstance(scope, dict) or "type" not in scope:
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), p.text("language_code") or ""


@METHODS("setMyCommands")
async def set_my_commands(state: SandboxState, bot: BotState, p: Params) -> bool:
    commands = p.obj("commands")
    if not isinstance(commands, list):
        raise bad_request("can't parse commands JSON object")
    stored = []
    for item in commands:
        if not isinstance(item, dict):
            raise bad_request("can't parse BotCommand JSON object")
        command, description = item.get("command"), item.get("description")
        if not isinstance(command, str) or not COMMAND_RE.match(command):
            raise bad_request("BOT_COMMAND_INVALID")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        stored.append({"command": command, "description": description})
    key = _commands_key(p)
    if stored:
        bot.commands[key] = stored
    else:
        bot.commands.pop(key, None)
    return True


@METHODS("getMyCommands")
async def get_my_commands(state: SandboxState, bot: BotState, p: Params) -> list[dict[str, str]]:
    return bot.commands.get(_commands_key(p), [])


@METHODS("deleteMyCommands")
async def delete_my_commands(state: SandboxState, bot: BotState, p: Params) -> bool:
    bot.commands.pop(_commands_key(p), None)
    return True


@METHODS("answerCallbackQuery")
async def answer_callback_query(state: SandboxState, bot: BotState, p: Params) -> bool:
    record = bot.callback_queries.get(p.text("callback_query_id") or "")
    if record is None or record.answer is not None:
        raise bad_request("query is too old and response timeout expired or query ID is invalid")
    text = p.text("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    record.answer = {
        "text": text,
        "show_alert": p.flag("show_alert"),
        "url": p.text("url"),
        "cache_time": p.integer("cache_time") or 0,
        "at": time.time(),
    }
    return True
