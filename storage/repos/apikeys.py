"""REST API keys: only a hash is stored; the key is shown once, at creation."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select, update
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


async def identify(session: AsyncSession, key: str) -> ApiKey | None:
    """The valid, unrevoked key row that `key` is, or None. A read: the key's last use
    is noted apart (mark_used, in batches), so that authenticating takes no write lock."""
    if not key.startswith(KEY_PREFIX):
        return None
    row = await session.scalar(select(ApiKey).where(ApiKey.key_hash == _hash(key)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def needs_mark(row: ApiKey, now: datetime) -> bool:
    """Whether a use at `now` is worth writing: at most one write a minute per key."""
    return row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION


async def mark_used(session: AsyncSession, uses: Mapping[int, datetime]) -> None:
    """Note the last use of keys (by id) in one statement; a key gone meanwhile is skipped."""
    if not uses:
        return
    table = ApiKey.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("key_id"))
        .values(last_used_at=bindparam("used_at"))
    )
    rows = [{"key_id": key_id, "used_at": moment} for key_id, moment in sorted(uses.items())]
    await session.execute(statement, rows)
