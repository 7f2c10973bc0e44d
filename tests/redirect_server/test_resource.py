"""/go/{slug} is matched by string operations; it must match exactly what aiohttp's
own DynamicResource matches. Other paths and methods get the router's 404 and 405,
the 404 being /go's own page."""

from __future__ import annotations

from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from redirect_server.resource import SlugResource

REFERENCE = web.DynamicResource("/go/{slug}")
PATHS = st.text(alphabet="/go{}%2F5Ab-_.é ", max_size=14).map(lambda tail: "/go" + tail)


@given(PATHS)
def test_slug_resource_matches_what_dynamic_resource_matches(path):
    assert SlugResource("/go")._match(path) == REFERENCE._match(path)


@given(st.text(alphabet="/ab{}%2F5", max_size=10))
def test_slug_resource_matches_like_dynamic_resource_under_a_prefix(tail):
    ours, reference = SlugResource("/go"), web.DynamicResource("/go/{slug}")
    ours.add_prefix("/r")
    reference.add_prefix("/r")
    path = "/r/go/" + tail
    assert ours._match(path) == reference._match(path)
    assert ours.canonical == reference.canonical == "/r/go/{slug}"


async def test_paths_and_methods_around_go_get_404_and_405_as_from_the_router(seed, start_client):
    await seed.pool("promo", ("a_bot",))
    client = await start_client()
    for path in ("/go/", "/go", "/go/promo/", "/go/promo/x", "/go/%7Bpromo%7D", "/"):
        async with client.get(path, allow_redirects=False) as response:
            assert response.status == 404, path
            # A link cut short or with a slash added gets /go's own 404 in the lead's
            # language, not aiohttp's plain "404: Not Found".
            assert response.content_type == "application/json", path
            body = await response.json()
            assert body["error"]["code"] == "not_found", path
    for path in ("/go/promo", "/healthz"):
        async with client.post(path, allow_redirects=False) as response:
            assert response.status == 405, path
            assert set(response.headers["Allow"].split(",")) == {"GET", "HEAD"}, path
    async with client.head("/go/promo/", allow_redirects=False) as response:
        assert response.status == 404
    async with client.head("/go/promo", allow_redirects=False) as response:
        assert response.status == 302
    async with client.get("/go/promo", allow_redirects=False) as response:
        assert response.status == 302
        assert response.headers["Location"] == "https://t.me/a_bot?start=acesso"


async def test_a_cut_link_gets_the_html_page_in_the_leads_language(seed, start_client):
    await seed.pool("promo", ("a_bot",))
    client = await start_client()
    headers = {"Accept": "text/html", "Accept-Language": "en-US,en;q=0.9"}
    async with client.get("/go/promo/", headers=headers) as response:
        assert response.status == 404
        assert response.headers["Cache-Control"] == "no-store"
        assert "Link not found" in await response.text()
    async with client.get("/go/", headers={"Accept": "text/html"}) as response:
        assert "Link não encontrado" in await response.text()
