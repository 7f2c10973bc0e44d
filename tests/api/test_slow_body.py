"""A body that does not arrive within BOTPOOL_READ_TIMEOUT_S is answered 408 and its
connection closed, rather than held open for as long as the client likes."""

from __future__ import annotations

import asyncio
import json

import pytest

from core.settings import Settings


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"read_timeout_s": 0.3})


async def test_a_half_sent_body_is_408_and_the_connection_closed(alice):
    reader, writer = await asyncio.open_connection("127.0.0.1", alice.client.port)
    try:
        writer.write(
            b"POST /api/redirect-pools HTTP/1.1\r\nHost: x\r\n"
            b"Authorization: Bearer " + alice.key.encode() + b"\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            b'{"name": "x"'
        )
        async with asyncio.timeout(10):
            answer = await reader.read()  # to the end: the server closes the connection
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert json.loads(body)["error"]["code"] == "request_timeout"
    assert (await alice.call("GET", "/api/redirect-pools"))[1] == []
