"""REST API keys: only a hash is stored; the key is shown once, at creation."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core import validation
from core.errors import Invalid, NotFound
from storage.models import ApiKey, utcnow
from storage.repos import operators

KEY_PREFIX = "bp_"
LABEL_MAX = 100
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def create(session: AsyncSession, owner_id: int, label: str = "") -> tuple[ApiKey, str]:
    """A new key for `owner_id`; the second item is the key itself, never stored."""
    label = (label or "").strip()
    if len(label) > LABEL_MAX:
        raise Invalid("label", f"at most {LABEL_MAX} characters")
    validation.storable("label", label)  # argv can carry a surrogate-escaped byte
    await operators.get_or_create(session, owner_id)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(owner_id=owner_id, label=label, prefix=key[:10], key_hash=_hash(key))
    session.add(row)
    await session.flush()
    return row, key


async def list_owned(session: AsyncSession, owner_id: int) -> Sequence[ApiKey]:
    statement = (
        select(ApiKey)
        .where(ApiKey.owner_id == owner_id, ApiKey.revoked_at.is_(None))
        .order_by(ApiKey.id)
    )
    return (await session.scalars(statement)).all()


async def get_owned(session: AsyncSession, owner_id: int, key_id: int) -> ApiKey:
    """One of the owner's live keys; a revoked or another operator's key is NotFound."""
    row = await session.get(ApiKey, key_id)
    if row is None or row.owner_id != owner_id or row.revoked_at is not None:
        raise NotFound("api_key", key_id=key_id)
    return row


async def revoke(session: AsyncSession, owner_id: int, key_id: int) -> None:
    row = await get_owned(session, owner_id, key_id)
    row.revoked_at = utcnow()
    await session.flush()


async def authenticate(session: AsyncSession, key: str) -> int | None:
    """The owner of a valid, unrevoked key (and its last use noted), or None."""
    if not key.startswith(KEY_PREFIX):
        return None
    row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
        row.last_used_at = now  # at most one write a minute per key, not one per request
    return row.owner_id
