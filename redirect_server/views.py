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
from redirect_server.counter import RedirectCounter
from redirect_server.metrics import GoFigures
from redirect_server.pages import SERVER, error_response
from redirect_server.ratelimit import ClientAddress, RateLimiter, ipv6_network
from redirect_server.remembered import Remembered
from redirect_server.resource import methods_served
from redirect_server.routing import Route, RoutingTable, Target
from redirect_server.sticky import DAY_S, StickyCookies

LINK_PREVIEW = re.compile(
    r"TelegramBot|WhatsApp|facebookexternalhit|Facebot|Twitterbot|Slackbot|Slack-ImgProxy"
    r"|Discordbot"
)
_fullmatch_start = START_PARAM_RE.fullmatch  # fullmatch: "$" alone lets "abc\n" through


def is_link_preview(user_agent: str) -> bool:
    """Crawlers that fetch a link to draw its preview card: no lead behind them."""
    return LINK_PREVIEW.search(user_agent) is not None


class HttpDate:
    """The Date header's value, formatted once a second; and the UTC day (days since the
    epoch) it falls in."""

    __slots__ = ("_second", "_value", "day")

    def __init__(self) -> None:
        self._second = -1
        self._value = ""
        self.day = -1

    def value(self) -> str:
        now = int(time())
        if now != self._second:
            self._second, self._value = now, formatdate(now, usegmt=True)
            self.day = now // DAY_S
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
    choice resolved in advance (`Route`).

    A lead is a GET that no link-preview crawler made: only leads are counted, and only
    they read and get sticky cookies. With `sticky`, a lead on a link whose pool keeps
    leads (`Route.sticky_s`) goes back to the bot its cookie names while that bot is
    routable, and gets a cookie when it has none that counts (new, forged, expired, of
    another pool, or naming a bot no longer routable: then it goes to another bot,
    still counted as returning). A cookie is issued for a UTC day; a return on a later
    day issues it again, so the window runs from the last visit, and a lead costs at
    most one Set-Cookie a day. `counter` takes the leads that no target counts: by
    campaign (a valid `start` of their own), and those that got the 503 page."""

    def __init__(
        self,
        table: RoutingTable,
        figures: GoFigures,
        limiter: RateLimiter | None,
        client_address: ClientAddress,
        retry_after_s: float,
        ipv6_prefix: int = 64,
        *,
        counter: RedirectCounter | None = None,
        sticky: StickyCookies | None = None,
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
        self._campaign_leads = counter.campaign_leads if counter is not None else {}
        self._unserved_leads = counter.unserved_leads if counter is not None else {}
        self._sticky = sticky
        # A link's redirect to a bot with the cookie naming it, by (slug, bot id), made
        # once a day for the route it was made for; emptied when the day changes.
        self._cookie_headers: dict[tuple[str, int], tuple[Route, CIMultiDict[str]]] = {}
        self._cookie_day = -1

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
            date = self._date.value()
            cookie = False  # whether to set the sticky cookie
            lead = (
                request.method == hdrs.METH_GET
                and not self._previews[headers.get(hdrs.USER_AGENT, "")]
            )
            if not lead:
                target = route.peek()
                if target is not None:
                    self._figures.previews += 1
            elif route.sticky_s and self._sticky is not None:
                target, cookie = self._stick(route, slug, headers.get(hdrs.COOKIE))
            else:
                target = route.take()
            if target is None:
                if lead:
                    unserved = self._unserved_leads
                    unserved[route.pool_id] = unserved.get(route.pool_id, 0) + 1
                return self._error(request, 503, self._retry_after)
            start = route.start_param
            if "?" in request.raw_path:  # cheaper than parsing an absent query
                given = request.query.get("start")
                if given is not None and given != start and _fullmatch_start(given):
                    if lead:
                        campaign = (route.pool_id, given)
                        tallied = self._campaign_leads
                        tallied[campaign] = tallied.get(campaign, 0) + 1
                    if not target.link:
                        custom = _redirect_headers(target, given, date)
                        if cookie:
                            custom.add(hdrs.SET_COOKIE, self._set_cookie(route, slug, target))
                        return web.Response(status=302, headers=custom)
            if target.link:  # the fallback link: its whole URL, no start parameter
                start = ""
            elif cookie:
                response_headers = self._with_cookie(route, slug, target, date)
                return web.Response(status=302, headers=response_headers)
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

    def _stick(
        self, route: Route, slug: str, cookie_header: str | None
    ) -> tuple[Target | None, bool]:
        """The target of a lead on a sticky link, and whether to set its cookie (False:
        the one it brought stands, or the lead goes to no bot)."""
        remembered = None
        if cookie_header is not None:
            sticky = self._sticky
            assert sticky is not None
            remembered = sticky.read(
                cookie_header, slug, route.pool_id, self._date.day, route.sticky_s
            )
        if remembered is None:
            target = route.take()
        else:
            bot_id, issued = remembered
            target = route.stick(bot_id)
            if target is not None:
                return target, issued < self._date.day  # renewed once a day
            target = route.take()  # its bot is gone: another one, the lead still returning
            if target is not None and not target.link:
                target.returning += 1
        return target, target is not None and not target.link

    def _set_cookie(self, route: Route, slug: str, target: Target) -> str:
        sticky = self._sticky
        assert sticky is not None
        return sticky.set_cookie(
            slug, route.pool_id, target.served[1], self._date.day, route.sticky_s
        )

    def _with_cookie(self, route: Route, slug: str, target: Target, date: str) -> CIMultiDict[str]:
        """A redirect with the pool's default start and a cookie, kept for the day."""
        if self._date.day != self._cookie_day:
            self._cookie_headers.clear()
            self._cookie_day = self._date.day
        key = (slug, target.served[1])
        kept = self._cookie_headers.get(key)
        if kept is not None and kept[0] is route:
            response_headers = kept[1]
            response_headers[hdrs.DATE] = date
            return response_headers
        response_headers = _redirect_headers(target, route.start_param, date)
        response_headers.add(hdrs.SET_COOKIE, self._set_cookie(route, slug, target))
        self._cookie_headers[key] = (route, response_headers)
        return response_headers

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
