"""/start, /help, /cancel and the main menu; the fallback for messages nobody took."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot_manager.keyboards.callback_data import MenuAction, MenuCb
from bot_manager.keyboards.menu import main_menu
from bot_manager.replies import edit, send
from bot_manager.texts import t


async def start(message: Message, state: FSMContext, lang: str) -> None:
    await state.clear()
    await send(message, t(lang, "start.welcome"), main_menu(lang))


async def help_(message: Message, lang: str) -> None:
    await send(message, t(lang, "help.text"), main_menu(lang))


async def cancel(message: Message, state: FSMContext, lang: str) -> None:
    key = "common.cancelled" if await state.get_state() is not None else "common.nothing_to_cancel"
    await state.clear()
    await send(message, t(lang, key), main_menu(lang))


async def menu_home(query: CallbackQuery, lang: str) -> None:
    await edit(query, t(lang, "menu.title"), main_menu(lang))


async def menu_help(query: CallbackQuery, lang: str) -> None:
    await edit(query, t(lang, "help.text"), main_menu(lang))


async def cancel_pressed(query: CallbackQuery, state: FSMContext, lang: str) -> None:
    await state.clear()
    await edit(query, t(lang, "common.cancelled"), main_menu(lang))


async def not_understood(message: Message, lang: str) -> None:
    await send(message, t(lang, "common.unknown"))


async def stale_press(query: CallbackQuery, callback_answer: CallbackAnswer, lang: str) -> None:
    """A press no feature took (an old keyboard, or crafted data) still gets an answer,
    so the button's spinner stops."""
    callback_answer.text, callback_answer.show_alert = t(lang, "common.stale_button"), True


def create_router() -> Router:
    router = Router(name="start")
    router.message.register(start, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(cancel, Command("cancel"))
    router.callback_query.register(menu_home, MenuCb.filter(F.action == MenuAction.HOME))
    router.callback_query.register(menu_help, MenuCb.filter(F.action == MenuAction.HELP))
    router.callback_query.register(cancel_pressed, MenuCb.filter(F.action == MenuAction.CANCEL))
    return router


def create_fallback_router() -> Router:
    """Included last: a message no feature understood gets a pointer to /help."""
    router = Router(name="fallback")
    router.message.register(not_understood, F.text)
    router.callback_query.register(stale_press)
    return router
