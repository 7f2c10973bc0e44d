"""The key the bot tokens are encrypted with: the database keeps its fingerprint, every
process checks its own key against it at start-up, and `botpool rotate-key` re-encrypts
every token under a new key (SPEC §11)."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.crypto import TokenCipher
from storage.db import Sessions, dialect_insert, transaction
from storage.models import Bot, KeyFingerprint, utcnow

ROW_ID = 1


class KeyMismatch(Exception):
    """The key given is not the one the database's tokens were stored with."""


async def ensure_matches(sessions: Sessions, cipher: TokenCipher) -> None:
    """Return when `cipher` is the database's key, recording its fingerprint first if the
    database has none yet (a new one, or one from before fingerprints, provided every
    stored token decrypts with it); KeyMismatch otherwise."""
    async with sessions() as session:
        stored = await session.scalar(select(KeyFingerprint.fingerprint))
    if stored is None:
        async with transaction(sessions) as session:
            await _decrypt_all(session, cipher)
            await session.execute(
                dialect_insert(session, KeyFingerprint)
                .values(id=ROW_ID, fingerprint=cipher.fingerprint)
                .on_conflict_do_nothing(index_elements=["id"])
            )
            stored = await session.scalar(select(KeyFingerprint.fingerprint))
    if stored != cipher.fingerprint:
        raise KeyMismatch


async def rotate(sessions: Sessions, old: TokenCipher, new: TokenCipher) -> int:
    """Re-encrypt every token from `old` to `new` and record `new`'s fingerprint, in one
    transaction; how many tokens. KeyMismatch when `old` is not the database's key (a
    database already on `new` has nothing to do: 0)."""
    async with transaction(sessions) as session:
        stored = await session.scalar(select(KeyFingerprint.fingerprint).with_for_update())
        if stored == new.fingerprint and stored != old.fingerprint:
            return 0
        if stored is not None and stored != old.fingerprint:
            raise KeyMismatch
        rows = (
            await session.execute(
                select(Bot.id, Bot.token_encrypted).order_by(Bot.id).with_for_update()
            )
        ).all()
        try:
            values = [
                {"id": bot_id, "token_encrypted": new.encrypt(old.decrypt(blob))}
                for bot_id, blob in rows
            ]
        except ValueError:
            raise KeyMismatch from None
        if values:
            await session.execute(update(Bot), values)
        await session.execute(
            dialect_insert(session, KeyFingerprint)
            .values(id=ROW_ID, fingerprint=new.fingerprint)
            .on_conflict_do_update(
                index_elements=["id"],
                set_={"fingerprint": new.fingerprint, "updated_at": utcnow()},
            )
        )
    return len(rows)


async def _decrypt_all(session: AsyncSession, cipher: TokenCipher) -> None:
    for blob in await session.scalars(select(Bot.token_encrypted)):
        try:
            cipher.decrypt(blob)
        except ValueError:
            raise KeyMismatch from None
