"""The aiohttp application: /go, the REST API, /healthz, /metrics."""

from __future__ import annotations

from aiohttp import web

from core.settings import Settings
from redirect_server import keys
from redirect_server.keys import CheckToken
from storage.crypto import TokenCipher
from storage.db import Sessions


def create_app(
    settings: Settings,
    sessions: Sessions,
    cipher: TokenCipher,
    *,
    check_token: CheckToken | None = None,
) -> web.Application:
    """Everything the redirect server serves. `check_token` validates tokens for
    POST /api/bots; without it that route answers 503."""
    app = web.Application()
    app[keys.SETTINGS] = settings
    app[keys.SESSIONS] = sessions
    app[keys.CIPHER] = cipher
    if check_token is not None:
        app[keys.CHECK_TOKEN] = check_token
    # TODO(redirect server issue): routing table, /go, /healthz, /metrics, ON_CHANGE.
    from redirect_server.api import setup_api

    setup_api(app)
    return app
