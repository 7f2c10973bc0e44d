"""JSON Schemas of the API's bodies and answers (components/schemas of the OpenAPI
document): the shapes of SPEC §8, and what a request may send."""

from __future__ import annotations

from typing import Any

from core.domain import (
    NAME_MAX,
    STICKY_DAYS_MAX,
    WEIGHT_MAX,
    WEIGHT_MIN,
    BotStatus,
    Priority,
    Strategy,
)
from core.validation import FALLBACK_URL_MAX, HOURLY_CAPACITY_MAX, HOURLY_CAPACITY_MIN
from redirect_server.api.body import MAX_ID

Json = dict[str, Any]


def ref(name: str) -> Json:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: Json) -> Json:
    return {**schema, "type": [schema["type"], "null"]}


_STATUS = {"type": "string", "enum": [s.value for s in BotStatus]}
_STRATEGY = {"type": "string", "enum": [s.value for s in Strategy]}
_PRIORITY = {
    "type": "integer",
    "enum": [p.value for p in Priority],
    "description": "1 preferred, 0 normal, -1 backup (serves only when no other tier can)",
}
_WEIGHT = {"type": "integer", "minimum": WEIGHT_MIN, "maximum": WEIGHT_MAX}
_TIME = {"type": "string", "format": "date-time"}
# A name needs one character that str.strip() keeps (core.validation.name) and no NUL
# (validation.storable). Blanks spelled out, since JSON Schema's (ECMA-262) \s knows
# fewer of them than Python's, e.g. not U+001E.
_BLANKS = "".join(f"\\u{ord(c):04x}" for c in map(chr, range(0x10000)) if c.isspace())
_NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": NAME_MAX,
    "pattern": f"^[^\\u0000]*[^{_BLANKS}\\u0000][^\\u0000]*$",
}
_SLUG = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{1,49}$"}
_START = {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,64}$"}
_COUNT = {"type": "integer", "minimum": 0}
# What core.validation.fallback_url takes, narrowed to what a pattern can say exactly:
# https, a host, then a path, query or fragment of printable ASCII.
_FALLBACK_URL = {
    "type": "string",
    "maxLength": FALLBACK_URL_MAX,
    "pattern": r"^https://[A-Za-z0-9.-]+([/?#][!-~]*)?$",
    "description": "where leads go when no bot and no fallback pool can take them "
    "(https only; null: the 503 page)",
}
_STICKY_DAYS = {
    "type": "integer",
    "minimum": 0,
    "maximum": STICKY_DAYS_MAX,
    "description": "days a returning lead goes back to the bot it met (0: off)",
}
_HOURLY_CAPACITY = {
    "type": "integer",
    "minimum": HOURLY_CAPACITY_MIN,
    "maximum": HOURLY_CAPACITY_MAX,
    "description": "leads per rolling hour this bot may take in routing "
    "(null: BOTPOOL_BOT_HOURLY_CAPACITY)",
}
_BACKEND_ERROR = {
    "type": ["string", "null"],
    "description": "why the funnel behind the bot is failing (getWebhookInfo); null: it is not",
}


def _object(properties: Json, required: tuple[str, ...] = (), *, closed: bool = False) -> Json:
    schema: Json = {"type": "object", "properties": properties, "required": list(required)}
    if closed:
        schema["additionalProperties"] = False
    return schema


