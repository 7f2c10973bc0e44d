"""/api/bots: the operator's bots. A token goes in once, checked with getMe, and
never comes back out."""

from __future__ import annotations

from aiohttp import web

from core.errors import Invalid
from core.tokens import find_token
from redirect_server import keys
from redirect_server.api import context
from redirect_server.api.body import path_id, read_object
from redirect_server.api.errors import ApiError
from redirect_server.api.serializers import bot_json
from storage.repos import bots

routes = web.RouteTableDef()


def _token(value: object) -> str:
    token = value.strip() if isinstance(value, str) else ""
    if find_token(token) != token:
        raise Invalid("token", "not a bot token (expected <digits>:<secret> from @BotFather)")
    return token


@routes.post("/bots")
async def add_bot(request: web.Request) -> web.Response:
    check_token = request.config_dict.get(keys.CHECK_TOKEN)
    if check_token is None:
        raise ApiError(503, "token_check_unavailable", "bots cannot be added on this server")
    body = await read_object(request, allowed={"token"}, required={"token"})
    identity = await check_token(_token(body["token"]))
    async with context.unit_of_work(request) as session:
        bot = await bots.register(
            session,
            request.config_dict[keys.CIPHER],
            context.owner(request),
            telegram_id=identity.telegram_id,
            username=identity.username,
            token=identity.token,
        )
    return web.json_response(bot_json(bot), status=201)


@routes.get("/bots")
async def list_bots(request: web.Request) -> web.Response:
    async with context.reading(request) as session:
        rows = await bots.list_owned(session, context.owner(request))
    return web.json_response([bot_json(bot) for bot in rows])


@routes.delete("/bots/{bot_id}")
async def delete_bot(request: web.Request) -> web.Response:
    bot_id = path_id(request, "bot_id")
    async with context.unit_of_work(request) as session:
        await bots.delete_owned(session, context.owner(request), bot_id)
    return web.Response(status=204)
