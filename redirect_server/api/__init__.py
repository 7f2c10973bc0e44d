"""The REST API of SPEC §8, a sub-application at /api with no middlewares: aiohttp runs
the root's middleware machinery on every request, /go included, as soon as any
sub-application has one. So each view is wrapped once, when it is registered."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

from redirect_server.api import bots, campaigns, counts, members, openapi, pools
from redirect_server.api.auth import PUBLIC_ROUTES, create_api_key, requires_key
from redirect_server.api.errors import json_errors
from redirect_server.pages import name_server
from redirect_server.resource import methods_served

PREFIX = "/api"
# Whatever no view serves: /api itself and every path under it.
UNROUTED_PATHS = ("", "/{tail:.*}")

__all__ = ["PREFIX", "create_api_key", "create_api_app", "setup_api"]


def create_api_app() -> web.Application:
    """Views read settings, sessions, cipher, CHECK_TOKEN and ON_CHANGE from the parent
    application through `request.config_dict` (redirect_server.keys)."""
    api = web.Application()
    api.on_response_prepare.append(name_server)  # runs for /api requests only
    for module in (bots, pools, members, counts, campaigns, openapi):
        api.router.add_routes(_guarded(route) for route in module.routes)
    unrouted = json_errors(_unrouted(api.router))
    for path in UNROUTED_PATHS:
        api.router.add_route("*", path, unrouted)
    return api


def setup_api(app: web.Application) -> None:
    """Mount /api/* on `app` (uses the keys of redirect_server.keys)."""
    app.add_subapp(PREFIX, create_api_app())


def _guarded(route: web.AbstractRouteDef) -> web.RouteDef:
    """The route with its view answering errors in JSON and, unless public, needing a key."""
    assert isinstance(route, web.RouteDef), route
    handler = route.handler
    if route.kwargs.get("name") not in PUBLIC_ROUTES:
        handler = requires_key(handler)
    return web.RouteDef(route.method, route.path, json_errors(handler), route.kwargs)


def _unrouted(router: web.UrlDispatcher) -> Handler:
    """405 naming the methods when some view serves the path, else 404; no key needed,
    as aiohttp itself would answer."""

    async def unrouted(request: web.Request) -> web.StreamResponse:
        allowed = await methods_served(router, request)
        if allowed:
            raise web.HTTPMethodNotAllowed(request.method, allowed)
        raise web.HTTPNotFound()

    return unrouted
