"""Buttons of /apikey: create, one revoke per key, the confirmation, the way back."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot_manager.keyboards.callback_data import ApiKeyAction, ApiKeyCb
from bot_manager.texts import t
from bot_manager.views.apikeys import label_of
from storage.models import ApiKey

BUTTON_LABEL_MAX = 24


def key_list(lang: str, keys: Sequence[ApiKey]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(lang, "apikeys.button_create"), callback_data=ApiKeyCb(action=ApiKeyAction.CREATE)
    )
    for key in keys:
        builder.button(
            text=t(
                lang,
                "apikeys.button_revoke",
                label=label_of(lang, key, BUTTON_LABEL_MAX),
                prefix=key.prefix,
            ),
            callback_data=ApiKeyCb(action=ApiKeyAction.REVOKE, key_id=key.id),
        )
    builder.adjust(1)
    return builder.as_markup()


def ask_label(lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(lang, "apikeys.button_no_label"),
        callback_data=ApiKeyCb(action=ApiKeyAction.NO_LABEL),
    )
    builder.button(
        text=t(lang, "apikeys.button_cancel"), callback_data=ApiKeyCb(action=ApiKeyAction.LIST)
    )
    return builder.as_markup()


def confirm_revoke(lang: str, key_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(lang, "apikeys.button_confirm"),
        callback_data=ApiKeyCb(action=ApiKeyAction.CONFIRM_REVOKE, key_id=key_id),
    )
    builder.button(
        text=t(lang, "apikeys.button_cancel"), callback_data=ApiKeyCb(action=ApiKeyAction.LIST)
    )
    return builder.as_markup()


def back_to_list(lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(lang, "apikeys.button_cancel"), callback_data=ApiKeyCb(action=ApiKeyAction.LIST)
    )
    return builder.as_markup()
