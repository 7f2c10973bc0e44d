"""Error answers of /go: HTML in the lead's language for browsers, JSON for programs."""

from __future__ import annotations

import pytest

from core.domain import BotStatus
from redirect_server.pages import language_of, wants_json

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


async def test_browser_gets_a_portuguese_html_page_by_default(seed, start_client):
    client = await start_client()
    async with client.get("/go/nope", headers={"Accept": BROWSER}) as response:
        assert response.status == 404
        assert response.content_type == "text/html"
        assert response.headers["Cache-Control"] == "no-store"
        page = await response.text()
    assert '<html lang="pt-BR">' in page
    assert "Link não encontrado" in page


async def test_browser_asking_for_english_gets_an_english_page(seed, start_client):
    client = await start_client()
    headers = {"Accept": BROWSER, "Accept-Language": "en-US,en;q=0.9"}
    async with client.get("/go/nope", headers=headers) as response:
        page = await response.text()
    assert '<html lang="en">' in page
    assert "Link not found" in page


async def test_client_accepting_json_gets_the_error_as_json(seed, start_client):
    client = await start_client()
    headers = {"Accept": "application/json", "Accept-Language": "en"}
    async with client.get("/go/nope", headers=headers) as response:
        assert response.status == 404
        assert response.content_type == "application/json"
        body = await response.json()
    assert body == {
        "error": {
            "code": "not_found",
            "message": "This link does not exist or is paused at the moment.",
        }
    }


async def test_client_not_asking_for_html_gets_json(seed, start_client):
    client = await start_client()
    async with client.get("/go/nope", headers={"Accept": "*/*"}) as response:
        body = await response.json()
    assert body["error"]["code"] == "not_found"
    assert body["error"]["message"] == "Este link não existe ou está pausado no momento."


async def test_no_bot_page_tells_the_lead_to_come_back(seed, start_client):
    pool = await seed.pool("promo", ("a_bot",))
    await seed.set_status(pool.bot_ids["a_bot"], BotStatus.OFFLINE)
    client = await start_client()
    async with client.get("/go/promo", headers={"Accept": BROWSER}) as response:
        assert response.status == 503
        assert "Indisponível no momento" in await response.text()
    async with client.get("/go/promo", headers={"Accept": "application/json"}) as response:
        assert (await response.json())["error"]["code"] == "no_bot_available"


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", "pt-BR"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("pt-BR,pt;q=0.9,en;q=0.8", "pt-BR"),
        ("en;q=0.5, pt;q=0.8", "pt-BR"),
        ("fr-FR,fr;q=0.9,en;q=0.3", "en"),
        ("de, fr", "pt-BR"),
        ("en;q=banana", "pt-BR"),
        ("*", "pt-BR"),
    ],
)
def test_language_follows_accept_language_q_values(header, language):
    assert language_of(header) == language


@pytest.mark.parametrize(
    ("accept", "json"),
    [
        ("application/json", True),
        ("text/html, application/json", True),
        ("*/*", True),
        ("", True),
        (BROWSER, False),
        ("TEXT/HTML", False),
    ],
)
def test_json_is_for_clients_that_ask_for_it_or_not_for_html(accept, json):
    assert wants_json(accept) is json


async def test_every_answer_names_botpool_as_its_server(seed, start_client):
    """Not "Python/3.11 aiohttp/3.x", which tells everyone what to attack."""
    await seed.pool("promo", ("a_bot",))
    empty = await seed.pool("empty", ("b_bot",))
    await seed.set_status(empty.bot_ids["b_bot"], BotStatus.OFFLINE)
    client = await start_client()
    answers = {}
    for method, path in [
        ("GET", "/go/promo"),
        ("GET", "/go/empty"),
        ("GET", "/go/nope"),
        ("GET", "/go/"),
        ("GET", "/"),
        ("POST", "/healthz"),
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/api/openapi.json"),
        ("GET", "/api/redirect-pools"),
        ("GET", "/api/nope"),
    ]:
        async with client.request(method, path, allow_redirects=False) as response:
            answers[method, path] = (response.status, response.headers.get("Server"))
    assert {key: server for key, (_status, server) in answers.items()} == dict.fromkeys(
        answers, "botpool"
    )
    assert [status for status, _server in answers.values()] == [
        302, 503, 404, 404, 404, 405, 200, 200, 200, 401, 404
    ]  # fmt: skip
