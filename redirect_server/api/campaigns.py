"""GET /api/redirect-pools/{pool_id}/campaigns: the leads that came with their own
`start` (a campaign), per UTC day: the day's top campaigns and the rest as "other"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from aiohttp import web

from core.errors import Invalid
from redirect_server.api import context
from redirect_server.api.body import path_id
from redirect_server.api.serializers import campaign_day_json
from storage.models import utcnow
from storage.repos import campaigns, pools
from storage.repos.campaigns import DayCampaigns

routes = web.RouteTableDef()

DEFAULT_DAYS, MAX_DAYS = 7, 90


def days_of(query: Mapping[str, str]) -> int:
    """`days` (1 to MAX_DAYS, default DEFAULT_DAYS): how many UTC days, today included."""
    raw = query.get("days", str(DEFAULT_DAYS)).strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_DAYS:
        raise Invalid("days", f"a whole number of days from 1 to {MAX_DAYS}")
    return int(raw)


def first_day(now: datetime, days: int) -> datetime:
    """Midnight UTC that starts the oldest of `days` days ending today."""
    return now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=days - 1)


@routes.get("/redirect-pools/{pool_id}/campaigns")
async def get_campaigns(request: web.Request) -> web.Response:
    """Every day of the range, newest first; a day without campaigns has none and 0."""
    pool_id = path_id(request, "pool_id")
    count = days_of(request.query)
    since = first_day(utcnow(), count)
    async with context.reading(request) as session:
        pool = await pools.get_owned(session, context.owner(request), pool_id)
        found = {day.day: day for day in await campaigns.by_day(session, pool.id, since)}
    every = [(since + timedelta(days=n)).date() for n in reversed(range(count))]
    days = [found.get(day, DayCampaigns(day, [], 0)) for day in every]
    return web.json_response([campaign_day_json(day) for day in days])
