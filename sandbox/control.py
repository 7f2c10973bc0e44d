"""The control API under /sandbox: what tests and the demo use to drive the emulator."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from sandbox import actions
from sandbox.botapi import STATE_KEY
from sandbox.models import FAULT_KINDS, Fault, SandboxUser
from sandbox.state import BotState, SandboxError

routes = web.RouteTableDef()
ControlHandler = Callable[[web.Request], Awaitable[Any]]


def control(handler: ControlHandler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """JSON in and out; a SandboxError or bad input becomes {"error": ...}."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.Response:
        try:
            result = await handler(request)
        except SandboxError as error:
            return web.json_response({"error": str(error)}, status=error.status)
        except (KeyError, TypeError, ValueError) as error:
            return web.json_response({"error": f"bad request: {error!r}"}, status=400)
        if isinstance(result, web.Response):
            return result
        return web.json_response(result)

    return wrapper


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.body_exists:
        return {}
    try:
        body = await request.json()
    except json.JSONDecodeError:
        raise SandboxError("the body must be a JSON object") from None
    if not isinstance(body, dict):
        raise SandboxError("the body must be a JSON object")
    return body


def _bot(request: web.Request) -> BotState:
    return request.app[STATE_KEY].find(request.match_info["bot"])


@routes.get("/sandbox/bots")
@control
async def list_bots(request: web.Request) -> Any:
    return [bot.to_view() for bot in request.app[STATE_KEY].bots_by_id.values()]


@routes.post("/sandbox/bots")
@control
async def create_bot(request: web.Request) -> Any:
    body = await _body(request)
    bot = request.app[STATE_KEY].create_bot(
        token=body.get("token"), username=body.get("username"), first_name=body.get("first_name")
    )
    return bot.to_view()


@routes.post("/sandbox/bots/batch")
@control
async def create_bots(request: web.Request) -> Any:
    count = int((await _body(request)).get("count", 1))
    if not 1 <= count <= 100_000:
        raise SandboxError("count must be between 1 and 100000")
    state = request.app[STATE_KEY]
    return [state.create_bot().to_view() for _ in range(count)]


@routes.get("/sandbox/bots/{bot}")
@control
async def get_bot(request: web.Request) -> Any:
    return _bot(request).to_view()


@routes.post("/sandbox/bots/{bot}/ban")
@control
async def ban_bot(request: web.Request) -> Any:
    bot = _bot(request)
    bot.banned = True
    return bot.to_view()


@routes.post("/sandbox/bots/{bot}/restore")
@control
async def restore_bot(request: web.Request) -> Any:
    """Unban the bot and clear its faults."""
    bot = _bot(request)
    bot.banned = False
    bot.clear_faults()
    return bot.to_view()


@routes.post("/sandbox/bots/{bot}/revoke")
@control
async def revoke_token(request: web.Request) -> Any:
    """A new token for the bot, as @BotFather's /revoke gives; the old one gets 401."""
    return request.app[STATE_KEY].revoke_token(_bot(request)).to_view()


@routes.post("/sandbox/bots/{bot}/faults")
@control
async def add_fault(request: web.Request) -> Any:
    bot, body = _bot(request), await _body(request)
    bot.set_fault(_fault(body))
    return bot.to_view()


@routes.post("/sandbox/faults")
@control
async def add_fault_many(request: web.Request) -> Any:
    """One fault for many bots at once (`bots`: their ids; every bot when left out), so
    that a fleet of thousands is slowed in one call."""
    body, state = await _body(request), request.app[STATE_KEY]
    ids = body.pop("bots", None)
    fault = _fault(body)
    chosen = list(state.bots_by_id.values()) if ids is None else [state.find(int(i)) for i in ids]
    for bot in chosen:
        bot.set_fault(fault)
    return {"bots": len(chosen)}


def _fault(body: dict[str, Any]) -> Fault:
    kind = body.get("kind")
    if kind not in FAULT_KINDS:
        raise SandboxError(f"kind must be one of {FAULT_KINDS}, not {kind!r}")
    methods = body.get("methods")
    status = int(body.get("status", 502))
    if not 500 <= status <= 599:
        raise SandboxError("an error fault answers with a 5xx status")
    return Fault(
        kind=kind,
        methods=frozenset(str(m).lower() for m in methods) if methods is not None else None,
        delay_ms=max(int(body.get("delay_ms", 0)), 0),
        status=status,
        description=body.get("description"),
        retry_after=_retry_after(body.get("retry_after", 5)),
        html=bool(body.get("html", False)),
        hold_s=float(body.get("hold_s", 600.0)),
    )


def _retry_after(value: Any) -> int | None:
    return None if value is None else int(value)


