"""/settings: the operator's language (answers switch at once), alerts on or off (the
health monitor reads Operator.alerts_enabled), the daily digest's hour and time zone
(the digest job reads them), and the quiet hours (the alert delivery reads them). A
zone not among the buttons can be typed."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.keyboards import settings as keyboards
from bot_manager.keyboards.callback_data import MenuAction, MenuCb, SettingsAction, SettingsCb
from bot_manager.replies import edit, send
from bot_manager.texts import t
from bot_manager.views.settings import settings_text, zone_name
from core.errors import Invalid
from storage.models import Operator
from storage.repos import operators

TEXT_INPUT = (F.text, ~F.text.startswith("/"))


class SettingsForm(StatesGroup):
    time_zone = State()


def screen(operator: Operator) -> tuple[str, InlineKeyboardMarkup]:
    """The settings card, in the operator's (possibly just changed) language."""
    return settings_text(operator), keyboards.settings(operator)


async def settings_command(message: Message, operator: Operator) -> None:
    await send(message, *screen(operator))


async def settings_menu(query: CallbackQuery, state: FSMContext, operator: Operator) -> None:
    await state.clear()
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


async def digest_menu(query: CallbackQuery, operator: Operator, lang: str) -> None:
    text = t(lang, "settings.digest_prompt", zone=zone_name(operator))
    await edit(query, text, keyboards.digest_hours(lang, operator.digest_hour))


async def set_digest_hour(
    query: CallbackQuery,
    callback_data: SettingsCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    hour = None if callback_data.hour < 0 else callback_data.hour
    operator = await operators.set_digest_hour(session, operator.id, hour)
    callback_answer.text = (
        t(lang, "settings.digest_saved_off")
        if hour is None
        else t(lang, "settings.digest_saved_at", hour=keyboards.hour_label(hour))
    )
    await edit(query, *screen(operator))


async def zones_menu(
    query: CallbackQuery, state: FSMContext, operator: Operator, lang: str
) -> None:
    await state.set_state(SettingsForm.time_zone)
    zone = zone_name(operator)
    await edit(query, t(lang, "settings.zone_prompt", zone=zone), keyboards.zones(lang, zone))


async def set_zone(
    query: CallbackQuery,
    callback_data: SettingsCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    if not 0 <= callback_data.zone < len(keyboards.ZONES):
        return
    await state.clear()
    operator = await operators.set_time_zone(
        session, operator.id, keyboards.ZONES[callback_data.zone]
    )
    callback_answer.text = t(lang, "settings.zone_saved", zone=operator.time_zone)
    await edit(query, *screen(operator))


async def zone_typed(
    message: Message, state: FSMContext, session: AsyncSession, operator: Operator, lang: str
) -> None:
    try:
        operator = await operators.set_time_zone(session, operator.id, message.text or "")
    except Invalid:
        await send(message, t(lang, "settings.zone_unknown"))
        return
    await state.clear()
    await send(message, t(lang, "settings.zone_saved", zone=operator.time_zone))
    await send(message, *screen(operator))


async def quiet_menu(query: CallbackQuery, operator: Operator, lang: str) -> None:
    text = t(lang, "settings.quiet_prompt", zone=zone_name(operator))
    current = (operator.quiet_from, operator.quiet_to)
    await edit(query, text, keyboards.quiet_hours(lang, current))


async def set_quiet(
    query: CallbackQuery,
    callback_data: SettingsCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    if callback_data.quiet < 0:
        span: tuple[int | None, int | None] = (None, None)
        callback_answer.text = t(lang, "settings.quiet_saved_off")
    elif callback_data.quiet < len(keyboards.QUIET_HOURS):
        span = keyboards.QUIET_HOURS[callback_data.quiet]
        callback_answer.text = t(lang, "settings.quiet_saved", span=keyboards.quiet_label(*span))
    else:
        return
    operator = await operators.set_quiet_hours(session, operator.id, *span)
    await edit(query, *screen(operator))


def _on(action: SettingsAction):  # type: ignore[no-untyped-def]
    return SettingsCb.filter(F.action == action)


def create_router() -> Router:
    router = Router(name="settings")
    router.message.register(settings_command, Command("settings"))
    router.message.register(zone_typed, SettingsForm.time_zone, *TEXT_INPUT)
    router.callback_query.register(settings_menu, MenuCb.filter(F.action == MenuAction.SETTINGS))
    router.callback_query.register(set_language, _on(SettingsAction.LANGUAGE))
    router.callback_query.register(set_alerts, _on(SettingsAction.ALERTS))
    router.callback_query.register(digest_menu, _on(SettingsAction.DIGEST))
    router.callback_query.register(set_digest_hour, _on(SettingsAction.DIGEST_HOUR))
    router.callback_query.register(zones_menu, _on(SettingsAction.ZONES))
    router.callback_query.register(set_zone, _on(SettingsAction.ZONE))
    router.callback_query.register(quiet_menu, _on(SettingsAction.QUIET))
    router.callback_query.register(set_quiet, _on(SettingsAction.QUIET_SET))
    return router
