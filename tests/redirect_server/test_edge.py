"""What aiohttp would answer on its own (requests it cannot read, idle and half-sent
connections), answered and logged botpool's way."""

from __future__ import annotations

import asyncio
import inspect
import logging

import pytest
from aiohttp import web

from redirect_server.edge import LOG_BURST, EdgeLog

SECRET = b"Bearer s3cret-api-key"


async def exchange(port: int, raw: bytes) -> bytes:
    """Send `raw` on a new connection and read until the server closes it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(raw)
        async with asyncio.timeout(10):
            return await reader.read()
    finally:
        writer.close()


def split(answer: bytes) -> tuple[bytes, bytes, bytes]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status, _, headers = head.partition(b"\r\n")
    return status, headers, body


UNREADABLE = {
    "control byte in the path": b"GET /go/pro\x01mo HTTP/1.1\r\nHost: x\r\n",
    "malformed header": b"GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n",
    "not http": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
}


@pytest.mark.parametrize("request_bytes", UNREADABLE.values(), ids=UNREADABLE.keys())
async def test_an_unreadable_request_gets_botpools_400_and_one_warning_line_echoing_nothing(
    start_client, caplog, request_bytes
):
    client = await start_client()
    raw = request_bytes + b"Authorization: " + SECRET + b"\r\n\r\n"

    with caplog.at_level(logging.DEBUG):
        status, headers, body = split(await exchange(client.port, raw))

    assert status == b"HTTP/1.0 400 Bad Request"  # 1.0: aiohttp read no version of its own
    assert b"aiohttp" not in headers.lower() and b"python" not in headers.lower()
    assert b"server: botpool" in headers.lower()
    assert body == b'{"error": {"code": "bad_request", "message": "bad request"}}'
    logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert logged[0].levelno == logging.WARNING and logged[0].exc_info is None
    line = logged[0].getMessage()
    assert "\n" not in line and "s3cret" not in line and "pro" not in line


async def test_a_flood_of_unreadable_requests_is_logged_at_most_burst_times(start_client, caplog):
    client = await start_client()
    with caplog.at_level(logging.WARNING):
        for _ in range(LOG_BURST * 3):
            status, _, _ = split(await exchange(client.port, UNREADABLE["not http"]))
            assert status == b"HTTP/1.0 400 Bad Request"
    assert len(caplog.records) == LOG_BURST


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_lines_held_back_are_counted_in_the_next_period(caplog):
    clock = Clock()
    log = EdgeLog(logging.getLogger("tests.edge"), burst=2, period_s=60, clock=clock)
    with caplog.at_level(logging.WARNING):
        for _ in range(7):
            log.protocol_error("192.0.2.1", 400, ValueError("GET /secret"))
        clock.now += 60
        log.protocol_error("192.0.2.1", 400, None)
    lines = [r.getMessage() for r in caplog.records]
    assert lines[:2] == ["unreadable request from 192.0.2.1 answered 400 (ValueError)"] * 2
    assert lines[2:] == [
        "unreadable request from 192.0.2.1 answered 400 (no detail); 5 more not logged"
    ]


def test_aiohttps_handle_error_is_still_the_method_botpool_overrides():
    """edge.BotpoolRequestHandler overrides it; a change here must not go unnoticed."""
    parameters = list(inspect.signature(web.RequestHandler.handle_error).parameters)
    assert parameters == ["self", "request", "status", "exc", "message"]
    assert web.RequestHandler.__slots__, "a connection can take a subclass of the same layout"


async def test_an_idle_connection_is_closed_after_the_keepalive_timeout(settings, start_client):
    client = await start_client(settings=settings.model_copy(update={"keepalive_timeout_s": 0.3}))
    assert await exchange(client.port, b"") == b""


async def test_a_half_sent_request_is_closed_unanswered_after_the_keepalive_timeout(
    settings, start_client
):
    client = await start_client(settings=settings.model_copy(update={"keepalive_timeout_s": 0.3}))
    assert await exchange(client.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agen") == b""


async def test_a_half_sent_request_is_closed_after_the_read_timeout_not_the_keepalive(
    settings, start_client
):
    client = await start_client(
        settings=settings.model_copy(update={"keepalive_timeout_s": 60, "read_timeout_s": 0.3})
    )
    # exchange() gives up after 10 s: only the read timeout can close it in time.
    assert await exchange(client.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agen") == b""


async def test_a_head_trickled_byte_by_byte_is_cut_at_the_read_timeout_from_its_start(
    settings, start_client
):
    client = await start_client(
        settings=settings.model_copy(update={"keepalive_timeout_s": 60, "read_timeout_s": 0.5})
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    sent = 0
    try:
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nUser-Agent: " + b"a" * 100:
            writer.write(bytes([byte]))
            await writer.drain()
            sent += 1
            await asyncio.sleep(0.05)
            if reader.at_eof():
                break
        async with asyncio.timeout(10):
            assert await reader.read() == b""
    except ConnectionResetError:
        pass  # closed while we wrote: cut as well
    finally:
        writer.close()
    assert sent < 60, "each byte pushed the deadline back"


async def test_a_head_sent_in_pieces_within_the_read_timeout_is_answered_and_kept_alive(
    settings, start_client
):
    client = await start_client(
        settings=settings.model_copy(update={"keepalive_timeout_s": 60, "read_timeout_s": 2})
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", client.port)
    try:
        for piece in (b"GET /healthz HTTP/1.1\r\n", b"Host: x\r\n", b"\r\n"):
            writer.write(piece)
            await asyncio.sleep(0.1)
        async with asyncio.timeout(10):
            head = await reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 OK")
        assert await reader.readexactly(16) == b'{"status": "ok"}'
        await asyncio.sleep(2.5)  # longer than the read timeout, idle after an answer
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        async with asyncio.timeout(10):
            again = await reader.readuntil(b"\r\n\r\n")
        assert again.startswith(b"HTTP/1.1 200 OK"), "an idle connection waits for keep-alive"
    finally:
        writer.close()


async def test_a_connection_is_closed_once_idle_for_the_keepalive_timeout_after_an_answer(
    settings, start_client
):
    client = await start_client(settings=settings.model_copy(update={"keepalive_timeout_s": 0.3}))
    answer = await exchange(client.port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    status, _, body = split(answer)
    assert status == b"HTTP/1.1 200 OK" and body == b'{"status": "ok"}'
