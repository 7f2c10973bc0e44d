"""Adding a bot token that getMe has just accepted (SPEC §11, token rotation): a new
bot; a new token for one's own bot, which keeps its id, pools, history and counts; or
another operator's bot, taken over only when Telegram rejects the token stored for it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import BotIdentity, BotStatus
from core.errors import BotAlreadyRegistered, TokenRejected
from core.health import HealthState, StatusChange
from storage.crypto import TokenCipher
from storage.db import mark_changed
from storage.models import Bot, Member, utcnow
from storage.repos import history
from storage.repos.bots import apply_health, lock_many, register


class Added(StrEnum):
    """What adding a token did: a new bot, a new token for one's own bot, or another
    operator's bot whose stored token Telegram rejects, taken over."""

    NEW = "new"
    SAME = "same"  # the token the bot has already
    REPLACED = "replaced"
    TAKEN_OVER = "taken_over"


@dataclass(frozen=True, slots=True)
class Registration:
    """Another operator's registration of the Telegram bot being added, as read before
    its token is checked with Telegram (outside any transaction)."""

    bot_id: int
    owner_id: int
    username: str
    token_encrypted: bytes


@dataclass(frozen=True, slots=True)
class AddedBot:
    bot: Bot
    outcome: Added
    previous_owner: int | None = None  # TAKEN_OVER: who had it
    pool_ids: tuple[int, ...] = ()  # TAKEN_OVER: the previous owner's pools it left


async def rival(session: AsyncSession, owner_id: int, telegram_id: int) -> Registration | None:
    """Another operator's registration of `telegram_id`, if there is one."""
    row = (
        await session.execute(
            select(Bot.id, Bot.owner_id, Bot.username, Bot.token_encrypted).where(
                Bot.telegram_id == telegram_id, Bot.owner_id != owner_id
            )
        )
    ).first()
    return Registration(*row) if row is not None else None


async def if_revoked(
    registration: Registration | None,
    cipher: TokenCipher,
    identify: Callable[[str], Awaitable[BotIdentity]],
) -> Registration | None:
    """`registration` if Telegram now rejects the token it stored (revoked at
    @BotFather), else None. No answer, or a token that cannot be decrypted, is not a
    rejection: a bot changes hands only on Telegram's word. Network: call it outside
    any transaction."""
    if registration is None:
        return None
    try:
        token = cipher.decrypt(registration.token_encrypted)
    except ValueError:
        return None
    try:
        await identify(token)
    except TokenRejected as exc:
        return registration if exc.reason == "unauthorized" else None
    return None


async def add(
    session: AsyncSession,
    cipher: TokenCipher,
    owner_id: int,
    identity: BotIdentity,
    *,
    take_over: Registration | None = None,
) -> AddedBot:
    """Store a token just checked with getMe (so the bot is online). A bot the operator
    owns keeps its id, memberships, history and counts and gets the new token. Another
    operator's bot is BotAlreadyRegistered, unless it is `take_over` (whose stored token
    Telegram rejects) unchanged since it was read: then it moves to `owner_id`, leaving
    the previous owner's pools."""
    try:
        bot = await register(
            session,
            cipher,
            owner_id,
            telegram_id=identity.telegram_id,
            username=identity.username,
            token=identity.token,
        )
        return AddedBot(bot, Added.NEW)
    except BotAlreadyRegistered as exc:
        refused = exc
    bot_id = await session.scalar(select(Bot.id).where(Bot.telegram_id == identity.telegram_id))
    existing = (await lock_many(session, [bot_id])).get(bot_id) if bot_id is not None else None
    if existing is None:  # deleted since the insert found it: the caller may try again
        raise refused
    if existing.owner_id == owner_id:
        same = _decrypts_to(cipher, existing.token_encrypted, identity.token)
        _install(session, cipher, existing, identity)
        return AddedBot(existing, Added.SAME if same else Added.REPLACED)
    if (
        take_over is None
        or take_over.bot_id != existing.id
        or take_over.owner_id != existing.owner_id
        or take_over.token_encrypted != existing.token_encrypted
    ):
        raise refused
    pool_ids = tuple(
        (await session.scalars(select(Member.pool_id).where(Member.bot_id == existing.id))).all()
    )
    await session.execute(delete(Member).where(Member.bot_id == existing.id))
    existing.owner_id = owner_id
    _install(session, cipher, existing, identity)
    mark_changed(session, pools=pool_ids)
    return AddedBot(existing, Added.TAKEN_OVER, take_over.owner_id, pool_ids)


def _decrypts_to(cipher: TokenCipher, blob: bytes, token: str) -> bool:
    try:
        return cipher.decrypt(blob) == token
    except ValueError:
        return False


def _install(session: AsyncSession, cipher: TokenCipher, bot: Bot, identity: BotIdentity) -> None:
    """The new token, checked with getMe just now: the bot is online from a clean slate."""
    now = utcnow()
    old = BotStatus(bot.status)
    bot.token_encrypted = cipher.encrypt(identity.token)
    apply_health(
        bot,
        HealthState(status=BotStatus.ONLINE, last_check=now),
        username=identity.username,
    )
    if old is not BotStatus.ONLINE:
        history.record(session, bot.id, now, [StatusChange(old, BotStatus.ONLINE)], None)
    mark_changed(session, bots=[bot.id])
