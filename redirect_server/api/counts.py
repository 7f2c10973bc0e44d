"""GET /api/redirect-pools/{pool_id}/counts: the pool's hourly redirect counts per bot
over a range, as JSON or CSV (the same rows /export sends in the control bot)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from aiohttp import web

from core import reports
from core.errors import Invalid
from core.reports import CountRow
from redirect_server.api import context
from redirect_server.api.body import path_id
from storage.models import utcnow
from storage.repos import pools
from storage.repos import reports as repo

routes = web.RouteTableDef()

FORMATS = ("json", "csv")
DEFAULT_SPAN = reports.DAY


def counts_range(query: Mapping[str, str], now: datetime) -> tuple[datetime, datetime]:
    """`from` and `to` (ISO 8601; without an offset, UTC) as whole UTC hours: `to`
    defaults to now, `from` to a day before `to`. Invalid (400) when either cannot be
    read, `from` is not before `to`, or the range is over reports.MAX_RANGE."""
    end = reports.parse_moment(query["to"], "to") if "to" in query else now
    if "from" in query:
        start = reports.parse_moment(query["from"], "from")
    else:
        try:
            start = end - DEFAULT_SPAN
        except OverflowError:
            raise Invalid("to", "a moment outside the calendar") from None
    return reports.hour_range(start, end)


def count_json(row: CountRow) -> dict[str, object]:
    return {
        "hour": reports.iso_hour(row.hour),
        "bot_id": row.bot_id,
        "username": row.username,
        "count": row.count,
    }


@routes.get("/redirect-pools/{pool_id}/counts")
async def get_counts(request: web.Request) -> web.Response:
    pool_id = path_id(request, "pool_id")
    output = request.query.get("format", "json").lower()
    if output not in FORMATS:
        raise Invalid("format", "csv or json")
    start, end = counts_range(request.query, utcnow())
    async with context.reading(request) as session:
        pool = await pools.get_owned(session, context.owner(request), pool_id)
        rows = await repo.count_rows(session, pool.id, start, end)
    if output == "json":
        return web.json_response([count_json(row) for row in rows])
    name = f"{pool.slug}-counts-{start:%Y%m%d%H}-{end:%Y%m%d%H}.csv"
    return web.Response(
        text=reports.counts_csv(rows),
        content_type="text/csv",
        charset="utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
