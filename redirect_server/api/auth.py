"""API keys: `Authorization: Bearer <key>` names the operator every view acts for."""

from __future__ import annotations

import functools

from aiohttp import web
from aiohttp.typedefs import Handler

from redirect_server import keys
from redirect_server.api.errors import ApiError
from storage.db import Sessions, transaction
from storage.repos import apikeys

OWNER = web.RequestKey("owner_id", int)
# Routes anyone may read (by route name): the OpenAPI document.
PUBLIC_ROUTES = frozenset({"openapi"})


async def create_api_key(sessions: Sessions, owner_id: int, label: str = "") -> str:
    """A new key for `owner_id` (created as an operator if new). Show it once: only
    its hash is stored. Raises core.errors.Invalid for a label over 100 characters."""
    async with transaction(sessions) as session:
        _row, key = await apikeys.create(session, owner_id, label)
    return key


def _unauthorized(message: str, challenge: str = "Bearer") -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise _unauthorized("send an API key as 'Authorization: Bearer <key>'")
    return key.strip()


def requires_key(handler: Handler) -> Handler:
    """`handler` run only for a valid, unrevoked key, with the operator it names in
    request[OWNER]. Wrap it in errors.json_errors so that a 401 answers in JSON. A read:
    the key's last use is written later, in a batch (redirect_server.key_uses)."""

    @functools.wraps(handler)
    async def authenticated(request: web.Request) -> web.StreamResponse:
        key = _bearer(request)
        async with request.config_dict[keys.SESSIONS]() as session:
            row = await apikeys.identify(session, key)
        if row is None:
            raise _unauthorized(
                "this API key is not valid or was revoked", 'Bearer error="invalid_token"'
            )
        uses = request.config_dict.get(keys.KEY_USES)
        if uses is not None:
            uses.note(row)
        request[OWNER] = row.owner_id
        return await handler(request)

    return authenticated
