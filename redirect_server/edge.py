"""What aiohttp answers below the application, answered botpool's way.

A request aiohttp cannot read (a control byte in the path, a malformed header, TLS sent
to the HTTP port) never reaches a handler: aiohttp answers it from
`RequestHandler.handle_error` with its own text, its version in Server and the offending
bytes echoed, and logs a full traceback at ERROR for each. aiohttp has no public hook
for this (aio-libs/aiohttp#3287), so `install` makes the runner's server hand each
connection to `BotpoolRequestHandler`, which overrides that one method: a short JSON
answer naming nothing of the request, and one WARNING line per bad request, at most
`burst` lines a minute (`EdgeLog`). tests/redirect_server/test_edge.py pins both, so an
aiohttp that changes the method fails there first.

The connection timeouts: Application(handler_args=...) hands aiohttp
BOTPOOL_KEEPALIVE_TIMEOUT_S, after which an idle connection is closed, and
BOTPOOL_READ_TIMEOUT_S as the time it waits for the rest of a body no handler read
(aiohttp's lingering time). aiohttp has no deadline for a request's head, so a client
that starts one and stops would hold its connection for the whole keep-alive timeout;
`BotpoolRequestHandler.data_received` closes it BOTPOOL_READ_TIMEOUT_S after the head's
first bytes. The API's own body reads have the same limit (api/body.py: 408).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aiohttp import hdrs, web

from core.settings import Settings
from redirect_server.pages import SERVER

LOG_BURST = 10  # protocol-error lines per LOG_PERIOD_S at most
LOG_PERIOD_S = 60.0


class EdgeLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The logger aiohttp's request handlers use (handler_args `logger`), one per app,
    with a throttle for the lines that strangers can cause."""

    def __init__(
        self,
        logger: logging.Logger,
        *,
        burst: int = LOG_BURST,
        period_s: float = LOG_PERIOD_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(logger, {})
        self._burst = burst
        self._period_s = period_s
        self._clock = clock
        self._period_end = 0.0
        self._logged = 0
        self._held = 0

    def protocol_error(self, remote: str | None, status: int, exc: BaseException | None) -> None:
        """One line, without the request's bytes (they can carry credentials)."""
        now = self._clock()
        if now >= self._period_end:
            self._period_end, self._logged = now + self._period_s, 0
        if self._logged >= self._burst:
            self._held += 1
            return
        self._logged += 1
        held, self._held = self._held, 0
        self.warning(
            "unreadable request from %s answered %d (%s)%s",
            remote or "?",
            status,
            type(exc).__name__ if exc is not None else "no detail",
            f"; {held} more not logged" if held else "",
        )


def _answer(status: int) -> web.Response:
    phrase = HTTPStatus(status).phrase
    code = phrase.lower().replace(" ", "_").replace("-", "_")
    body = json.dumps({"error": {"code": code, "message": phrase.lower()}})
    response = web.Response(
        status=status,
        text=body,
        content_type="application/json",
        headers={hdrs.SERVER: SERVER, hdrs.CACHE_CONTROL: "no-store"},
    )
    response.force_close()
    return response


class BotpoolRequestHandler(web.RequestHandler):
    """aiohttp's connection handler with botpool's answer to what aiohttp refuses."""

    __slots__ = ()  # the layout of RequestHandler, so a connection can be given this class

    def data_received(self, data: bytes) -> None:
        """Feed aiohttp's parser; when the bytes began a request's head without ending
        it, and no request is being answered, bring the connection's close forward to
        the read timeout from now (later bytes of the same head do not push it back).
        aiohttp's keep-alive check closes a connection still waiting for a request at
        that moment, and sets a full keep-alive again after each answer."""
        super().data_received(data)
        if (
            self._messages
            or self._request_in_progress
            or self._close
            or self._force_close
            or self._payload_parser is not None
            or not self._keepalive
            or self._lingering_time <= 0
        ):
            return
        loop = self._loop
        deadline = loop.time() + self._lingering_time
        if deadline >= self._next_keepalive_close_time:
            return  # a nearer close is due already (this head's first bytes, or keep-alive)
        self._next_keepalive_close_time = deadline
        handle = self._keepalive_handle
        if handle is not None:
            handle.cancel()
        self._keepalive_handle = loop.call_at(deadline, self._process_keepalive)

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if status >= 500:  # raised by one of our handlers: a bug, worth its traceback
            self.logger.exception("Error handling request", exc_info=exc)
        elif isinstance(self.logger, EdgeLog):
            self.logger.protocol_error(request.remote, status, exc)
        if request.writer.output_size > 0:  # as aiohttp: too late for another answer
            raise ConnectionError("the response has begun; no error answer can follow")
        return _answer(status)


class BotpoolServer(web.Server):
    """aiohttp's low-level server, giving each connection a BotpoolRequestHandler."""

    def __call__(self) -> web.RequestHandler:
        handler = super().__call__()
        handler.__class__ = BotpoolRequestHandler
        return handler


def handler_args(settings: Settings) -> dict[str, Any]:
    """The Application's handler_args: the keep-alive timeout, the read timeout for the
    rest of a body left unread by an answer (aiohttp's lingering, 10 s by default), and a
    throttled logger."""
    return {
        "keepalive_timeout": settings.keepalive_timeout_s,
        "lingering_time": settings.read_timeout_s,
        "logger": EdgeLog(logging.getLogger(__name__)),
    }


def install(server: web.Server) -> None:
    """Answer protocol errors botpool's way on a runner's server; call after the runner's
    setup() and before its site starts (connections take their class when they open)."""
    if isinstance(server, BotpoolServer):
        return
    if type(server) is not web.Server:
        raise TypeError(f"expected aiohttp's web.Server, got {type(server).__name__}")
    server.__class__ = BotpoolServer
