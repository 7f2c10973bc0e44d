"""API keys: Bearer auth, keys stored hashed, shown once, revocable."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.errors import Invalid
from redirect_server.api import create_api_key
from storage.db import transaction
from storage.models import ApiKey
from storage.repos import apikeys


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer bp_not-a-real-key"},
        {"Authorization": "Bearer something-else"},
    ],
)
async def test_without_a_valid_key_every_route_is_401_with_a_bearer_challenge(client, headers):
    for method, path in [
        ("GET", "/api/bots"),
        ("POST", "/api/redirect-pools"),
        ("GET", "/api/redirect-pools/1"),
        ("DELETE", "/api/redirect-pools/1/bots/1"),
    ]:
        async with client.request(method, path, headers=headers, json={}) as response:
            body = await response.json()
        assert response.status == 401, (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert body["error"]["code"] == "unauthorized"


async def test_a_key_authenticates_its_owner_and_its_last_use_is_written_in_the_background(
    client, sessions
):
    key = await create_api_key(sessions, 4242, "landing page")

    async with client.get("/api/bots", headers={"Authorization": f"bearer {key}"}) as response:
        assert response.status == 200
        assert await response.json() == []
    await client.close()  # the batch of last-use marks is written by shutdown at the latest

    async with sessions() as session:
        row = await session.scalar(select(ApiKey))
    assert (row.owner_id, row.label) == (4242, "landing page")
    assert row.last_used_at is not None


async def test_the_key_itself_is_never_stored(sessions):
    key = await create_api_key(sessions, 1, "")

    async with sessions() as session:
        row = await session.scalar(select(ApiKey))
    assert key not in repr([row.key_hash, row.prefix, row.label]) and key.startswith("bp_")
    assert row.key_hash != key


async def test_a_revoked_key_is_401(client, sessions):
    key = await create_api_key(sessions, 7, "")
    async with transaction(sessions) as session:
        [row] = await apikeys.list_owned(session, 7)
        await apikeys.revoke(session, 7, row.id)

    async with client.get("/api/bots", headers={"Authorization": f"Bearer {key}"}) as response:
        body = await response.json()
    assert response.status == 401
    assert "revoked" in body["error"]["message"]


async def test_a_label_over_100_characters_is_refused_and_creates_nothing(sessions):
    with pytest.raises(Invalid) as refused:
        await create_api_key(sessions, 1, "x" * 101)

    assert refused.value.field == "label"
    async with sessions() as session:
        assert (await session.scalars(select(ApiKey))).all() == []


async def test_the_openapi_document_needs_no_key(client):
    async with client.get("/api/openapi.json") as response:
        assert response.status == 200
        assert (await response.json())["openapi"].startswith("3.")
