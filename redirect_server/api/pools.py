"""/api/redirect-pools: create, read, change and delete pools, and their status."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from core.errors import Invalid, NotFound
from core.figures import pool_status, ramping_bots
from redirect_server.api import context
from redirect_server.api.body import body_id, path_id, read_object
from redirect_server.api.serializers import pool_json, pool_with_members_json, status_json
from storage.models import Pool, utcnow
from storage.repos import counts, pools, stats

routes = web.RouteTableDef()

CREATE_FIELDS = ("name", "slug", "strategy", "start_param", "fallback_url", "sticky_days")


@routes.post("/redirect-pools")
async def create_pool(request: web.Request) -> web.Response:
    body = await read_object(request, allowed=CREATE_FIELDS, required=("name", "slug"))
    async with context.unit_of_work(request) as session:
        pool = await pools.create(session, context.owner(request), **body)  # type: ignore[arg-type]
    return web.json_response(pool_json(pool, context.settings(request).public_url), status=201)


@routes.get("/redirect-pools")
async def list_pools(request: web.Request) -> web.Response:
    async with context.reading(request) as session:
        rows = await pools.list_owned(session, context.owner(request))
    public_url = context.settings(request).public_url
    return web.json_response([pool_json(pool, public_url) for pool in rows])


@routes.get("/redirect-pools/{pool_id}")
async def get_pool(request: web.Request) -> web.Response:
    pool_id = path_id(request, "pool_id")
    now = utcnow()
    async with context.reading(request) as session:
        pool = await pools.get_owned(session, context.owner(request), pool_id)
        redirects = await counts.pool_last_hour(session, pool.id, now)
        last_hour = await stats.pool_last_hour(session, pool.id, now)
    public_url = context.settings(request).public_url
    ramping = _ramping(request, pool, now)
    answer = pool_with_members_json(pool, public_url, redirects, last_hour.returning, ramping)
    return web.json_response(answer)


def _ramping(request: web.Request, pool: Pool, now: datetime) -> frozenset[int]:
    return ramping_bots(pools.state_of(pool), now, context.settings(request).slow_start_s)


@routes.patch("/redirect-pools/{pool_id}")
async def update_pool(request: web.Request) -> web.Response:
    pool_id = path_id(request, "pool_id")
    body = await read_object(request, allowed=pools.EDITABLE)
    if body.get("fallback_pool_id") is not None:
        _fallback_in_range(body["fallback_pool_id"])
    async with context.unit_of_work(request) as session:
        pool = await pools.update_owned(session, context.owner(request), pool_id, **body)
    return web.json_response(pool_json(pool, context.settings(request).public_url))


def _fallback_in_range(value: object) -> None:
    try:
        body_id(value, "fallback_pool_id")
    except NotFound:
        raise Invalid("fallback_pool_id", "no such pool") from None


@routes.delete("/redirect-pools/{pool_id}")
async def delete_pool(request: web.Request) -> web.Response:
    pool_id = path_id(request, "pool_id")
    async with context.unit_of_work(request) as session:
        await pools.delete_owned(session, context.owner(request), pool_id)
    return web.Response(status=204)


@routes.get("/redirect-pools/{pool_id}/status")
async def get_status(request: web.Request) -> web.Response:
    pool_id = path_id(request, "pool_id")
    now = utcnow()
    async with context.reading(request) as session:
        pool = await pools.get_owned(session, context.owner(request), pool_id)
        redirects = await counts.pool_last_hour(session, pool.id, now)
        last_hour = await stats.pool_last_hour(session, pool.id, now)
    per_bot = context.settings(request).bot_hourly_capacity
    figures = pool_status(pools.state_of(pool), redirects, now, per_bot)
    answer = status_json(
        pool, figures, last_hour.returning, last_hour.unrouted, _ramping(request, pool, now)
    )
    return web.json_response(answer)
