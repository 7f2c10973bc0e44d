"""Buttons of pictures and reports: the row on the pool card, the chart's periods and
the export's ranges."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot_manager.keyboards.callback_data import ReportAction, ReportCb
from bot_manager.texts import t
from core.reports import EXPORT_SPANS, Period


def add_report_row(builder: InlineKeyboardBuilder, lang: str, pool_id: int) -> None:
    """QR code, chart (24 h) and CSV export of the pool: three buttons."""
    builder.button(
        text=t(lang, "reports.btn.qr"),
        callback_data=ReportCb(action=ReportAction.QR, pool_id=pool_id),
    )
    builder.button(
        text=t(lang, "reports.btn.chart"),
        callback_data=ReportCb(action=ReportAction.CHART, pool_id=pool_id, hours=24),
    )
    builder.button(
        text=t(lang, "reports.btn.export"),
        callback_data=ReportCb(action=ReportAction.EXPORT, pool_id=pool_id),
    )


def add_chart_periods(builder: InlineKeyboardBuilder, lang: str, pool_id: int) -> None:
    for period in Period:
        builder.button(
            text=t(lang, f"reports.btn.chart_{period.value}"),
            callback_data=ReportCb(action=ReportAction.CHART, pool_id=pool_id, hours=period.hours),
        )


def chart(lang: str, pool_id: int) -> InlineKeyboardMarkup:
    """Under a chart: the other period, and the CSV of the same counts."""
    builder = InlineKeyboardBuilder()
    add_chart_periods(builder, lang, pool_id)
    builder.button(
        text=t(lang, "reports.btn.export"),
        callback_data=ReportCb(action=ReportAction.EXPORT, pool_id=pool_id),
    )
    builder.adjust(3)
    return builder.as_markup()


def export_ranges(lang: str, pool_id: int) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for name, hours in EXPORT_SPANS.items():
        builder.button(
            text=t(lang, f"reports.btn.export_{name}"),
            callback_data=ReportCb(action=ReportAction.EXPORT_RANGE, pool_id=pool_id, hours=hours),
        )
    builder.adjust(3)
    return builder.as_markup()
