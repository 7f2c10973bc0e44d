"""Buttons of /settings: each language named in itself, the alerts switch, the daily
digest's hour, the time zone and the quiet hours."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot_manager.keyboards.callback_data import (
    LanguageChoice,
    MenuAction,
    MenuCb,
    SettingsAction,
    SettingsCb,
)
from bot_manager.texts import t
from storage.models import Operator

# Offered as buttons (Brazil's zones first); any other IANA name can be typed.
ZONES = (
    "America/Sao_Paulo",
    "America/Manaus",
    "America/Cuiaba",
    "America/Rio_Branco",
    "America/Noronha",
    "Europe/Lisbon",
    "America/New_York",
    "UTC",
)


# Quiet hours offered, local (from, to): the night, as most operators sleep it.
QUIET_HOURS = ((22, 7), (23, 8), (0, 6), (21, 9))


def hour_label(hour: int) -> str:
    return f"{hour:02d}:00"


def quiet_label(quiet_from: int, quiet_to: int) -> str:
    return f"{hour_label(quiet_from)}–{hour_label(quiet_to)}"


def settings(operator: Operator) -> InlineKeyboardMarkup:
    lang = operator.language
    builder = InlineKeyboardBuilder()
    for choice in LanguageChoice:
        name = t(choice.value, "settings.language_name")
        builder.button(
            text=f"✓ {name}" if choice.value == lang else name,
            callback_data=SettingsCb(action=SettingsAction.LANGUAGE, language=choice),
        )
    alerts = operator.alerts_enabled
    builder.button(
        text=t(lang, "settings.button_alerts_off" if alerts else "settings.button_alerts_on"),
        callback_data=SettingsCb(action=SettingsAction.ALERTS, enabled=not alerts),
    )
    builder.button(
        text=t(lang, "settings.button_digest"),
        callback_data=SettingsCb(action=SettingsAction.DIGEST),
    )
    builder.button(
        text=t(lang, "settings.button_zone"), callback_data=SettingsCb(action=SettingsAction.ZONES)
    )
    builder.button(
        text=t(lang, "settings.button_quiet"), callback_data=SettingsCb(action=SettingsAction.QUIET)
    )
    builder.adjust(len(LanguageChoice), 1, 2, 1)
    return builder.as_markup()


def _back(builder: InlineKeyboardBuilder, lang: str) -> None:
    builder.button(text=t(lang, "common.back"), callback_data=MenuCb(action=MenuAction.SETTINGS))


def digest_hours(lang: str, current: int | None) -> InlineKeyboardMarkup:
    """A button per hour of the day (six to a row), then off and back."""
    builder = InlineKeyboardBuilder()
    for hour in range(24):
        label = hour_label(hour)
        builder.button(
            text=f"✓{label}" if hour == current else label,
            callback_data=SettingsCb(action=SettingsAction.DIGEST_HOUR, hour=hour),
        )
    builder.button(
        text=t(lang, "settings.digest_button_off"),
        callback_data=SettingsCb(action=SettingsAction.DIGEST_HOUR, hour=-1),
    )
    _back(builder, lang)
    builder.adjust(6, 6, 6, 6, 1, 1)
    return builder.as_markup()


def zones(lang: str, current: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, name in enumerate(ZONES):
        builder.button(
            text=f"✓ {name}" if name == current else name,
            callback_data=SettingsCb(action=SettingsAction.ZONE, zone=index),
        )
    _back(builder, lang)
    builder.adjust(2)
    return builder.as_markup()


def quiet_hours(lang: str, current: tuple[int | None, int | None]) -> InlineKeyboardMarkup:
    """A button per span of QUIET_HOURS (two to a row), then none and back."""
    builder = InlineKeyboardBuilder()
    for index, span in enumerate(QUIET_HOURS):
        label = quiet_label(*span)
        builder.button(
            text=f"✓ {label}" if span == current else label,
            callback_data=SettingsCb(action=SettingsAction.QUIET_SET, quiet=index),
        )
    builder.button(
        text=t(lang, "settings.quiet_button_off"),
        callback_data=SettingsCb(action=SettingsAction.QUIET_SET, quiet=-1),
    )
    _back(builder, lang)
    builder.adjust(2, 2, 1, 1)
    return builder.as_markup()
