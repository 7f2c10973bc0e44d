"""/bots: the operator's bots with their health; one bot's detail with re-check (the
health monitor's `recheck`) and delete with confirmation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.keyboards import bots as kb
from bot_manager.keyboards.callback_data import BotAction, BotCb, MenuAction, MenuCb
from bot_manager.replies import edit, send
from bot_manager.texts import t
from bot_manager.views.bots import bots_text, detail_text
from core.domain import BotStatus
from storage.models import Operator
from storage.repos import bots

# The health monitor's re-check: probe one of the owner's bots now, return its status.
Recheck = Callable[[int, int], Awaitable[BotStatus]]


async def bots_command(message: Message, session: AsyncSession, operator: Operator, lang: str):
    owned = await bots.list_owned(session, operator.id)
    await send(message, bots_text(lang, owned), kb.bots_list(lang, owned))


async def bots_pressed(query: CallbackQuery, session: AsyncSession, operator: Operator, lang: str):
    owned = await bots.list_owned(session, operator.id)
    await edit(query, bots_text(lang, owned), kb.bots_list(lang, owned))


async def show(
    query: CallbackQuery, callback_data: BotCb, session: AsyncSession, operator: Operator, lang: str
) -> None:
    bot = await bots.get_owned(session, operator.id, callback_data.bot_id)
    await edit(query, await detail_text(lang, bot), kb.detail(lang, bot))


async def recheck_pressed(
    query: CallbackQuery,
    callback_data: BotCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    lang: str,
    recheck: Recheck | None,
) -> None:
    """Probe now (also the way out of `banned`); the detail shows the fresh state."""
    bot = await bots.get_owned(session, operator.id, callback_data.bot_id)
    if recheck is None:
        callback_answer.text = t(lang, "bot.recheck_unavailable")
        callback_answer.show_alert = True
        return
    status = await recheck(operator.id, bot.id)
    await session.refresh(bot)
    callback_answer.text = t(lang, "bot.rechecked", status=t(lang, f"status.{status}"))
    await edit(query, await detail_text(lang, bot), kb.detail(lang, bot))


async def delete_pressed(
    query: CallbackQuery, callback_data: BotCb, session: AsyncSession, operator: Operator, lang: str
) -> None:
    bot = await bots.get_owned(session, operator.id, callback_data.bot_id)
    count = len(await bot.awaitable_attrs.memberships)
    text = t(lang, "bot.delete_confirm", username=bot.username, count=count)
    await edit(query, text, kb.confirm_delete(lang, bot))


async def delete_confirmed(
    query: CallbackQuery, callback_data: BotCb, session: AsyncSession, operator: Operator, lang: str
) -> None:
    bot = await bots.get_owned(session, operator.id, callback_data.bot_id)
    username = bot.username
    await bots.delete_owned(session, operator.id, bot.id)
    await edit(query, t(lang, "bot.deleted", username=username), kb.after_delete(lang))


def create_router() -> Router:
    router = Router(name="bots")
    on = BotCb.filter
    router.message.register(bots_command, Command("bots"))
    router.callback_query.register(bots_pressed, MenuCb.filter(F.action == MenuAction.BOTS))
    router.callback_query.register(bots_pressed, on(F.action == BotAction.LIST))
    router.callback_query.register(show, on(F.action == BotAction.SHOW))
    router.callback_query.register(recheck_pressed, on(F.action == BotAction.RECHECK))
    router.callback_query.register(delete_pressed, on(F.action == BotAction.DELETE))
    router.callback_query.register(delete_confirmed, on(F.action == BotAction.CONFIRM_DELETE))
    return router
