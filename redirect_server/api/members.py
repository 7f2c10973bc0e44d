"""/api/redirect-pools/{pool_id}/bots: which of the operator's bots serve a pool, and how."""

from __future__ import annotations

from aiohttp import web

from core.figures import is_ramping
from redirect_server.api import context
from redirect_server.api.body import body_id, path_id, read_object
from redirect_server.api.serializers import member_json
from storage.models import Member, utcnow
from storage.repos import members, pools, stats

routes = web.RouteTableDef()

ADD_FIELDS = ("bot_id", "weight", "priority", "hourly_cap")


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
    return web.json_response(await _answer(request, member), status=201)


@routes.patch("/redirect-pools/{pool_id}/bots/{bot_id}")
async def update_member(request: web.Request) -> web.Response:
    pool_id, bot_id = path_id(request, "pool_id"), path_id(request, "bot_id")
    body = await read_object(request, allowed=members.EDITABLE)
    async with context.unit_of_work(request) as session:
        member = await members.update(session, context.owner(request), pool_id, bot_id, **body)
    return web.json_response(await _answer(request, member))


async def _answer(request: web.Request, member: Member) -> dict[str, object]:
    """The member as it reads after the change, with its traffic of the last hour."""
    now = utcnow()
    async with context.reading(request) as session:
        redirects, returning = await stats.member_last_hour(
            session, member.pool_id, member.bot_id, now
        )
    window_s = context.settings(request).slow_start_s
    return member_json(
        member,
        redirects,
        returning_hour=returning,
        ramping_up=is_ramping(pools.ramp_from(member), now, window_s),
    )


@routes.delete("/redirect-pools/{pool_id}/bots/{bot_id}")
async def remove_member(request: web.Request) -> web.Response:
    pool_id, bot_id = path_id(request, "pool_id"), path_id(request, "bot_id")
    async with context.unit_of_work(request) as session:
        await members.remove(session, context.owner(request), pool_id, bot_id)
    return web.Response(status=204)
