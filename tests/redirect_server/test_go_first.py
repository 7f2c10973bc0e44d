"""/go is answered ahead of aiohttp's application layer (GoFirst) in the server that
`botpool` runs; it must answer exactly what the router would, and leave every other
request to the application."""

from __future__ import annotations

import asyncio
import gc

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from redirect_server import keys
from redirect_server.app import GC_THRESHOLDS, create_app, serve

PATHS = (
    "/go/promo",
    "/go/promo?start=vip",
    "/go/promo?start=bad%20param",
    "/go/promo?start=",
    "/go/pr%6Fmo",  # an escaped letter: the router decodes it, so must we
    "/go/PROMO",
    "/go/promo%2F",
    "/go/promo%2Fx",
    "/go/pro%25mo",
    "/go/%7Bpromo%7D",
    "/go/pr%C3%B3mo",
    "/go/promo;x",
    "/go/promo/",
    "/go//promo",
    "/go/",
    "/go",
    "/GO/promo",
    "/healthz",
    "/api/redirect-pools",
)
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS")
READ_TIMEOUT_S = 10.0
ANSWER_HEADERS = ("Location", "Content-Type", "Allow", "Cache-Control", "Retry-After")


async def _raw(port: int, method: str, target: str, accept: str) -> tuple[object, ...]:
    """One request written by hand, so that the target reaches the server exactly as
    given (an HTTP client would normalise "%6F" to "o" first)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"{method} {target} HTTP/1.1\r\nHost: botpool.test\r\nAccept: {accept}\r\n"
            "Connection: close\r\n\r\n".encode()
        )
        answer = await asyncio.wait_for(reader.read(), READ_TIMEOUT_S)  # read to the close
        head, _, body = answer.partition(b"\r\n\r\n")
    finally:
        writer.close()
        await writer.wait_closed()
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return status_line, {name: headers.get(name) for name in ANSWER_HEADERS}, body


async def _answers(client: TestClient) -> dict[tuple[str, str, str], tuple[object, ...]]:
    assert client.port is not None
    return {
        (accept, method, path): await _raw(client.port, method, path, accept)
        for accept in ("application/json", "text/html")
        for method in METHODS
        for path in PATHS
    }


async def test_go_first_answers_exactly_what_the_router_answers(
    seed, start_client, settings, sessions, cipher
):
    await seed.pool("promo", ("a_bot",))
    first = await start_client()  # as `botpool` serves: /go ahead of the router
    async with TestClient(TestServer(create_app(settings, sessions, cipher))) as routed:
        ours, theirs = await _answers(first), await _answers(routed)

    assert ours == theirs
    # The comparison covers each kind of answer, not just one.
    statuses = {str(answer[0]).split()[1] for answer in ours.values()}
    assert {"200", "302", "401", "404", "405"} <= statuses
    assert ours["text/html", "GET", "/go/pr%6Fmo"][0] == "HTTP/1.1 302 Found"


async def test_serve_answers_go_ahead_of_the_application_layer(seed, settings, sessions, cipher):
    await seed.pool("promo", ("a_bot",))
    app = create_app(settings, sessions, cipher)

    async def tag(request: web.Request, response: web.StreamResponse) -> None:
        response.headers["X-Application-Layer"] = "yes"

    app.on_response_prepare.append(tag)  # runs for whatever reaches the router
    runner = await serve(app, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        async with aiohttp.ClientSession(f"http://{host}:{port}") as http:
            seen = {}
            for method, path in (
                ("GET", "/go/promo"),
                ("HEAD", "/go/promo"),
                ("GET", "/go/unknown"),
                ("POST", "/go/promo"),
                ("GET", "/go/promo/"),
                ("GET", "/healthz"),
            ):
                async with http.request(method, path, allow_redirects=False) as response:
                    seen[method, path] = (
                        response.status,
                        response.headers.get("X-Application-Layer"),
                    )
    finally:
        await runner.cleanup()

    assert seen == {
        ("GET", "/go/promo"): (302, None),
        ("HEAD", "/go/promo"): (302, None),
        ("GET", "/go/unknown"): (404, None),  # /go's own 404, for a slug no pool has
        ("POST", "/go/promo"): (405, "yes"),  # the router's, with its Allow
        ("GET", "/go/promo/"): (404, "yes"),  # not a /go link: the router's catch-all
        ("GET", "/healthz"): (200, "yes"),
    }


async def test_serve_leaves_the_start_up_heap_out_of_the_cyclic_collector(
    seed, settings, sessions, cipher
):
    await seed.pool("promo", ("a_bot",))
    app = create_app(settings, sessions, cipher)
    gc.unfreeze()
    thresholds = gc.get_threshold()
    runner = await serve(app, "127.0.0.1", 0)
    try:
        routes = app[keys.ROUTING].routes
        assert "promo" in routes
        assert gc.get_freeze_count() > 0
        assert all(tracked is not routes for tracked in gc.get_objects())
        assert gc.get_threshold() == GC_THRESHOLDS  # full collections come rarely
    finally:
        await runner.cleanup()
        gc.unfreeze()
        gc.set_threshold(*thresholds)
