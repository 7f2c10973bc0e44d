"""Buttons of /stats: a pool per button, a bot's failures per button, and the way back."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot_manager.keyboards.callback_data import ReportAction, ReportCb, StatsAction, StatsCb
from bot_manager.keyboards.reports import add_chart_periods
from bot_manager.texts import t
from storage.repos.stats import PoolFigures, PoolSummary


def overview(lang: str, summaries: Sequence[PoolSummary]) -> InlineKeyboardMarkup | None:
    if not summaries:
        return None
    builder = InlineKeyboardBuilder()
    for pool in summaries:
        builder.button(
            text=t(lang, "stats.button_pool", name=pool.name, slug=pool.slug),
            callback_data=StatsCb(action=StatsAction.POOL, pool_id=pool.pool_id),
        )
    builder.adjust(1)
    return builder.as_markup()


def pool(lang: str, figures: PoolFigures) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    pool_id = figures.summary.pool_id
    for bot in figures.bots:
        builder.button(
            text=t(lang, "stats.button_failures", bot=bot.username),
            callback_data=StatsCb(action=StatsAction.FAILURES, pool_id=pool_id, bot_id=bot.bot_id),
        )
    builder.button(
        text=t(lang, "stats.button_campaigns"),
        callback_data=StatsCb(action=StatsAction.CAMPAIGNS, pool_id=pool_id),
    )
    add_chart_periods(builder, lang, pool_id)
    builder.button(
        text=t(lang, "reports.btn.export"),
        callback_data=ReportCb(action=ReportAction.EXPORT, pool_id=pool_id),
    )
    builder.button(
        text=t(lang, "stats.button_overview"), callback_data=StatsCb(action=StatsAction.OVERVIEW)
    )
    bot_rows = [2] * (len(figures.bots) // 2) + [1] * (len(figures.bots) % 2)
    builder.adjust(*bot_rows, 1, 3, 1)
    return builder.as_markup()


def campaigns(lang: str, pool_id: int) -> InlineKeyboardMarkup:
    return failures(lang, pool_id)  # the same ways back: to the pool, to every pool


def failures(lang: str, pool_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(lang, "stats.button_back_pool"),
        callback_data=StatsCb(action=StatsAction.POOL, pool_id=pool_id),
    )
    builder.button(
        text=t(lang, "stats.button_overview"), callback_data=StatsCb(action=StatsAction.OVERVIEW)
    )
    return builder.as_markup()
