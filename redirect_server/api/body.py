"""Reading what a request carries: a JSON object body within limits, integer path ids."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Collection

from aiohttp import web

from core import validation
from core.errors import Invalid, NotFound
from redirect_server import keys
from redirect_server.api.errors import ApiError

MAX_BODY_BYTES = 64 * 1024
MAX_ID = 2**63 - 1  # the largest id a database row can have
JSON = "application/json"
_ID_RE = re.compile(r"[0-9]{1,18}")
_CLOSE = {"Connection": "close"}  # the rest of a late body is not worth waiting for


async def read_object(
    request: web.Request, allowed: Collection[str], required: Collection[str] = ()
) -> dict[str, object]:
    """The body as a JSON object holding only `allowed` fields and all `required` ones."""
    if request.content_type != JSON:
        raise ApiError(415, "unsupported_media_type", f"send the body as {JSON}")
    try:
        async with asyncio.timeout(request.config_dict[keys.SETTINGS].read_timeout_s):
            raw = await _read_limited(request)
    except TimeoutError:
        raise ApiError(
            408, "request_timeout", "the body did not arrive in time", headers=_CLOSE
        ) from None
    try:
        data = json.loads(raw, parse_float=_number)
    except (ValueError, RecursionError):
        raise ApiError(400, "malformed_json", "the body is not valid JSON") from None
    if not isinstance(data, dict):
        raise ApiError(400, "malformed_json", "the body must be a JSON object")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise Invalid(unknown[0][:100], "unknown field")
    for field in required:
        if field not in data:
            raise Invalid(field, "required")
    for field, value in data.items():
        if isinstance(value, str):  # the driver would fail on it, whatever the field
            validation.storable(field, value)
    return data


def _number(text: str) -> int | float:
    """A number with no fractional part is an integer, as JSON Schema counts them (2.0 is 2)."""
    value = float(text)
    return int(value) if value.is_integer() else value


async def _read_limited(request: web.Request) -> bytes:
    too_large = ApiError(413, "too_large", f"the body is over {MAX_BODY_BYTES // 1024} KiB")
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.readany():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def path_id(request: web.Request, name: str) -> int:
    """An id from the path; anything that cannot be one of ours is simply not found."""
    raw = request.match_info[name]
    if not _ID_RE.fullmatch(raw):
        raise NotFound(name.removesuffix("_id"))
    return int(raw)


def body_id(value: object, field: str) -> int:
    """An id named in a body: an integer (else Invalid); one no row can have is NotFound."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(field, "an integer id")
    if not 0 < value <= MAX_ID:
        raise NotFound(field.removesuffix("_id"))
    return value
