"""/settings: the operator's language (answers switch at once) and alerts on or off
(the health monitor reads Operator.alerts_enabled before telling the operator)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.keyboards import settings as keyboards
from bot_manager.keyboards.callback_data import MenuAction, MenuCb, SettingsAction, SettingsCb
from bot_manager.replies import edit, send
from bot_manager.texts import t
from bot_manager.views.settings import settings_text
from storage.models import Operator
from storage.repos import operators


def screen(operator: Operator) -> tuple[str, InlineKeyboardMarkup]:
    """The settings card, in the operator's (possibly just changed) language."""
    return settings_text(operator), keyboards.settings(operator.language, operator.alerts_enabled)


async def settings_command(message: Message, operator: Operator) -> None:
    await send(message, *screen(operator))


async def settings_menu(query: CallbackQuery, operator: Operator) -> None:
    await edit(query, *screen(operator))


async def set_language(
    query: CallbackQuery,
    callback_data: SettingsCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
) -> None:
    if callback_data.language is None:
        return
    operator = await operators.set_language(session, operator.id, callback_data.language.value)
    callback_answer.text = t(operator.language, "settings.language_saved")
    await edit(query, *screen(operator))


async def set_alerts(
    query: CallbackQuery,
    callback_data: SettingsCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
) -> None:
    operator = await operators.set_alerts(session, operator.id, callback_data.enabled)
    saved = "settings.alerts_saved_on" if operator.alerts_enabled else "settings.alerts_saved_off"
    callback_answer.text = t(operator.language, saved)
    await edit(query, *screen(operator))


def create_router() -> Router:
    router = Router(name="settings")
    router.message.register(settings_command, Command("settings"))
    router.callback_query.register(settings_menu, MenuCb.filter(F.action == MenuAction.SETTINGS))
    router.callback_query.register(
        set_language, SettingsCb.filter(F.action == SettingsAction.LANGUAGE)
    )
    router.callback_query.register(set_alerts, SettingsCb.filter(F.action == SettingsAction.ALERTS))
    return router