SCHEMAS: Json = {
    "Error": _object(
        {
            "error": _object(
                {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "field": {"type": "string", "description": "the request field at fault"},
                },
                ("code", "message"),
            )
        },
        ("error",),
    ),
    "Bot": _object(
        {
            "id": {"type": "integer"},
            "telegram_id": {"type": "integer"},
            "username": {"type": "string"},
            "status": _STATUS,
            "last_check": _nullable(_TIME),
            "latency_ms": _nullable({"type": "number"}),
            "last_error": _nullable({"type": "string"}),
            "backend_error": _BACKEND_ERROR,
            "recovered_at": {
                **_nullable(_TIME),
                "description": "when it last came back from offline or banned (slow start)",
            },
            "created_at": _TIME,
        },
        ("id", "telegram_id", "username", "status", "last_check", "latency_ms", "last_error")
        + ("backend_error", "recovered_at", "created_at"),
    ),
    "Pool": _object(
        {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "slug": {"type": "string"},
            "strategy": _STRATEGY,
            "is_active": {"type": "boolean"},
            "start_param": {"type": "string"},
            "fallback_pool_id": _nullable({"type": "integer"}),
            "fallback_url": {
                "type": ["string", "null"],
                "description": _FALLBACK_URL["description"],
            },
            "sticky_days": _STICKY_DAYS,
            "link": {"type": "string", "format": "uri", "description": "the public /go link"},
            "created_at": _TIME,
        },
        ("id", "name", "slug", "strategy", "is_active", "start_param", "fallback_pool_id")
        + ("fallback_url", "sticky_days", "link", "created_at"),
    ),
    "PoolWithMembers": {
        "allOf": [
            ref("Pool"),
            _object({"members": {"type": "array", "items": ref("Member")}}, ("members",)),
        ]
    },
    "Member": _object(
        {
            "bot_id": {"type": "integer"},
            "username": {"type": "string"},
            "weight": _WEIGHT,
            "priority": _PRIORITY,
            "is_enabled": {"type": "boolean"},
            "hourly_cap": _nullable(_HOURLY_CAPACITY),
            "status": _STATUS,
            "backend_error": _BACKEND_ERROR,
            "ramping_up": {
                "type": "boolean",
                "description": "slow start still holds it below its full share",
            },
            "redirects_hour": _COUNT,
            "returning_hour": {**_COUNT, "description": "of redirects_hour, returning leads"},
        },
        ("bot_id", "username", "weight", "priority", "is_enabled", "status", "redirects_hour")
        + ("hourly_cap", "backend_error", "ramping_up", "returning_hour"),
    ),
    "Status": _object(
        {
            "health": {**_COUNT, "maximum": 100, "description": "% of enabled bots online"},
            "online_bots": _COUNT,
            "total_bots": {**_COUNT, "description": "enabled bots of the pool"},
            "redirects_hour": {**_COUNT, "description": "redirects in the last 60 minutes"},
            "returning_hour": {
                **_COUNT,
                "description": "of redirects_hour, leads that came back (a sticky cookie)",
            },
            "fallback_link_hour": {
                **_COUNT,
                "description": "leads of the last 60 minutes sent to the fallback link",
            },
            "unserved_hour": {
                **_COUNT,
                "description": "leads of the last 60 minutes answered 503 (nowhere to go)",
            },
            "capacity_hour": {
                **_COUNT,
                "description": "sum of the online bots' hourly capacities (their own, or "
                "BOTPOOL_BOT_HOURLY_CAPACITY)",
            },
            "capacity_used": {"type": "number", "minimum": 0, "description": "percent"},
            "bots": {"type": "array", "items": ref("Member")},
        },
        ("health", "online_bots", "total_bots", "redirects_hour", "capacity_hour")
        + ("capacity_used", "bots", "returning_hour", "fallback_link_hour", "unserved_hour"),
    ),
    "Campaign": _object(
        {
            "start": {
                **_START,
                "description": "the start value leads came with; other: every campaign "
                "past the top 20, added up",
            },
            "redirects": _COUNT,
        },
        ("start", "redirects"),
    ),
    "HourlyCount": _object(
        {
            "hour": {**_TIME, "description": "start of the UTC hour"},
            "bot_id": {"type": "integer"},
            "username": {"type": "string"},
            "count": {**_COUNT, "description": "redirects of this pool to this bot in the hour"},
        },
        ("hour", "bot_id", "username", "count"),
    ),
    "NewBot": _object(
        {"token": {"type": "string", "pattern": r"^[0-9]{5,12}:[A-Za-z0-9_-]{30,50}$"}},
        ("token",),
        closed=True,
    ),
    "NewPool": _object(
        {
            "name": _NAME,
            "slug": _SLUG,
            "strategy": _STRATEGY,
            "start_param": _START,
            "fallback_url": _nullable(_FALLBACK_URL),
            "sticky_days": _STICKY_DAYS,
        },
        ("name", "slug"),
        closed=True,
    ),
    "PoolChanges": _object(
        {
            "name": _NAME,
            "strategy": _STRATEGY,
            "is_active": {"type": "boolean"},
            "start_param": _START,
            "fallback_pool_id": _nullable({"type": "integer", "minimum": 1, "maximum": MAX_ID}),
            "fallback_url": _nullable(_FALLBACK_URL),
            "sticky_days": _STICKY_DAYS,
        },
        closed=True,
    ),
    "NewMember": _object(
        {
            "bot_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
            "weight": _WEIGHT,
            "priority": _PRIORITY,
            "hourly_cap": _nullable(_HOURLY_CAPACITY),
        },
        ("bot_id",),
        closed=True,
    ),
    "MemberChanges": _object(
        {
            "weight": _WEIGHT,
            "priority": _PRIORITY,
            "is_enabled": {"type": "boolean"},
            "hourly_cap": _nullable(_HOURLY_CAPACITY),
        },
        closed=True,
    ),
}
