"""GET /go/<slug> (the hot path), /healthz, /metrics, and every path no route serves."""

from __future__ import annotations

import hmac
import math
import re
from bisect import bisect_left
from email.utils import formatdate
from time import perf_counter, time

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler
from multidict import CIMultiDict
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from core.domain import START_PARAM_RE
from redirect_server.metrics import GoFigures
from redirect_server.pages import SERVER, error_response
from redirect_server.ratelimit import ClientAddress, RateLimiter, ipv6_network
from redirect_server.remembered import Remembered
from redirect_server.resource import methods_served
from redirect_server.routing import RoutingTable, Target

LINK_PREVIEW = re.compile(
    r"TelegramBot|WhatsApp|facebookexternalhit|Facebot|Twitterbot|Slackbot|Slack-ImgProxy"
    r"|Discordbot"
)
_fullmatch_start = START_PARAM_RE.fullmatch  # fullmatch: "$" alone lets "abc\n" through


def is_link_preview(user_agent: str) -> bool:
    """Crawlers that fetch a link to draw its preview card: no lead behind them."""
    return LINK_PREVIEW.search(user_agent) is not None


class HttpDate:
    """The Date header's value, formatted once a second."""

    __slots__ = ("_second", "_value")

    def __init__(self) -> None:
        self._second = -1
        self._value = ""

    def value(self) -> str:
        now = int(time())
        if now != self._second:
            self._second, self._value = now, formatdate(now, usegmt=True)
        return self._value


def _redirect_headers(target: Target, start: str, date: str) -> CIMultiDict[str]:
    """A 302's headers, complete: aiohttp adds Content-Length, Date and Server to a
    response that lacks them, and each addition grows the copy it makes of them."""
    return CIMultiDict(
        (
            (hdrs.LOCATION, target.location_prefix + start),
            (hdrs.CACHE_CONTROL, "no-store"),
            (hdrs.CONTENT_LENGTH, "0"),
            (hdrs.DATE, date),
            (hdrs.SERVER, SERVER),
        )
    )


class Redirector:
    """Sends each lead to a bot. Every request of every lead comes here, so it is
    reached ahead of the application layer (`GoFirst`, with the slug), its collaborators
    are attributes rather than app lookups, and the routing table has each link's
    choice resolved in advance (`Route`)."""

    def __init__(
        self,
        table: RoutingTable,
        figures: GoFigures,
        limiter: RateLimiter | None,
        client_address: ClientAddress,
        retry_after_s: float,
        ipv6_prefix: int = 64,
    ) -> None:
        self._table = table
        self._figures = figures
        self._latency = figures.latency
        self._limiter = limiter
        self._client_address = client_address if client_address.trusts_any else None
        self._ipv6_network = ipv6_network(ipv6_prefix)
        self._retry_after = math.ceil(retry_after_s)
        # Leads' browsers send a few thousand distinct user agents.
        self._previews = Remembered(is_link_preview)
        self._date = HttpDate()

    async def go(self, request: web.Request) -> web.Response:
        """The route's handler, for a request that came through the router."""
        return await self.redirect(request, request.match_info["slug"])

    async def redirect(self, request: web.BaseRequest, slug: str) -> web.Response:
        started = perf_counter()
        try:
            headers = request.headers
            limiter = self._limiter
            if limiter is not None:
                client = request.remote or ""
                if self._client_address is not None:
                    forwarded_for = headers.get(hdrs.X_FORWARDED_FOR)
                    if forwarded_for is not None:
                        client = self._client_address.resolve(client, forwarded_for)
                wait = limiter.hit(self._ipv6_network(client) if ":" in client else client)
                if wait:
                    return self._error(request, 429, wait)
            route = self._table.routes.get(slug)
            if route is None:
                return self._error(request, 404)
            if (
                request.method == hdrs.METH_GET
                and not self._previews[headers.get(hdrs.USER_AGENT, "")]
            ):
                target = route.take()
            else:
                target = route.peek()
                if target is not None:
                    self._figures.previews += 1
            if target is None:
                return self._error(request, 503, self._retry_after)
            start = route.start_param
            date = self._date.value()
            if "?" in request.raw_path:  # cheaper than parsing an absent query
                given = request.query.get("start")
                if given is not None and given != start and _fullmatch_start(given):
                    custom = _redirect_headers(target, given, date)
                    return web.Response(status=302, headers=custom)
            response_headers = target.headers.get(start)
            if response_headers is None:  # a pool's default start: few, kept
                response_headers = target.headers[start] = _redirect_headers(target, start, date)
            else:
                response_headers[hdrs.DATE] = date
            return web.Response(status=302, headers=response_headers)
        finally:
            latency = self._latency
            elapsed = perf_counter() - started
            latency.counts[bisect_left(latency.bounds, elapsed)] += 1
            latency.sum += elapsed

    def _error(
        self, request: web.BaseRequest, status: int, wait: int | None = None
    ) -> web.Response:
        self._figures.errors[status] += 1
        return error_response(request, status, retry_after=wait)


routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response(
        {"status": "ok"}, headers={hdrs.CACHE_CONTROL: "no-store", hdrs.SERVER: SERVER}
    )


def metrics_view(registry: CollectorRegistry, token: str | None) -> Handler:
    """/metrics. It names every operator's pools, bots and volumes, so with a token it
    answers only `Authorization: Bearer <token>` (BOTPOOL_METRICS_TOKEN)."""
    expected = f"Bearer {token}".encode() if token else None

    async def metrics(request: web.Request) -> web.Response:
        if expected is not None:
            given = request.headers.get(hdrs.AUTHORIZATION, "")
            if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected):
                return _unauthorized()
        body = generate_latest(registry)
        return web.Response(
            body=body, headers={hdrs.CONTENT_TYPE: CONTENT_TYPE_LATEST, hdrs.SERVER: SERVER}
        )

    return metrics


def _unauthorized() -> web.Response:
    error = {"code": "unauthorized", "message": "send Authorization: Bearer <metrics token>"}
    return web.json_response(
        {"error": error},
        status=401,
        headers={hdrs.WWW_AUTHENTICATE: 'Bearer realm="metrics"', hdrs.SERVER: SERVER},
    )


async def unrouted(request: web.Request) -> web.Response:
    """Whatever no route serves, registered last at "/{tail:.*}": a lead's link cut
    short (/go/) or with something added (/go/promo/, /go/promo/x) gets the page /go
    gives for an unknown link, not aiohttp's bare "404: Not Found". 405 naming the
    methods when some route serves the path, as aiohttp would answer. The router looks
    here only after every longer prefix (/go among them) has failed: /go pays nothing."""
    allowed = await methods_served(request.app.router, request)
    if allowed:
        raise web.HTTPMethodNotAllowed(request.method, allowed, headers={hdrs.SERVER: SERVER})
    return error_response(request, 404)
