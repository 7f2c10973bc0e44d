"""Every failure under /api in the JSON shape {"error": {"code", "message"}}, with the right
status; a refused request changes nothing."""

from __future__ import annotations

import sqlite3

import pytest

from redirect_server.api.body import MAX_BODY_BYTES
from storage import db


async def _pools(alice):
    return (await alice.call("GET", "/api/redirect-pools"))[1]


async def test_a_body_over_the_limit_is_413_in_json(alice):
    body = {"name": "x" * MAX_BODY_BYTES, "slug": "red1"}

    status, answer = await alice.call("POST", "/api/redirect-pools", body)

    assert (status, answer["error"]["code"]) == (413, "too_large")
    assert await _pools(alice) == []


async def test_an_oversized_body_sent_in_chunks_is_413_too(alice):
    async def chunks():
        for _ in range(MAX_BODY_BYTES // 1024 + 2):
            yield b" " * 1024

    status, answer = await alice.call(
        "POST",
        "/api/redirect-pools",
        data=chunks(),
        headers={"Content-Type": "application/json"},
    )

    assert (status, answer["error"]["code"]) == (413, "too_large")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
async def test_a_body_that_is_not_json_is_415(alice, content_type):
    headers = {"Content-Type": content_type} if content_type else {}

    status, answer = await alice.call(
        "POST", "/api/redirect-pools", data=b'{"name": "x", "slug": "red1"}', headers=headers
    )

    assert (status, answer["error"]["code"]) == (415, "unsupported_media_type")
    assert await _pools(alice) == []


@pytest.mark.parametrize("raw", [b"", b"{", b'{"name": "x",}', b"\xff\xfe", b"[" * 50_000, b"NaN]"])
async def test_malformed_json_is_400(alice, raw):
    status, answer = await alice.call(
        "POST", "/api/redirect-pools", data=raw, headers={"Content-Type": "application/json"}
    )

    assert (status, answer["error"]["code"]) == (400, "malformed_json")


@pytest.mark.parametrize("body", [[], ["name", "slug"], "red1", 7, None])
async def test_a_body_that_is_not_an_object_is_400(alice, body):
    status, answer = await alice.call(
        "POST",
        "/api/redirect-pools",
        data=__import__("json").dumps(body),
        headers={"Content-Type": "application/json; charset=utf-8"},
    )

    assert (status, answer["error"]["code"]) == (400, "malformed_json")
    assert "object" in answer["error"]["message"]


async def test_a_method_a_route_lacks_is_405_in_json_with_allow(alice):
    status, answer = await alice.call("PUT", "/api/bots", {})

    assert (status, answer["error"]["code"]) == (405, "method_not_allowed")


async def test_405_names_the_allowed_methods(client):
    async with client.request("PUT", "/api/redirect-pools") as response:
        body = await response.json()
    assert response.status == 405
    assert set(response.headers["Allow"].split(",")) == {"GET", "HEAD", "POST"}
    assert body["error"]["code"] == "method_not_allowed"


@pytest.mark.parametrize(
    "path",
    [
        "/api",
        "/api/",
        "/api/nothing-here",
        "/api/bots/1/nothing-here",
        "/api/redirect-pools/abc",
        "/api/redirect-pools/-1/status",
        "/api/redirect-pools/1.5",
        "/api/redirect-pools/99999999999999999999999",
        "/api/redirect-pools/\u0661",
        "/api/redirect-pools/424242",
    ],
)
async def test_unknown_paths_and_ids_are_404_in_json(alice, path):
    status, answer = await alice.call("GET", path)

    assert (status, answer["error"]["code"]) == (404, "not_found")


async def test_a_non_integer_id_in_a_write_is_404(alice):
    for method, path in [
        ("DELETE", "/api/bots/abc"),
        ("PATCH", "/api/redirect-pools/x1"),
        ("POST", "/api/redirect-pools/x1/bots"),
        ("DELETE", "/api/redirect-pools/1/bots/bot"),
    ]:
        status, answer = await alice.call(method, path, {"weight": 1})
        assert (status, answer["error"]["code"]) == (404, "not_found"), path


@pytest.mark.sqlite_only
class TestLockedDatabase:
    @pytest.fixture
    def settings(self, settings, monkeypatch):
        """Engines made after this wait 50 ms for a lock instead of 5 s."""
        monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 50)
        return settings

    async def test_a_locked_database_is_503_with_retry_after_and_nothing_written(
        self, alice, settings
    ):
        holder = sqlite3.connect(db.sqlite_path(settings.database_url), timeout=0)
        try:
            holder.execute("BEGIN IMMEDIATE")
            status, answer = await alice.call(
                "POST", "/api/redirect-pools", {"name": "x", "slug": "red1"}
            )
        finally:
            holder.rollback()
            holder.close()

        assert (status, answer["error"]["code"]) == (503, "storage_busy")
        assert await _pools(alice) == []

    async def test_503_carries_retry_after(self, alice, settings):
        holder = sqlite3.connect(db.sqlite_path(settings.database_url), timeout=0)
        try:
            holder.execute("BEGIN IMMEDIATE")
            async with alice.client.post(  # a write: reads never wait on the lock
                "/api/redirect-pools",
                json={"name": "x", "slug": "red1"},
                headers={"Authorization": f"Bearer {alice.key}"},
            ) as response:
                assert response.status == 503
                assert int(response.headers["Retry-After"]) >= 1
        finally:
            holder.rollback()
            holder.close()
