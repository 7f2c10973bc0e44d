"""The command menu Telegram shows next to the input field, in both languages."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeDefault

from bot_manager.texts import t

COMMANDS = (
    "start",
    "help",
    "newpool",
    "pools",
    "pool",
    "addbot",
    "bots",
    "stats",
    "qr",
    "chart",
    "export",
    "apikey",
    "settings",
    "cancel",
)


def bot_commands(lang: str) -> list[BotCommand]:
    return [BotCommand(command=name, description=t(lang, f"cmd.{name}")) for name in COMMANDS]


async def set_commands(bot: Bot) -> None:
    """pt-BR for everyone by default; English for users whose Telegram is in English."""
    scope = BotCommandScopeDefault()
    await bot.set_my_commands(bot_commands("pt-BR"), scope=scope)
    await bot.set_my_commands(bot_commands("en"), scope=scope, language_code="en")
