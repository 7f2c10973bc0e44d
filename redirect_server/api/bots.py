"""/api/bots: the operator's bots. A token goes in once, checked with getMe, and
never comes back out."""

from __future__ import annotations

import logging

from aiohttp import web

from core.errors import Invalid
from core.tokens import find_token
from redirect_server import keys
from redirect_server.api import context
from redirect_server.api.body import path_id, read_object
from redirect_server.api.errors import ApiError
from redirect_server.api.serializers import bot_json
from storage.repos import bots, registrations
from storage.repos.registrations import Added, AddedBot

log = logging.getLogger(__name__)

routes = web.RouteTableDef()


def _token(value: object) -> str:
    token = value.strip() if isinstance(value, str) else ""
    if find_token(token) != token:
        raise Invalid("token", "not a bot token (expected <digits>:<secret> from @BotFather)")
    return token


@routes.post("/bots")
async def add_bot(request: web.Request) -> web.Response:
    """201 with a new bot (or another operator's, taken over because Telegram rejects
    the token they stored); 200 with one's own bot, now on the token given (SPEC §11).
    Telegram is asked before the transaction opens, never inside it."""
    check_token = request.config_dict.get(keys.CHECK_TOKEN)
    if check_token is None:
        raise ApiError(503, "token_check_unavailable", "bots cannot be added on this server")
    body = await read_object(request, allowed={"token"}, required={"token"})
    identity = await check_token(_token(body["token"]))
    cipher = request.config_dict[keys.CIPHER]
    async with request.config_dict[keys.SESSIONS]() as session:
        rival = await registrations.rival(session, context.owner(request), identity.telegram_id)
    registration = await registrations.if_revoked(rival, cipher, check_token)
    async with context.unit_of_work(request) as session:
        added = await registrations.add(
            session, cipher, context.owner(request), identity, take_over=registration
        )
    if added.outcome is Added.TAKEN_OVER:
        await _tell_previous_owner(request, added)
    status = 200 if added.outcome in (Added.SAME, Added.REPLACED) else 201
    return web.json_response(bot_json(added.bot), status=status)


async def _tell_previous_owner(request: web.Request, added: AddedBot) -> None:
    tell = request.config_dict.get(keys.ON_TAKE_OVER)
    if tell is None:  # a replica has no control bot to tell them with
        log.warning(
            "bot @%s moved from operator %s, who could not be told (no control bot here)",
            added.bot.username,
            added.previous_owner,
        )
        return
    await tell(added)


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
