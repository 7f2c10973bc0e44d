"""Telling an operator that a bot they had registered was taken over by another, whose
newer token Telegram accepts while theirs is rejected (SPEC §11, token rotation): from
the control bot's chat and from `POST /api/bots` of `botpool run` alike."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import select

from bot_manager.texts import t
from storage.db import Sessions
from storage.models import Pool
from storage.repos import operators
from storage.repos.registrations import AddedBot

log = logging.getLogger(__name__)

Send = Callable[[int, str], Awaitable[object]]


async def notice(sessions: Sessions, added: AddedBot) -> tuple[int, str]:
    """The previous owner and the message they get, in their language."""
    assert added.previous_owner is not None
    async with sessions() as session:
        operator = await operators.get(session, added.previous_owner)
        slugs = (
            await session.scalars(
                select(Pool.slug).where(Pool.id.in_(added.pool_ids)).order_by(Pool.slug)
            )
        ).all()
    lang = operator.language if operator is not None else None
    pools = ", ".join(slugs) or t(lang, "bot.taken_over_no_pools")
    return added.previous_owner, t(lang, "bot.taken_over", username=added.bot.username, pools=pools)


async def tell_previous_owner(sessions: Sessions, send: Send, added: AddedBot) -> None:
    """Send the notice; a failure to deliver is logged, never raised (the bot has moved)."""
    chat_id, text = await notice(sessions, added)
    try:
        await send(chat_id, text)
    except Exception as exc:
        log.warning("could not tell operator %s of a take-over: %s", chat_id, type(exc).__name__)
    log.info("bot @%s moved from operator %s", added.bot.username, chat_id)
