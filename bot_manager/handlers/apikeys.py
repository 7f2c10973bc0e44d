"""/apikey: REST API keys. A key is shown once, when created (only its hash is kept);
every revoke press re-checks that the presser owns the key."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.keyboards import apikeys as keyboards
from bot_manager.keyboards.callback_data import ApiKeyAction, ApiKeyCb, MenuAction, MenuCb
from bot_manager.replies import edit, send
from bot_manager.texts import t
from bot_manager.views import apikeys as views
from core.errors import Invalid
from storage.models import Operator
from storage.repos import apikeys

CREATE_WORDS = {"create", "new", "criar", "nova"}


class ApiKeyForm(StatesGroup):
    label = State()


async def _list(
    session: AsyncSession, operator: Operator, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    keys = await apikeys.list_owned(session, operator.id)
    return views.list_text(lang, keys), keyboards.key_list(lang, keys)


async def _create_and_show(
    message: Message, session: AsyncSession, operator: Operator, lang: str, label: str
) -> bool:
    """Create a key and send it once; False (and a hint) when the label is refused."""
    try:
        row, key = await apikeys.create(session, operator.id, " ".join(label.split()))
    except Invalid:
        await send(message, t(lang, "apikeys.label_invalid", max=apikeys.LABEL_MAX))
        return False
    await message.answer(
        **views.created_message(lang, row, key), reply_markup=keyboards.back_to_list(lang)
    )
    return True


async def apikey_command(
    message: Message, command: CommandObject, session: AsyncSession, operator: Operator, lang: str
) -> None:
    word, _, label = (command.args or "").strip().partition(" ")
    if word.lower() in CREATE_WORDS:
        await _create_and_show(message, session, operator, lang, label)
    else:
        await send(message, *await _list(session, operator, lang))


async def show_list(
    query: CallbackQuery, session: AsyncSession, operator: Operator, lang: str, state: FSMContext
) -> None:
    if await state.get_state() == ApiKeyForm.label.state:
        await state.clear()
    await edit(query, *await _list(session, operator, lang))


async def ask_label(query: CallbackQuery, lang: str, state: FSMContext) -> None:
    await state.set_state(ApiKeyForm.label)
    text = t(lang, "apikeys.ask_label", max=apikeys.LABEL_MAX)
    await edit(query, text, keyboards.ask_label(lang))


async def create_without_label(
    query: CallbackQuery, session: AsyncSession, operator: Operator, lang: str, state: FSMContext
) -> None:
    """The question becomes the list (with the new key), and the key follows it once."""
    await state.clear()
    if isinstance(query.message, Message):
        await _create_and_show(query.message, session, operator, lang, "")
        await edit(query, *await _list(session, operator, lang))


async def label_received(
    message: Message, session: AsyncSession, operator: Operator, lang: str, state: FSMContext
) -> None:
    if await _create_and_show(message, session, operator, lang, message.text or ""):
        await state.clear()


async def ask_revoke(
    query: CallbackQuery,
    callback_data: ApiKeyCb,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    key = await apikeys.get_owned(session, operator.id, callback_data.key_id)
    await edit(query, views.confirm_revoke_text(lang, key), keyboards.confirm_revoke(lang, key.id))


async def revoke(
    query: CallbackQuery,
    callback_data: ApiKeyCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    key = await apikeys.get_owned(session, operator.id, callback_data.key_id)
    await apikeys.revoke(session, operator.id, key.id)
    callback_answer.text = t(lang, "apikeys.revoked", prefix=key.prefix)
    await edit(query, *await _list(session, operator, lang))


def create_router() -> Router:
    router = Router(name="apikeys")
    router.message.register(apikey_command, Command("apikey", "apikeys"))
    router.message.register(label_received, ApiKeyForm.label, F.text, ~F.text.startswith("/"))
    router.callback_query.register(show_list, MenuCb.filter(F.action == MenuAction.API_KEYS))
    router.callback_query.register(show_list, ApiKeyCb.filter(F.action == ApiKeyAction.LIST))
    router.callback_query.register(ask_label, ApiKeyCb.filter(F.action == ApiKeyAction.CREATE))
    router.callback_query.register(
        create_without_label, ApiKeyCb.filter(F.action == ApiKeyAction.NO_LABEL)
    )
    router.callback_query.register(ask_revoke, ApiKeyCb.filter(F.action == ApiKeyAction.REVOKE))
    router.callback_query.register(revoke, ApiKeyCb.filter(F.action == ApiKeyAction.CONFIRM_REVOKE))
    return router
