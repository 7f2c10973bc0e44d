"""Buttons of /bots: the list, one bot's detail and the delete confirmation."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot_manager.keyboards.callback_data import BotAction, BotCb, MenuAction, MenuCb
from bot_manager.keyboards.menu import add_home
from bot_manager.texts import t
from bot_manager.views.format import status_emoji
from storage.models import Bot


def bots_list(lang: str, bots: Sequence[Bot]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for bot in bots:
        builder.button(
            text=t(lang, "bots.button", emoji=status_emoji(bot.status), username=bot.username),
            callback_data=BotCb(action=BotAction.SHOW, bot_id=bot.id),
        )
    builder.button(text=t(lang, "menu.add_bot"), callback_data=MenuCb(action=MenuAction.ADD_BOT))
    add_home(builder, lang)
    builder.adjust(2)
    return builder.as_markup()


def detail(lang: str, bot: Bot) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(lang, "bot.btn.recheck"),
        callback_data=BotCb(action=BotAction.RECHECK, bot_id=bot.id),
    )
    builder.button(
        text=t(lang, "bot.btn.delete"), callback_data=BotCb(action=BotAction.DELETE, bot_id=bot.id)
    )
    builder.button(text=t(lang, "bot.btn.list"), callback_data=BotCb(action=BotAction.LIST))
    builder.adjust(2, 1)
    return builder.as_markup()


def confirm_delete(lang: str, bot: Bot) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(lang, "bot.delete_yes"),
        callback_data=BotCb(action=BotAction.CONFIRM_DELETE, bot_id=bot.id),
    )
    builder.button(
        text=t(lang, "common.back"), callback_data=BotCb(action=BotAction.SHOW, bot_id=bot.id)
    )
    builder.adjust(1)
    return builder.as_markup()


def after_delete(lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t(lang, "bot.btn.list"), callback_data=BotCb(action=BotAction.LIST))
    return builder.as_markup()
