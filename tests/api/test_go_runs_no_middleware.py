"""/go stays a bare aiohttp route: aiohttp runs the root application's middleware
machinery for every request once it or any sub-application has a middleware, so the
API wraps its views instead of adding middlewares."""

from __future__ import annotations

from collections.abc import Iterator

from aiohttp import web

from redirect_server.api import PREFIX
from redirect_server.app import create_app


def _apps(app: web.Application) -> Iterator[tuple[str, web.Application]]:
    yield "", app
    for resource in app.router.resources():
        if isinstance(resource, web.PrefixedSubAppResource):
            info = resource.get_info()
            for prefix, sub in _apps(info["app"]):
                yield info["prefix"] + prefix, sub


async def test_neither_the_server_nor_any_sub_application_has_a_middleware(
    settings, sessions, cipher
):
    app = create_app(settings, sessions, cipher)
    app.freeze()

    apps = dict(_apps(app))

    assert set(apps) == {"", PREFIX}
    assert {prefix: list(sub.middlewares) for prefix, sub in apps.items()} == {"": [], PREFIX: []}


async def test_a_method_no_view_serves_is_405_without_a_key(client):
    async with client.request("PUT", "/api/redirect-pools/1") as response:
        body = await response.json()

    assert response.status == 405
    assert set(response.headers["Allow"].split(",")) == {"DELETE", "GET", "HEAD", "PATCH"}
    assert body["error"]["code"] == "method_not_allowed"


async def test_paths_outside_the_api_get_the_servers_page_not_the_apis_json(client):
    async with client.get("/apix", headers={"Accept": "text/html"}) as response:
        assert response.status == 404
        assert response.content_type == "text/html"
