"""The main menu and the buttons every wizard shares."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot_manager.keyboards.callback_data import MenuAction, MenuCb
from bot_manager.texts import t

MAIN_MENU = (
    ("menu.pools", MenuAction.POOLS),
    ("menu.bots", MenuAction.BOTS),
    ("menu.new_pool", MenuAction.NEW_POOL),
    ("menu.add_bot", MenuAction.ADD_BOT),
    ("menu.stats", MenuAction.STATS),
    ("menu.settings", MenuAction.SETTINGS),
    ("menu.api_keys", MenuAction.API_KEYS),
    ("menu.help", MenuAction.HELP),
)


def main_menu(lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for key, action in MAIN_MENU:
        builder.button(text=t(lang, key), callback_data=MenuCb(action=action))
    builder.adjust(2)
    return builder.as_markup()


def cancel_only(lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t(lang, "common.cancel"), callback_data=MenuCb(action=MenuAction.CANCEL))
    return builder.as_markup()


def add_home(builder: InlineKeyboardBuilder, lang: str) -> None:
    builder.button(text=t(lang, "common.menu"), callback_data=MenuCb(action=MenuAction.HOME))
