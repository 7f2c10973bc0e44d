"""/stats: the operator's pools at a glance, a pool's figures per bot, a bot's last
failures (the seed's "Métricas e analytics"). Every press re-checks ownership."""

from __future__ import annotations

from datetime import timedelta

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.keyboards import stats as keyboards
from bot_manager.keyboards.callback_data import MenuAction, MenuCb, StatsAction, StatsCb
from bot_manager.replies import edit, send
from bot_manager.texts import t
from bot_manager.views import stats as views
from core.errors import NotFound
from storage.models import Operator, utcnow
from storage.repos import campaigns, pools, stats


async def stats_command(
    message: Message, command: CommandObject, session: AsyncSession, operator: Operator, lang: str
) -> None:
    if not command.args:
        summaries = await stats.overview(session, operator.id, utcnow())
        markup = keyboards.overview(lang, summaries)
        text = views.overview_text(lang, summaries)
    else:
        try:
            figures = await stats.pool_figures(
                session, operator.id, command.args.split()[0].lower(), utcnow()
            )
        except NotFound:
            await send(message, t(lang, "stats.not_found"))
            return
        text, markup = views.pool_text(lang, figures), keyboards.pool(lang, figures)
    await send(message, text, markup)


async def show_overview(
    query: CallbackQuery, session: AsyncSession, operator: Operator, lang: str
) -> None:
    summaries = await stats.overview(session, operator.id, utcnow())
    await edit(query, views.overview_text(lang, summaries), keyboards.overview(lang, summaries))


async def show_pool(
    query: CallbackQuery,
    callback_data: StatsCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    try:
        figures = await stats.pool_figures_by_id(
            session, operator.id, callback_data.pool_id, utcnow()
        )
    except NotFound:
        callback_answer.text, callback_answer.show_alert = t(lang, "stats.not_found"), True
        return
    await edit(query, views.pool_text(lang, figures), keyboards.pool(lang, figures))


async def show_failures(
    query: CallbackQuery,
    callback_data: StatsCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    try:
        bot, failures = await stats.bot_failures(session, operator.id, callback_data.bot_id)
    except NotFound:
        callback_answer.text, callback_answer.show_alert = t(lang, "stats.bot_not_found"), True
        return
    text = views.failures_text(lang, bot.username, failures)
    await edit(query, text, keyboards.failures(lang, callback_data.pool_id))


async def show_campaigns(
    query: CallbackQuery,
    callback_data: StatsCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    try:
        pool = await pools.get_owned(session, operator.id, callback_data.pool_id)
    except NotFound:
        callback_answer.text, callback_answer.show_alert = t(lang, "stats.not_found"), True
        return
    now = utcnow()
    since = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=views.CAMPAIGNS_DAYS - 1
    )
    days = await campaigns.by_day(session, pool.id, since)
    text = views.campaigns_text(lang, pool, days, views.CAMPAIGNS_DAYS)
    await edit(query, text, keyboards.campaigns(lang, pool.id))


def create_router() -> Router:
    router = Router(name="stats")
    router.message.register(stats_command, Command("stats"))
    router.callback_query.register(show_overview, MenuCb.filter(F.action == MenuAction.STATS))
    router.callback_query.register(show_overview, StatsCb.filter(F.action == StatsAction.OVERVIEW))
    router.callback_query.register(show_pool, StatsCb.filter(F.action == StatsAction.POOL))
    router.callback_query.register(show_failures, StatsCb.filter(F.action == StatsAction.FAILURES))
    router.callback_query.register(
        show_campaigns, StatsCb.filter(F.action == StatsAction.CAMPAIGNS)
    )
    return router
