"""Buttons of the funnel settings: the pool's fallback link and sticky window, and a
member's hourly cap."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot_manager.keyboards.callback_data import MemberAction, MemberCb, PoolAction, PoolCb
from bot_manager.keyboards.pools import SELECTED, back_to_card
from bot_manager.texts import t
from storage.models import Member, Pool

STICKY_CHOICES = (0, 1, 7, 30, 90, 365)  # days; any other can be typed


def fallback_link(lang: str, pool: Pool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if pool.fallback_url:
        builder.button(
            text=t(lang, "funnel.link_remove"),
            callback_data=PoolCb(action=PoolAction.REMOVE_FALLBACK_LINK, pool_id=pool.id),
        )
    back_to_card(builder, lang, pool.id)
    builder.adjust(1)
    return builder.as_markup()


def sticky(lang: str, pool: Pool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for days in STICKY_CHOICES:
        mark = SELECTED if pool.sticky_days == days else ""
        label = (
            t(lang, "funnel.sticky_button", days=days)
            if days
            else t(lang, "funnel.sticky_off_button")
        )
        builder.button(
            text=mark + label,
            callback_data=PoolCb(action=PoolAction.SET_STICKY, pool_id=pool.id, target=days),
        )
    back_to_card(builder, lang, pool.id)
    builder.adjust(3, 3, 1)
    return builder.as_markup()


def capacity(lang: str, member: Member, default: str) -> InlineKeyboardMarkup:
    """`default`: the installation's cap, as the operator reads numbers."""
    builder = InlineKeyboardBuilder()
    pool_id, bot_id = member.pool_id, member.bot_id
    mark = SELECTED if member.hourly_cap is None else ""
    builder.button(
        text=mark + t(lang, "funnel.cap_use_default", default=default),
        callback_data=MemberCb(
            action=MemberAction.DEFAULT_CAPACITY, pool_id=pool_id, bot_id=bot_id
        ),
    )
    builder.button(
        text=t(lang, "common.back"),
        callback_data=MemberCb(action=MemberAction.SHOW, pool_id=pool_id, bot_id=bot_id),
    )
    builder.adjust(1)
    return builder.as_markup()
