"""GET /api/redirect-pools/{pool_id}/campaigns?hours=24: the leads that came with their
own `start` (a campaign) in the last hours, as SPEC §12 gives it:
`[{"start": "camp_x", "redirects": 12}, ..., {"start": "other", "redirects": 3}]` — the
top 20, most leads first, then every other campaign added up as "other"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from aiohttp import web

from core.errors import Invalid
from redirect_server.api import context
from redirect_server.api.body import path_id
from redirect_server.api.serializers import campaigns_json
from storage.models import utcnow
from storage.repos import campaigns, pools
from storage.repos.counts import hour_of

routes = web.RouteTableDef()

DEFAULT_HOURS, MAX_HOURS = 24, 90 * 24  # campaign counts are kept with the hourly counts


def hours_of(query: Mapping[str, str]) -> int:
    """`hours` (1 to MAX_HOURS, default DEFAULT_HOURS): the hour buckets read, this one
    included."""
    raw = query.get("hours", str(DEFAULT_HOURS)).strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_HOURS:
        raise Invalid("hours", f"a whole number of hours from 1 to {MAX_HOURS}")
    return int(raw)


@routes.get("/redirect-pools/{pool_id}/campaigns")
async def get_campaigns(request: web.Request) -> web.Response:
    pool_id = path_id(request, "pool_id")
    since = hour_of(utcnow()) - timedelta(hours=hours_of(request.query) - 1)
    async with context.reading(request) as session:
        pool = await pools.get_owned(session, context.owner(request), pool_id)
        top, other = await campaigns.top_since(session, pool.id, since)
    return web.json_response(campaigns_json(top, other))
