"""The OpenAPI document matches the routes actually mounted, and names every answer."""

from __future__ import annotations

import re

import schemathesis
from aiohttp import web

from core import validation
from core.errors import Invalid
from redirect_server.api import PREFIX, create_api_app
from redirect_server.api.openapi import DOCUMENT

METHODS = {"get", "post", "patch", "delete", "put"}
SPEC_ROUTES = {
    ("post", "/api/bots"),
    ("get", "/api/bots"),
    ("delete", "/api/bots/{bot_id}"),
    ("post", "/api/redirect-pools"),
    ("get", "/api/redirect-pools"),
    ("get", "/api/redirect-pools/{pool_id}"),
    ("patch", "/api/redirect-pools/{pool_id}"),
    ("delete", "/api/redirect-pools/{pool_id}"),
    ("post", "/api/redirect-pools/{pool_id}/bots"),
    ("patch", "/api/redirect-pools/{pool_id}/bots/{bot_id}"),
    ("delete", "/api/redirect-pools/{pool_id}/bots/{bot_id}"),
    ("get", "/api/redirect-pools/{pool_id}/status"),
    ("get", "/api/redirect-pools/{pool_id}/counts"),
    ("get", "/api/redirect-pools/{pool_id}/campaigns"),
    ("get", "/api/openapi.json"),
}


def _mounted() -> set[tuple[str, str]]:
    app: web.Application = create_api_app()
    return {
        (route.method.lower(), PREFIX + route.resource.canonical)
        for route in app.router.routes()
        if route.method.lower() in METHODS
    }


def _documented() -> set[tuple[str, str]]:
    return {
        (method, path)
        for path, item in DOCUMENT["paths"].items()
        for method in item
        if method in METHODS
    }


def _operations():
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def test_every_mounted_route_is_documented_and_every_documented_route_is_mounted():
    assert _mounted() == _documented()


def test_the_document_covers_every_route_of_the_spec():
    assert _documented() == SPEC_ROUTES


def test_path_parameters_are_declared_for_every_placeholder():
    for path, item in DOCUMENT["paths"].items():
        declared = {p["name"] for p in item.get("parameters", [])}
        assert declared == set(re.findall(r"{(\w+)}", path)), path


def test_every_protected_operation_documents_401_and_every_body_400_413_415():
    for method, path, operation in _operations():
        responses = operation["responses"]
        if operation.get("security") != []:
            assert "401" in responses, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415"} <= set(responses), (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)


def test_the_shapes_of_the_spec_are_components_with_their_fixed_fields():
    schemas = DOCUMENT["components"]["schemas"]
    assert {"Bot", "Pool", "PoolWithMembers", "Member", "Status", "Error"} <= set(schemas)
    assert set(schemas["Bot"]["required"]) >= {"id", "telegram_id", "username", "last_check"}
    assert "token" not in schemas["Bot"]["properties"]
    assert set(schemas["Status"]["required"]) == {
        "health",
        "online_bots",
        "total_bots",
        "redirects_hour",
        "returning_hour",
        "fallback_link_hour",
        "unserved_hour",
        "capacity_hour",
        "capacity_used",
        "bots",
    }
    assert DOCUMENT["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_document_is_a_valid_openapi_schema_every_operation_loads_from():
    schema = schemathesis.openapi.from_dict(DOCUMENT)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {(op.method.lower(), op.path) for op in operations} == _documented()


async def test_the_served_document_is_the_module_document_with_the_public_server(client):
    async with client.get("/api/openapi.json") as response:
        served = await response.json()
    assert served["servers"] == [{"url": "http://botpool.test"}]
    assert {k: v for k, v in served.items() if k != "servers"} == DOCUMENT


def _refused_name(text: str) -> bool:
    try:
        validation.name(text)
    except Invalid:
        return True
    return False


def test_a_name_is_blank_to_the_document_exactly_when_it_is_blank_to_the_api():
    """JSON Schema's \\S (ECMA-262) counts U+001E as a character; the API strips it. The
    fuzz run once sent such a schema-valid name and got 400."""
    schemas = DOCUMENT["components"]["schemas"]
    pattern = re.compile(schemas["NewPool"]["properties"]["name"]["pattern"])
    characters = [chr(code) for code in range(0x10000) if not 0xD800 <= code <= 0xDFFF]

    assert [c for c in characters if not pattern.search(c)] == [
        c for c in characters if _refused_name(c)
    ]
    assert schemas["PoolChanges"]["properties"]["name"]["pattern"] == pattern.pattern
    # Python reads \s as str.isspace() does, so the check above needs the blanks spelled out.
    assert "\\s" not in pattern.pattern.lower()
