"""The Bot API endpoint `/bot<token>/<method>`: token check, faults, then the method."""

from __future__ import annotations

import asyncio
from http import HTTPStatus

from aiohttp import web

from sandbox import methods_bot, methods_messages
from sandbox.models import Fault
from sandbox.params import ApiError, MethodTable, read_params
from sandbox.state import TOKEN_RE, BotState, SandboxState

STATE_KEY = web.AppKey("sandbox_state", SandboxState)
METHODS = MethodTable({**methods_bot.METHODS, **methods_messages.METHODS})
NGINX_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)

routes = web.RouteTableDef()


@routes.route("*", "/bot{token}/{method}")
async def bot_api(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE_KEY]
    token = request.match_info["token"]
    bot = state.bots_by_token.get(token)
    if bot is None:
        # Telegram answers 404 to a token that is not even shaped like one.
        if TOKEN_RE.match(token):
            return ApiError(401, "Unauthorized").to_response()
        return ApiError(404, "Not Found").to_response()
    method = request.match_info["method"]
    name, handler = METHODS.get(method.lower(), (method, None))
    entry = bot.record_request(name)
    try:
        response = await _apply_faults(state, bot, name)
        if response is None:
            if handler is None:
                raise ApiError(404, "Not Found")
            result = await handler(state, bot, await read_params(request))
            response = web.json_response({"ok": True, "result": result})
    except ApiError as error:
        response = error.to_response()
    entry["status"] = response.status
    return response


async def _apply_faults(state: SandboxState, bot: BotState, method: str) -> web.Response | None:
    """Sleep, hold or fail as the bot's faults say; None when the call may go on."""
    faults = bot.faults_for(method)
    for fault in faults:
        if fault.kind == "slow":
            await _pause(state, fault.delay_ms / 1000)
    for fault in faults:
        if fault.kind == "timeout":
            await _hold(state, bot, fault)
    if bot.banned or bot.removed:
        raise ApiError(401, "Unauthorized")
    for fault in faults:
        if fault.kind == "rate_limit":
            if fault.retry_after is None:
                raise ApiError(429, "Too Many Requests")
            raise ApiError(
                429,
                f"Too Many Requests: retry after {fault.retry_after}",
                {"retry_after": fault.retry_after},
            )
        if fault.kind == "error":
            reason = fault.description or HTTPStatus(fault.status).phrase
            if fault.html:
                page = NGINX_PAGE.format(code=fault.status, reason=reason)
                return web.Response(text=page, status=fault.status, content_type="text/html")
            raise ApiError(fault.status, reason)
    return None


async def _pause(state: SandboxState, seconds: float) -> None:
    """Sleep, but wake at once when the server shuts down."""
    try:
        async with asyncio.timeout(seconds):
            await state.closing.wait()
    except TimeoutError:
        return


async def _hold(state: SandboxState, bot: BotState, fault: Fault) -> None:
    """Keep the request until the client gives up, the fault is cleared or the server stops."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + fault.hold_s
    while fault in bot.faults and not bot.removed and not state.closing.is_set():
        remaining = deadline - loop.time()
        if remaining <= 0:
            break
        await bot.faults_changed.wait(remaining)
    if fault in bot.faults:
        raise ApiError(504, "Gateway Timeout")
