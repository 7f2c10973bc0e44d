"""Every failure under /api as `{"error": {"code", "message", "field"?}}` (SPEC §7):
domain errors, aiohttp's own 404/405, and anything unexpected."""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping

from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy.exc import IntegrityError

from core.errors import (
    AlreadyMember,
    BotAlreadyRegistered,
    BotpoolError,
    Invalid,
    NotFound,
    PoolFull,
    SlugTaken,
    StorageBusy,
    StorageUnavailable,
    TokenRejected,
)
from storage.db import storage_error

log = logging.getLogger(__name__)

STORAGE_RETRY_AFTER_S = 1
# A storage fault (disk full, read-only file, lost server) takes longer to clear than a
# lock; writes work again within 5 s of it clearing (storage.db discards the connections).
UNAVAILABLE_RETRY_AFTER_S = 5
STORAGE_ANSWERS = {  # by error code: the message and Retry-After of the 503
    StorageBusy.code: ("the database is busy; try again", STORAGE_RETRY_AFTER_S),
    StorageUnavailable.code: (
        "the database is unavailable; nothing was written, try again",
        UNAVAILABLE_RETRY_AFTER_S,
    ),
}

HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
}


class ApiError(Exception):
    """A failure of the request itself (not of the domain), answered as is."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = dict(headers or {})

    def response(self) -> web.Response:
        error: dict[str, str] = {"code": self.code, "message": self.message}
        if self.field is not None:
            error["field"] = self.field
        response = web.json_response({"error": error}, status=self.status, headers=self.headers)
        if self.headers.get("Connection") == "close":
            response.force_close()
        return response


CHANGED_MEANWHILE = ApiError(
    409, "conflict", "changed by another request at the same time; read it again and retry"
)


def from_domain(exc: BotpoolError) -> ApiError:
    """The HTTP answer to a domain error raised by a repository or validation."""
    if isinstance(exc, NotFound):
        what = str(exc.args[0]).replace("_", " ") if exc.args else "resource"
        return ApiError(404, exc.code, f"no such {what}")
    if isinstance(exc, Invalid):
        return ApiError(400, exc.code, f"{exc.field}: {exc.reason}", field=exc.field)
    if isinstance(exc, SlugTaken):
        return ApiError(409, exc.code, "this slug is taken", field="slug")
    if isinstance(exc, BotAlreadyRegistered):
        return ApiError(409, exc.code, "this bot is already registered", field="token")
    if isinstance(exc, AlreadyMember):
        return ApiError(409, exc.code, "this bot is already in the pool", field="bot_id")
    if isinstance(exc, PoolFull):
        limit = exc.context.get("limit")
        return ApiError(409, exc.code, f"the pool already has its maximum of {limit} bots")
    if isinstance(exc, StorageBusy | StorageUnavailable):
        message, retry_after_s = STORAGE_ANSWERS[exc.code]
        return ApiError(503, exc.code, message, headers={"Retry-After": str(retry_after_s)})
    if isinstance(exc, TokenRejected):
        return _token_rejected(exc)
    return ApiError(400, exc.code, str(exc))


def _token_rejected(exc: TokenRejected) -> ApiError:
    if exc.reason == "unreachable":
        return ApiError(502, "telegram_unreachable", "Telegram did not answer getMe; try again")
    if exc.reason == "unauthorized":
        message = "Telegram rejected this token: it is wrong or was revoked"
    else:
        message = "not a bot token (expected <digits>:<secret> as @BotFather gives it)"
    return ApiError(400, exc.code, message, field="token")


def from_http(exc: web.HTTPException) -> ApiError:
    """aiohttp's own answers (unknown path, wrong method) in our shape."""
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else {}
    code = HTTP_CODES.get(exc.status, f"http_{exc.status}")
    return ApiError(exc.status, code, exc.reason.lower(), headers=headers)


def json_errors(handler: Handler) -> Handler:
    """`handler` answering every failure in the JSON shape. Wrapped around each view when
    it is registered, not run as a middleware: that would cost /go too (api/__init__)."""

    @functools.wraps(handler)
    async def answering_errors(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            return exc.response()
        except BotpoolError as exc:
            return from_domain(exc).response()
        except web.HTTPException as exc:
            return from_http(exc).response()
        except IntegrityError:  # a row this request relied on was changed or deleted meanwhile
            log.info("API %s %s raced another writer", request.method, request.path)
            return CHANGED_MEANWHILE.response()
        except Exception as exc:
            domain = storage_error(exc)  # a read outside a transaction() meets faults too
            if domain is not None:
                log.warning("API %s %s: %s", request.method, request.path, exc)
                return from_domain(domain).response()
            log.exception("API %s %s failed", request.method, request.path)
            return ApiError(500, "internal", "internal error").response()

    return answering_errors
