"""Buttons of /settings: each language named in itself, and the alerts switch."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot_manager.keyboards.callback_data import LanguageChoice, SettingsAction, SettingsCb
from bot_manager.texts import t


def settings(lang: str, alerts_enabled: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for choice in LanguageChoice:
        name = t(choice.value, "settings.language_name")
        builder.button(
            text=f"✓ {name}" if choice.value == lang else name,
            callback_data=SettingsCb(action=SettingsAction.LANGUAGE, language=choice),
        )
    builder.button(
        text=t(
            lang, "settings.button_alerts_off" if alerts_enabled else "settings.button_alerts_on"
        ),
        callback_data=SettingsCb(action=SettingsAction.ALERTS, enabled=not alerts_enabled),
    )
    builder.adjust(len(LanguageChoice), 1)
    return builder.as_markup()
