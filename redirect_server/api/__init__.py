"""The REST API of SPEC §8, a sub-application at /api: its middlewares (errors in the
JSON shape, API keys) cost /go nothing."""

from __future__ import annotations

from aiohttp import web

from redirect_server.api import bots, members, openapi, pools
from redirect_server.api.auth import auth_middleware, create_api_key
from redirect_server.api.errors import error_middleware

PREFIX = "/api"

__all__ = ["PREFIX", "create_api_key", "create_api_app", "setup_api"]


def create_api_app() -> web.Application:
    """Views read settings, sessions, cipher, CHECK_TOKEN and ON_CHANGE from the parent
    application through `request.config_dict` (redirect_server.keys)."""
    api = web.Application(middlewares=[error_middleware, auth_middleware])
    for module in (bots, pools, members, openapi):
        api.add_routes(module.routes)
    return api


def setup_api(app: web.Application) -> None:
    """Mount /api/* on `app` (uses the keys of redirect_server.keys)."""
    app.add_subapp(PREFIX, create_api_app())
