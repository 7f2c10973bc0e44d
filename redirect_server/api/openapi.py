"""The OpenAPI 3.1 document of /api, served at GET /api/openapi.json. Tests hold it to
the routes actually mounted and fuzz the API from it, so it cannot drift silently."""

from __future__ import annotations

from aiohttp import web

from redirect_server.api import campaigns, context
from redirect_server.api.body import MAX_ID
from redirect_server.api.schemas import SCHEMAS, Json, ref

routes = web.RouteTableDef()


def _json(schema: Json) -> Json:
    return {"application/json": {"schema": schema}}


def _ok(description: str, schema: Json) -> Json:
    return {"description": description, "content": _json(schema)}


def _errors(*statuses: int) -> Json:
    return {str(s): {"$ref": f"#/components/responses/{ERRORS[s]}"} for s in statuses}


def _body(name: str) -> Json:
    return {"required": True, "content": _json(ref(name))}


def _id(name: str, what: str) -> Json:
    schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    return {"name": name, "in": "path", "required": True, "description": what, "schema": schema}


def _query(name: str, what: str) -> Json:
    schema = {"type": "string", "format": "date-time"}
    return {"name": name, "in": "query", "required": False, "description": what, "schema": schema}


ERRORS = {
    400: "BadRequest",
    401: "Unauthorized",
    404: "NotFound",
    409: "Conflict",
    413: "TooLarge",
    415: "UnsupportedMediaType",
    502: "BadGateway",
    503: "Unavailable",
}
_ERROR_TEXTS = {
    "BadRequest": (
        "A field or query parameter is invalid (`field` names it), or the body is not a JSON object"
    ),
    "Unauthorized": "No API key, or one that is not valid or was revoked",
    "NotFound": "No such resource among the operator's own (another operator's is not found)",
    "Conflict": "Slug taken, bot already registered or already in the pool, or pool full",
    "TooLarge": "The body is over 64 KiB",
    "UnsupportedMediaType": "The body is not sent as application/json",
    "BadGateway": "Telegram did not answer getMe for the token",
    "Unavailable": "The database is busy (see Retry-After), or adding bots is not set up",
}
_HEADERS = {
    "Unauthorized": {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
    "Unavailable": {"Retry-After": {"schema": {"type": "string"}}},
}
READ = (401, 503)
WRITE = (400, 401, 413, 415, 503)

_POOL_ID = _id("pool_id", "a pool of the operator")
_BOT_ID = _id("bot_id", "a bot of the operator")
_NO_CONTENT = {"204": {"description": "Done"}}

PATHS: Json = {
    "/api/bots": {
        "post": {
            "operationId": "addBot",
            "summary": (
                "Add a bot by its token, checked with getMe; the token is never echoed. A new "
                "token for a bot the operator owns replaces the old one (200); another "
                "operator's bot is 409 unless Telegram rejects the token they stored"
            ),
            "requestBody": _body("NewBot"),
            "responses": {
                "201": _ok("The bot, new to the operator", ref("Bot")),
                "200": _ok("The operator's bot, now on this token", ref("Bot")),
                **_errors(*WRITE, 409, 502),
            },
        },
        "get": {
            "operationId": "listBots",
            "summary": "The operator's bots",
            "responses": {
                "200": _ok("The bots", {"type": "array", "items": ref("Bot")}),
                **_errors(*READ),
            },
        },
    },
    "/api/bots/{bot_id}": {
        "parameters": [_BOT_ID],
        "delete": {
            "operationId": "deleteBot",
            "summary": "Delete a bot; it leaves every pool",
            "responses": {**_NO_CONTENT, **_errors(*READ, 404)},
        },
    },
    "/api/redirect-pools": {
        "post": {
            "operationId": "createPool",
            "summary": "Create a pool; its link is live at once",
            "requestBody": _body("NewPool"),
            "responses": {"201": _ok("The pool", ref("Pool")), **_errors(*WRITE, 409)},
        },
        "get": {
            "operationId": "listPools",
            "summary": "The operator's pools",
            "responses": {
                "200": _ok("The pools", {"type": "array", "items": ref("Pool")}),
                **_errors(*READ),
            },
        },
    },
    "/api/redirect-pools/{pool_id}": {
        "parameters": [_POOL_ID],
        "get": {
            "operationId": "getPool",
            "summary": "A pool with its members",
            "responses": {
                "200": _ok("The pool", ref("PoolWithMembers")),
                **_errors(*READ, 404),
            },
        },
        "patch": {
            "operationId": "updatePool",
            "summary": (
                "Change any of name, strategy, is_active, start_param, fallback_pool_id, "
                "fallback_url (https only; null removes it), sticky_days (0-365, 0: off)"
            ),
            "requestBody": _body("PoolChanges"),
            "responses": {"200": _ok("The pool", ref("Pool")), **_errors(*WRITE, 404)},
        },
        "delete": {
            "operationId": "deletePool",
            "summary": "Delete a pool; its link answers 404 at once",
            "responses": {**_NO_CONTENT, **_errors(*READ, 404)},
        },
    },
    "/api/redirect-pools/{pool_id}/bots": {
        "parameters": [_POOL_ID],
        "post": {
            "operationId": "addMember",
            "summary": "Put one of the operator's bots in the pool (409 when the pool is full)",
            "requestBody": _body("NewMember"),
            "responses": {"201": _ok("The member", ref("Member")), **_errors(*WRITE, 404, 409)},
        },
    },
    "/api/redirect-pools/{pool_id}/bots/{bot_id}": {
        "parameters": [_POOL_ID, _BOT_ID],
        "patch": {
            "operationId": "updateMember",
            "summary": (
                "Change a member's weight, priority, enabled flag or hourly_cap "
                "(null: BOTPOOL_BOT_HOURLY_CAPACITY)"
            ),
            "requestBody": _body("MemberChanges"),
            "responses": {"200": _ok("The member", ref("Member")), **_errors(*WRITE, 404)},
        },
        "delete": {
            "operationId": "removeMember",
            "summary": "Take the bot out of the pool",
            "responses": {**_NO_CONTENT, **_errors(*READ, 404)},
        },
    },
    "/api/redirect-pools/{pool_id}/status": {
        "parameters": [_POOL_ID],
        "get": {
            "operationId": "getPoolStatus",
            "summary": "Health, traffic and capacity figures of the pool",
            "responses": {"200": _ok("The figures", ref("Status")), **_errors(*READ, 404)},
        },
    },
    "/api/redirect-pools/{pool_id}/counts": {
        "parameters": [_POOL_ID],
        "get": {
            "operationId": "getPoolCounts",
            "summary": "Hourly redirect counts per bot over a range, as JSON or CSV",
            "parameters": [
                _query("from", "start (ISO 8601; UTC without an offset); default: a day before to"),
                _query("to", "end, exclusive (ISO 8601); default: now. At most 93 days after from"),
                {
                    "name": "format",
                    "in": "query",
                    "required": False,
                    "description": "json (default) or csv (header hour,bot_id,username,count)",
                    "schema": {"type": "string", "enum": ["json", "csv"]},
                },
            ],
            "responses": {
                "200": {
                    "description": "Stored hour buckets in the range, by hour then bot",
                    "content": {
                        **_json({"type": "array", "items": ref("HourlyCount")}),
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                **_errors(400, *READ, 404),
            },
        },
    },
    "/api/redirect-pools/{pool_id}/campaigns": {
        "parameters": [_POOL_ID],
        "get": {
            "operationId": "getPoolCampaigns",
            "summary": (
                "Leads that came with their own start (a campaign) in the last hours: the "
                "top 20 campaigns, most leads first, then the rest as other"
            ),
            "parameters": [
                {
                    "name": "hours",
                    "in": "query",
                    "required": False,
                    "description": (
                        f"hours, this one included (default {campaigns.DEFAULT_HOURS}, "
                        f"at most {campaigns.MAX_HOURS})"
                    ),
                    "schema": {"type": "integer", "minimum": 1, "maximum": campaigns.MAX_HOURS},
                },
            ],
            "responses": {
                "200": _ok(
                    "The top campaigns, then other",
                    {"type": "array", "items": ref("Campaign")},
                ),
                **_errors(400, *READ, 404),
            },
        },
    },
    "/api/openapi.json": {
        "get": {
            "operationId": "getOpenApi",
            "summary": "This document",
            "security": [],
            "responses": {"200": _ok("OpenAPI 3.1", {"type": "object"})},
        },
    },
}

DOCUMENT: Json = {
    "openapi": "3.1.0",
    "info": {
        "title": "botpool REST API",
        "version": "1",
        "description": 'Manage bots and pools. Errors: {"error": {"code", "message"}}.',
    },
    "security": [{"bearer": []}],
    "paths": PATHS,
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": SCHEMAS,
        "responses": {
            name: {
                "description": _ERROR_TEXTS[name],
                "headers": _HEADERS.get(name, {}),
                "content": _json(ref("Error")),
            }
            for name in ERRORS.values()
        },
    },
}


@routes.get("/openapi.json", name="openapi")
async def openapi_document(request: web.Request) -> web.Response:
    servers = [{"url": context.settings(request).public_url}]
    return web.json_response({**DOCUMENT, "servers": servers})
