"""GET /go/<slug> (the hot path), /healthz and /metrics."""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from time import perf_counter

from aiohttp import hdrs, web
from multidict import CIMultiDict
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from core.domain import START_PARAM_RE
from redirect_server import keys
from redirect_server.metrics import GoFigures
from redirect_server.pages import error_response
from redirect_server.ratelimit import ClientAddress, RateLimiter
from redirect_server.routing import RoutingTable, Target

LINK_PREVIEW = re.compile(
    r"TelegramBot|WhatsApp|facebookexternalhit|Facebot|Twitterbot|Slackbot|Slack-ImgProxy"
    r"|Discordbot"
)
_fullmatch_start = START_PARAM_RE.fullmatch  # fullmatch: "$" alone lets "abc\n" through


class LinkPreviews:
    """Crawlers that fetch a link to draw its preview card: no lead behind them. Leads'
    browsers send a few thousand distinct user agents, so answers are remembered; at
    most `remember` of them, none longer than `longest`, which bounds memory."""

    def __init__(self, remember: int = 4096, longest: int = 512) -> None:
        self._known: dict[str, bool] = {}
        self._remember = remember
        self._longest = longest

    def __len__(self) -> int:
        return len(self._known)

    def __call__(self, user_agent: str) -> bool:
        known = self._known.get(user_agent)
        if known is None:
            known = LINK_PREVIEW.search(user_agent) is not None
            if len(user_agent) <= self._longest:
                if len(self._known) >= self._remember:
                    self._known.clear()
                self._known[user_agent] = known
        return known


def _redirect_headers(target: Target, start: str) -> CIMultiDict[str]:
    return CIMultiDict(
        ((hdrs.LOCATION, target.location_prefix + start), (hdrs.CACHE_CONTROL, "no-store"))
    )


class Redirector:
    """Sends each lead to a bot. Its collaborators are attributes rather than app
    lookups, and it runs without middleware: every request of every lead comes here."""

    def __init__(
        self,
        table: RoutingTable,
        figures: GoFigures,
        limiter: RateLimiter | None,
        client_address: ClientAddress,
        retry_after_s: float,
    ) -> None:
        self._table = table
        self._figures = figures
        self._latency = figures.latency
        self._limiter = limiter
        self._client_address = client_address if client_address.trusts_any else None
        self._retry_after = math.ceil(retry_after_s)
        self._is_preview = LinkPreviews()

    async def go(self, request: web.Request) -> web.Response:
        started = perf_counter()
        try:
            return self._answer(request)
        finally:
            latency = self._latency
            elapsed = perf_counter() - started
            latency.counts[bisect_left(latency.bounds, elapsed)] += 1
            latency.sum += elapsed

    def _answer(self, request: web.Request) -> web.Response:
        headers = request.headers
        if self._limiter is not None:
            client = request.remote or ""
            if self._client_address is not None:
                client = self._client_address(client, headers.get(hdrs.X_FORWARDED_FOR))
            wait = self._limiter.hit(client)
            if wait:
                return self._error(request, 429, wait)
        table = self._table
        link = table.links.get(request.match_info["slug"])
        if link is None:
            return self._error(request, 404)
        counted = request.method == hdrs.METH_GET and not self._is_preview(
            headers.get(hdrs.USER_AGENT, "")
        )
        target = table.pick(link, take_turn=counted)
        if target is None:
            return self._error(request, 503, self._retry_after)
        if counted:
            table.served(target)
        else:
            self._figures.previews += 1
        start = link.start_param
        if "?" in request.raw_path:  # cheaper than parsing an absent query
            given = request.query.get("start")
            if given is not None and given != start and _fullmatch_start(given):
                return web.Response(status=302, headers=_redirect_headers(target, given))
        location = target.headers.get(start)
        if location is None:
            location = target.headers[start] = _redirect_headers(target, start)
        return web.Response(status=302, headers=location)

    def _error(self, request: web.Request, status: int, wait: int | None = None) -> web.Response:
        self._figures.errors[status] += 1
        return error_response(request, status, retry_after=wait)


routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"}, headers={hdrs.CACHE_CONTROL: "no-store"})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    body = generate_latest(request.app[keys.REGISTRY])
    return web.Response(body=body, headers={hdrs.CONTENT_TYPE: CONTENT_TYPE_LATEST})
