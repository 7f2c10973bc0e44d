"""Buttons of the pools list, the pool card and its settings, and the /newpool wizard."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot_manager.keyboards.callback_data import (
    MemberAction,
    MemberCb,
    MenuAction,
    MenuCb,
    NewPoolAction,
    NewPoolCb,
    PoolAction,
    PoolCb,
)
from bot_manager.keyboards.menu import add_home
from bot_manager.keyboards.reports import add_report_row
from bot_manager.texts import t
from core.domain import Strategy
from storage.models import Pool

SELECTED = "✓ "


def pools_list(lang: str, pools: Sequence[tuple[Pool, int]]) -> InlineKeyboardMarkup:
    """One button per pool (with its health %), then "new pool"."""
    builder = InlineKeyboardBuilder()
    for pool, health in pools:
        state = "🟢" if pool.is_active else "⏸"
        text = t(lang, "pools.button", state=state, name=pool.name, slug=pool.slug, health=health)
        builder.button(text=text, callback_data=PoolCb(action=PoolAction.SHOW, pool_id=pool.id))
    builder.button(text=t(lang, "pools.new"), callback_data=MenuCb(action=MenuAction.NEW_POOL))
    add_home(builder, lang)
    builder.adjust(1)
    return builder.as_markup()


def card(lang: str, pool: Pool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    pool_id = pool.id
    builder.button(
        text=t(lang, "pool.btn.manage"),
        callback_data=MemberCb(action=MemberAction.MANAGE, pool_id=pool_id),
    )
    builder.button(
        text=t(lang, "pool.btn.strategy"),
        callback_data=PoolCb(action=PoolAction.STRATEGIES, pool_id=pool_id),
    )
    builder.button(
        text=t(lang, "pool.btn.pause" if pool.is_active else "pool.btn.activate"),
        callback_data=PoolCb(action=PoolAction.TOGGLE_ACTIVE, pool_id=pool_id),
    )
    builder.button(
        text=t(lang, "pool.btn.fallback"),
        callback_data=PoolCb(action=PoolAction.FALLBACKS, pool_id=pool_id),
    )
    builder.button(
        text=t(lang, "pool.btn.fallback_link"),
        callback_data=PoolCb(action=PoolAction.FALLBACK_LINK, pool_id=pool_id),
    )
    builder.button(
        text=t(lang, "pool.btn.sticky"),
        callback_data=PoolCb(action=PoolAction.STICKY, pool_id=pool_id),
    )
    builder.button(
        text=t(lang, "pool.btn.refresh"),
        callback_data=PoolCb(action=PoolAction.SHOW, pool_id=pool_id),
    )
    add_report_row(builder, lang, pool_id)
    builder.button(
        text=t(lang, "pool.btn.delete"),
        callback_data=PoolCb(action=PoolAction.DELETE, pool_id=pool_id),
    )
    builder.button(text=t(lang, "pool.btn.list"), callback_data=MenuCb(action=MenuAction.POOLS))
    builder.adjust(1, 2, 2, 2, 3, 2)
    return builder.as_markup()


def back_to_card(builder: InlineKeyboardBuilder, lang: str, pool_id: int) -> None:
    builder.button(
        text=t(lang, "common.back"), callback_data=PoolCb(action=PoolAction.SHOW, pool_id=pool_id)
    )


def strategies(lang: str, pool: Pool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for strategy in Strategy:
        mark = SELECTED if pool.strategy == strategy.value else ""
        builder.button(
            text=mark + t(lang, f"strategy.{strategy.value}"),
            callback_data=PoolCb(
                action=PoolAction.SET_STRATEGY, pool_id=pool.id, strategy=strategy
            ),
        )
    back_to_card(builder, lang, pool.id)
    builder.adjust(2, 2, 1)
    return builder.as_markup()


def fallbacks(lang: str, pool: Pool, others: Sequence[Pool]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for other in others:
        mark = SELECTED if pool.fallback_pool_id == other.id else ""
        builder.button(
            text=f"{mark}{other.name} ({other.slug})",
            callback_data=PoolCb(action=PoolAction.SET_FALLBACK, pool_id=pool.id, target=other.id),
        )
    mark = SELECTED if pool.fallback_pool_id is None else ""
    builder.button(
        text=mark + t(lang, "pool.fallback_none_button"),
        callback_data=PoolCb(action=PoolAction.SET_FALLBACK, pool_id=pool.id, target=0),
    )
    back_to_card(builder, lang, pool.id)
    builder.adjust(1)
    return builder.as_markup()


def confirm_delete(lang: str, pool: Pool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(lang, "pool.delete_yes"),
        callback_data=PoolCb(action=PoolAction.CONFIRM_DELETE, pool_id=pool.id),
    )
    back_to_card(builder, lang, pool.id)
    builder.adjust(1)
    return builder.as_markup()


def after_delete(lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t(lang, "pool.btn.list"), callback_data=MenuCb(action=MenuAction.POOLS))
    return builder.as_markup()


def wizard_slug(lang: str, suggestion: str | None) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    if suggestion:
        builder.button(
            text=t(lang, "newpool.use_slug", slug=suggestion),
            callback_data=NewPoolCb(action=NewPoolAction.USE_SLUG),
        )
    builder.button(text=t(lang, "common.cancel"), callback_data=MenuCb(action=MenuAction.CANCEL))
    builder.adjust(1)
    return builder.as_markup()


def wizard_strategies(lang: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for strategy in Strategy:
        builder.button(
            text=t(lang, f"strategy.{strategy.value}"),
            callback_data=NewPoolCb(action=NewPoolAction.STRATEGY, strategy=strategy),
        )
    builder.button(text=t(lang, "common.cancel"), callback_data=MenuCb(action=MenuAction.CANCEL))
    builder.adjust(2, 2, 1)
    return builder.as_markup()
