"""/qr, /chart and /export, and their buttons on the pool card, /stats and under a chart
(SPEC §13). Commands name the pool by slug, buttons by id; both load it as the
presser's own. Pictures are drawn in a worker thread (bot_manager.charts, .qr)."""

from __future__ import annotations

import asyncio
from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager import charts
from bot_manager.keyboards import reports as kb
from bot_manager.keyboards.callback_data import ReportAction, ReportCb
from bot_manager.qr import qr_png
from bot_manager.replies import send
from bot_manager.texts import t
from bot_manager.views import reports as views
from bot_manager.views.pools import public_link
from core import reports
from core.errors import Invalid, NotFound
from core.reports import EXPORT_SPANS, Period
from core.settings import Settings
from storage.models import Operator, Pool, utcnow
from storage.repos import pools
from storage.repos import reports as repo

CHART_HOURS = {period.hours for period in Period}


async def _owned_by_slug(
    message: Message, session: AsyncSession, operator: Operator, lang: str, slug: str
) -> Pool | None:
    try:
        return await pools.get_owned_by_slug(session, operator.id, slug.lower())
    except NotFound:
        await send(message, t(lang, "reports.not_found", slug=slug))
        return None


async def qr_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    args = (command.args or "").split()
    if len(args) != 1:
        await send(message, t(lang, "reports.usage_qr"))
        return
    pool = await _owned_by_slug(message, session, operator, lang, args[0])
    if pool is not None:
        await send_qr(message.bot, message.chat.id, settings, lang, pool)


async def chart_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    args = (command.args or "").split()
    if not 1 <= len(args) <= 2:
        await send(message, t(lang, "reports.usage_chart"))
        return
    try:
        period = Period(args[1].lower()) if len(args) == 2 else Period.DAY
    except ValueError:
        await send(message, t(lang, "reports.bad_period", slug=args[0]))
        return
    pool = await _owned_by_slug(message, session, operator, lang, args[0])
    if pool is not None:
        chat, hours = message.chat.id, period.hours
        await send_chart(message.bot, chat, session, settings, operator, lang, pool, hours)


async def export_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    args = (command.args or "").split()
    if not args:
        await send(message, t(lang, "reports.usage_export"))
        return
    pool = await _owned_by_slug(message, session, operator, lang, args[0])
    if pool is None:
        return
    if len(args) == 1:
        text = t(lang, "reports.export_choose", name=pool.name, slug=pool.slug)
        await send(message, text, kb.export_ranges(lang, pool.id))
        return
    try:
        start, end = reports.export_range(args[1:], utcnow(), reports.zone(operator.time_zone))
    except Invalid:
        await send(message, t(lang, "reports.bad_range", slug=pool.slug))
        return
    await send_export(message.bot, message.chat.id, session, lang, pool, start, end)


async def report_pressed(
    query: CallbackQuery,
    callback_data: ReportCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    """Every report button: the pool is re-read as the presser's own (NotFound is
    answered by the database middleware)."""
    pool = await pools.get_owned(session, operator.id, callback_data.pool_id)
    bot, chat_id, hours = query.bot, query.from_user.id, callback_data.hours
    assert bot is not None
    match callback_data.action:
        case ReportAction.QR:
            await send_qr(bot, chat_id, settings, lang, pool)
        case ReportAction.CHART:
            hours = hours if hours in CHART_HOURS else Period.DAY.hours
            await send_chart(bot, chat_id, session, settings, operator, lang, pool, hours)
        case ReportAction.EXPORT:
            text = t(lang, "reports.export_choose", name=pool.name, slug=pool.slug)
            await bot.send_message(chat_id, text, reply_markup=kb.export_ranges(lang, pool.id))
        case ReportAction.EXPORT_RANGE:
            hours = hours if hours in EXPORT_SPANS.values() else EXPORT_SPANS["24h"]
            start, end = reports.recent_range(hours, utcnow())
            await send_export(bot, chat_id, session, lang, pool, start, end)


async def send_qr(bot: Bot | None, chat_id: int, settings: Settings, lang: str, pool: Pool) -> None:
    assert bot is not None
    link = public_link(settings, pool.slug)
    png = await asyncio.to_thread(qr_png, link, pool.slug)
    caption = t(lang, "reports.qr_caption", name=pool.name, slug=pool.slug, link=link)
    await bot.send_photo(chat_id, BufferedInputFile(png, f"{pool.slug}-qr.png"), caption=caption)


async def send_chart(
    bot: Bot | None,
    chat_id: int,
    session: AsyncSession,
    settings: Settings,
    operator: Operator,
    lang: str,
    pool: Pool,
    hours: int,
) -> None:
    assert bot is not None
    start, _end = reports.recent_range(hours, utcnow())
    series = await repo.traffic(
        session, pool, start, hours, settings.bot_hourly_capacity, reports.CHART_BOTS
    )
    texts = views.chart_texts(lang, pool, hours)
    png = await charts.render(series, texts, reports.zone(operator.time_zone))
    await bot.send_photo(
        chat_id,
        BufferedInputFile(png, f"{pool.slug}-{hours}h.png"),
        caption=views.chart_caption(lang, pool, hours, series.total),
        reply_markup=kb.chart(lang, pool.id),
    )


async def send_export(
    bot: Bot | None,
    chat_id: int,
    session: AsyncSession,
    lang: str,
    pool: Pool,
    start: datetime,
    end: datetime,
) -> None:
    assert bot is not None
    rows = await repo.count_rows(session, pool.id, start, end)
    content = reports.counts_csv(rows).encode()
    name = f"{pool.slug}-counts-{start:%Y%m%d%H}-{end:%Y%m%d%H}.csv"
    caption = views.export_caption(lang, pool, start, end, len(rows), sum(r.count for r in rows))
    await bot.send_document(chat_id, BufferedInputFile(content, name), caption=caption)


def create_router() -> Router:
    router = Router(name="reports")
    router.message.register(qr_command, Command("qr"))
    router.message.register(chart_command, Command("chart"))
    router.message.register(export_command, Command("export"))
    router.callback_query.register(report_pressed, ReportCb.filter())
    return router
