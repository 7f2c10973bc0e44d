"""REST API keys: shown once, stored as a hash, revocable, owner-scoped."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from core.errors import Invalid, NotFound
from storage.db import Sessions, sqlite_path, transaction
from storage.models import utcnow
from storage.repos import apikeys

OWNER, OTHER = 1001, 2002


async def owner_of(session, key: str) -> int | None:
    row = await apikeys.identify(session, key)
    return None if row is None else row.owner_id


async def test_a_key_identifies_its_owner_and_its_use_is_marked_at_most_once_a_minute(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        row, key = await apikeys.create(session, OWNER, "  CRM  ")
    assert key.startswith(apikeys.KEY_PREFIX)
    assert row.label == "CRM"
    assert row.last_used_at is None
    async with sessions() as session:
        found = await apikeys.identify(session, key)
    assert found is not None and found.owner_id == OWNER
    assert apikeys.needs_mark(found, utcnow())
    async with transaction(sessions) as session:
        await apikeys.mark_used(session, {found.id: utcnow()})
    async with sessions() as session:
        (listed,) = await apikeys.list_owned(session, OWNER)
        assert listed.last_used_at is not None
        assert not apikeys.needs_mark(listed, utcnow())


async def test_only_a_hash_of_the_key_is_stored(sessions: Sessions, db_url: str) -> None:
    async with transaction(sessions) as session:
        row, key = await apikeys.create(session, OWNER)
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in {row.key_hash, row.prefix, row.label}
    secret = key.removeprefix(apikeys.KEY_PREFIX).encode()
    path = sqlite_path(db_url)  # the bytes on disk, where the database is a file here
    for file in (path, Path(f"{path}-wal")) if path is not None else ():
        if file.exists():
            assert secret not in file.read_bytes()


@pytest.mark.parametrize(
    "wrong", ["", "bp_", "bp_not-a-key", "Bearer bp_x", "no-prefix-at-all", "bp_" + "A" * 43]
)
async def test_a_wrong_key_authenticates_nobody(sessions: Sessions, wrong: str) -> None:
    async with transaction(sessions) as session:
        await apikeys.create(session, OWNER)
    async with transaction(sessions) as session:
        assert await apikeys.identify(session, wrong) is None


async def test_a_revoked_key_stops_working_and_leaves_the_list(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        row, key = await apikeys.create(session, OWNER, "old")
        _kept, kept_key = await apikeys.create(session, OWNER, "new")
    async with transaction(sessions) as session:
        await apikeys.revoke(session, OWNER, row.id)
    async with transaction(sessions) as session:
        assert await apikeys.identify(session, key) is None
        assert await owner_of(session, kept_key) == OWNER
        assert [k.label for k in await apikeys.list_owned(session, OWNER)] == ["new"]
        with pytest.raises(NotFound):
            await apikeys.revoke(session, OWNER, row.id)


async def test_another_operators_key_cannot_be_listed_or_revoked(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        row, key = await apikeys.create(session, OTHER)
    async with transaction(sessions) as session:
        assert await apikeys.list_owned(session, OWNER) == []
        with pytest.raises(NotFound):
            await apikeys.revoke(session, OWNER, row.id)
        with pytest.raises(NotFound):
            await apikeys.revoke(session, OWNER, 999_999)
    async with transaction(sessions) as session:
        assert await owner_of(session, key) == OTHER


@pytest.mark.parametrize("label", ["x" * 101, "lab\udcffel", "nul\x00"])
async def test_a_label_too_long_or_not_storable_is_invalid_and_creates_nothing(
    sessions: Sessions, label: str
) -> None:
    with pytest.raises(Invalid) as caught:
        async with transaction(sessions) as session:
            await apikeys.create(session, OWNER, label)
    assert caught.value.field == "label"
    async with sessions() as session:
        assert await apikeys.list_owned(session, OWNER) == []


async def test_every_key_is_different(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        keys = {(await apikeys.create(session, OWNER))[1] for _ in range(20)}
    assert len(keys) == 20