@routes.post("/sandbox/bots/{bot}/webhook")
@control
async def set_webhook_state(request: web.Request) -> Any:
    """Say what getWebhookInfo reports, as the bot's funnel fares: any of `url` (""
    for a polling bot), `has_custom_certificate`, `pending_update_count` (null: count
    the bot's real update queue), `last_error_date` (Unix time; `"now"` for the
    sandbox's clock; null clears the error) and `last_error_message`. Fields left out
    keep their value."""
    bot, body = _bot(request), await _body(request)
    webhook = bot.webhook
    if "url" in body:
        url = str(body["url"] or "")
        if url and not url.startswith("https://"):
            raise SandboxError("a webhook URL must be https")
        webhook.url = url
    if "has_custom_certificate" in body:
        webhook.has_custom_certificate = bool(body["has_custom_certificate"])
    if "pending_update_count" in body:
        pending = body["pending_update_count"]
        if pending is not None and int(pending) < 0:
            raise SandboxError("pending_update_count cannot be negative")
        webhook.pending_update_count = None if pending is None else int(pending)
    if "last_error_date" in body:
        date = body["last_error_date"]
        webhook.last_error_date = int(time.time()) if date == "now" else _optional_int(date)
        if webhook.last_error_date is None:
            webhook.last_error_message = None
    if "last_error_message" in body:
        message = body["last_error_message"]
        webhook.last_error_message = None if message is None else str(message)
    if webhook.url:
        bot.new_update.fire()  # a long poll waiting now ends with 409, as at Telegram
    return bot.to_view()


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


@routes.delete("/sandbox/bots/{bot}/faults")
@control
async def clear_faults(request: web.Request) -> Any:
    bot = _bot(request)
    bot.clear_faults()
    return bot.to_view()


@routes.post("/sandbox/bots/{bot}/messages")
@control
async def user_sends_message(request: web.Request) -> Any:
    """A user writes to the bot; with `forward_from` (a user) the message is a forward."""
    bot, body = _bot(request), await _body(request)
    forward_from = body.get("forward_from")
    message, update_id = actions.send_text(
        bot,
        SandboxUser.from_api(body["user"]),
        str(body.get("text") or ""),
        entities=body.get("entities"),
        forward_from=SandboxUser.from_api(forward_from) if forward_from else None,
        forward_date=body.get("forward_date"),
    )
    return {"message": message.to_view(), "update_id": update_id}


@routes.post("/sandbox/bots/{bot}/callbacks")
@control
async def user_presses_button(request: web.Request) -> Any:
    bot, body = _bot(request), await _body(request)
    query, update_id = actions.press_button(
        bot,
        SandboxUser.from_api(body["user"]),
        int(body["message_id"]),
        callback_data=body.get("callback_data"),
        text=body.get("text"),
        forged=bool(body.get("forged", False)),
    )
    return {"callback_query": query, "update_id": update_id}


@routes.get("/sandbox/bots/{bot}/chats")
@control
async def list_chats(request: web.Request) -> Any:
    return [chat.to_api() for chat in _bot(request).chats.values()]


@routes.get("/sandbox/bots/{bot}/chats/{chat_id}/messages")
@control
async def chat_messages(request: web.Request) -> Any:
    """Messages of a chat, oldest first: the bot's only, unless ?include_user=1."""
    chat = _bot(request).chat(int(request.match_info["chat_id"]))
    include_user = request.query.get("include_user", "") in {"1", "true"}
    messages = chat.messages.values() if chat else []
    return [m.to_view() for m in messages if include_user or m.from_bot]


@routes.get("/sandbox/bots/{bot}/callback_answers")
@control
async def callback_answers(request: web.Request) -> Any:
    """Every button press the bot received, answered or not."""
    return [
        {
            "callback_query_id": record.id,
            "user_id": record.user.id,
            "chat_id": record.chat_id,
            "message_id": record.message_id,
            "data": record.data,
            "answered": record.answer is not None,
            **(record.answer or {}),
        }
        for record in _bot(request).callback_queries.values()
    ]


@routes.get("/sandbox/bots/{bot}/commands")
@control
async def commands(request: web.Request) -> Any:
    return [
        {"scope": json.loads(scope), "language_code": language or None, "commands": items}
        for (scope, language), items in _bot(request).commands.items()
    ]


@routes.get("/sandbox/bots/{bot}/requests")
@control
async def requests(request: web.Request) -> Any:
    """Calls per method, and the latest calls with their time and HTTP status."""
    bot = _bot(request)
    return {"counts": dict(bot.request_counts), "log": list(bot.request_log)}


@routes.get("/sandbox/bots/{bot}/updates")
@control
async def pending_updates(request: web.Request) -> Any:
    return list(_bot(request).updates)


@routes.get("/sandbox/bots/{bot}/files/{file_id}")
@control
async def file_content(request: web.Request) -> Any:
    content = _bot(request).files.get(request.match_info["file_id"])
    if content is None:
        raise SandboxError("no such file", status=404)
    return web.Response(body=content, content_type="application/octet-stream")


@routes.post("/sandbox/reset")
@control
async def reset(request: web.Request) -> Any:
    request.app[STATE_KEY].reset()
    return {"ok": True}
