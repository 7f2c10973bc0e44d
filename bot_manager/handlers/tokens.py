"""Adding bots: /addbot [token] and ANY message that carries a token (pasted, or
forwarded from @BotFather). The message is deleted before the token is even checked;
the token is never echoed or logged."""

from __future__ import annotations

import logging

from aiogram import F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.filters import CarriesToken, LooksLikeToken
from bot_manager.keyboards import bots as kb
from bot_manager.keyboards.callback_data import MenuAction, MenuCb
from bot_manager.keyboards.menu import cancel_only
from bot_manager.probe import Prober
from bot_manager.replies import edit, send
from bot_manager.takeover import tell_previous_owner
from bot_manager.texts import t
from storage.crypto import TokenCipher
from storage.db import Sessions
from storage.models import Operator
from storage.repos import registrations
from storage.repos.registrations import Added

logger = logging.getLogger(__name__)

ADDED_KEYS = {
    Added.NEW: "addbot.added",
    Added.SAME: "token.already_yours",
    Added.REPLACED: "addbot.replaced",
    Added.TAKEN_OVER: "addbot.taken_over",
}


class AddBot(StatesGroup):
    token = State()


async def forget(message: Message) -> None:
    """Delete a message that carried a token; a failure is logged, never fatal."""
    try:
        await message.delete()
    except TelegramAPIError as exc:
        logger.warning("could not delete a token message: %s", type(exc).__name__)


async def token_received(
    message: Message,
    token: str,
    state: FSMContext,
    session: AsyncSession,
    sessions: Sessions,
    operator: Operator,
    prober: Prober,
    cipher: TokenCipher,
    lang: str,
) -> None:
    """A new bot, a new token for one's own bot (SPEC §11), or another operator's bot
    whose token Telegram now rejects, taken over. The prober commits before each getMe."""
    await forget(message)
    if await state.get_state() == AddBot.token.state:
        await state.clear()
    identity = await prober.identify(token)
    rival = await registrations.rival(session, operator.id, identity.telegram_id)
    registration = await registrations.if_revoked(rival, cipher, prober.identify)
    added = await registrations.add(session, cipher, operator.id, identity, take_over=registration)
    bot = added.bot
    logger.info("operator %s added bot @%s (%s)", operator.id, bot.username, added.outcome)
    await send(
        message, t(lang, ADDED_KEYS[added.outcome], username=bot.username), kb.detail(lang, bot)
    )
    if added.outcome is Added.TAKEN_OVER:
        await tell_previous_owner(sessions, message.bot.send_message, added)  # type: ignore[union-attr]


async def malformed(message: Message, lang: str) -> None:
    await forget(message)
    await send(message, t(lang, "token.malformed"))


async def addbot_command(message: Message, state: FSMContext, lang: str) -> None:
    await state.set_state(AddBot.token)
    await send(message, t(lang, "addbot.ask"), cancel_only(lang))


async def addbot_pressed(query: CallbackQuery, state: FSMContext, lang: str) -> None:
    await state.set_state(AddBot.token)
    await edit(query, t(lang, "addbot.ask"), cancel_only(lang))


async def not_a_token(message: Message, lang: str) -> None:
    await send(message, t(lang, "addbot.no_token"), cancel_only(lang))


def create_router() -> Router:
    """Included first, so a token is caught (and deleted) whatever wizard is open."""
    router = Router(name="tokens")
    router.message.register(token_received, CarriesToken())
    router.message.register(malformed, LooksLikeToken())
    router.message.register(addbot_command, Command("addbot"))
    router.callback_query.register(addbot_pressed, MenuCb.filter(F.action == MenuAction.ADD_BOT))
    router.message.register(not_a_token, AddBot.token, F.text, ~F.text.startswith("/"))
    return router
