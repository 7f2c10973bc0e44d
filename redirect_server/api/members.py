"""/api/redirect-pools/{pool_id}/bots: which of the operator's bots serve a pool, and how."""

from __future__ import annotations

from aiohttp import web

from redirect_server.api import context
from redirect_server.api.body import body_id, path_id, read_object
from redirect_server.api.serializers import member_json
from storage.models import utcnow
from storage.repos import counts, members

routes = web.RouteTableDef()

ADD_FIELDS = ("bot_id", "weight", "priority")


@routes.post("/redirect-pools/{pool_id}/bots")
async def add_member(request: web.Request) -> web.Response:
    pool_id = path_id(request, "pool_id")
    body = await read_object(request, allowed=ADD_FIELDS, required=("bot_id",))
    bot_id = body_id(body.pop("bot_id"), "bot_id")
    max_per_pool = context.settings(request).max_bots_per_pool
    async with context.unit_of_work(request) as session:
        member = await members.add(
            session,
            context.owner(request),
            pool_id,
            bot_id,
            max_per_pool=max_per_pool,
            **body,  # type: ignore[arg-type]
        )
        redirects = await counts.pool_last_hour(session, pool_id, utcnow())
    return web.json_response(member_json(member, redirects.get(bot_id, 0)), status=201)


@routes.patch("/redirect-pools/{pool_id}/bots/{bot_id}")
async def update_member(request: web.Request) -> web.Response:
    pool_id, bot_id = path_id(request, "pool_id"), path_id(request, "bot_id")
    body = await read_object(request, allowed=members.EDITABLE)
    async with context.unit_of_work(request) as session:
        member = await members.update(session, context.owner(request), pool_id, bot_id, **body)
        redirects = await counts.pool_last_hour(session, pool_id, utcnow())
    return web.json_response(member_json(member, redirects.get(bot_id, 0)))


@routes.delete("/redirect-pools/{pool_id}/bots/{bot_id}")
async def remove_member(request: web.Request) -> web.Response:
    pool_id, bot_id = path_id(request, "pool_id"), path_id(request, "bot_id")
    async with context.unit_of_work(request) as session:
        await members.remove(session, context.owner(request), pool_id, bot_id)
    return web.Response(status=204)
