"""/pools, /pool <slug> and the pool card with its settings: strategy, pause or
activate, fallback pool, delete. Every press loads the pool as the presser's own
(another operator's pool is NotFound, answered by the database middleware)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.keyboards import pools as kb
from bot_manager.keyboards.callback_data import MenuAction, MenuCb, PoolAction, PoolCb
from bot_manager.replies import edit, send
from bot_manager.texts import t
from bot_manager.views.pools import health_of, public_link, render_card
from core.settings import Settings
from storage.models import Operator, Pool, utcnow
from storage.repos import pools


async def pools_screen(
    session: AsyncSession, operator: Operator, lang: str
) -> tuple[str, InlineKeyboardMarkup]:
    owned = await pools.list_owned(session, operator.id)
    now = utcnow()
    text = t(lang, "pools.title", count=len(owned)) if owned else t(lang, "pools.empty")
    return text, kb.pools_list(lang, [(pool, health_of(pool, now).percent) for pool in owned])


async def pools_command(
    message: Message, session: AsyncSession, operator: Operator, lang: str
) -> None:
    await send(message, *await pools_screen(session, operator, lang))


async def pools_pressed(
    query: CallbackQuery, session: AsyncSession, operator: Operator, lang: str
) -> None:
    await edit(query, *await pools_screen(session, operator, lang))


async def pool_command(
    message: Message,
    command: CommandObject,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    slug = (command.args or "").strip().lower()
    if not slug:
        await send(message, t(lang, "pool.usage"))
        return
    pool = await pools.get_owned_by_slug(session, operator.id, slug)
    await send(message, await render_card(session, settings, lang, pool), kb.card(lang, pool))


async def card_pressed(
    query: CallbackQuery,
    callback_data: PoolCb,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    await state.clear()  # back from a question (a fallback link...): no answer awaited now
    pool = await pools.get_owned(session, operator.id, callback_data.pool_id)
    await show_card(query, session, settings, lang, pool)


async def strategies_pressed(
    query: CallbackQuery,
    callback_data: PoolCb,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    pool = await pools.get_owned(session, operator.id, callback_data.pool_id)
    await edit(query, t(lang, "pool.strategy_prompt"), kb.strategies(lang, pool))


async def set_strategy(
    query: CallbackQuery,
    callback_data: PoolCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    pool = await pools.update_owned(
        session, operator.id, callback_data.pool_id, strategy=callback_data.strategy
    )
    callback_answer.text = t(lang, "common.saved")
    await show_card(query, session, settings, lang, pool)


async def toggle_active(
    query: CallbackQuery,
    callback_data: PoolCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    pool = await pools.get_owned(session, operator.id, callback_data.pool_id)
    await pools.update_owned(session, operator.id, pool.id, is_active=not pool.is_active)
    callback_answer.text = t(lang, "pool.activated" if pool.is_active else "pool.paused")
    await show_card(query, session, settings, lang, pool)


async def fallbacks_pressed(
    query: CallbackQuery,
    callback_data: PoolCb,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    pool = await pools.get_owned(session, operator.id, callback_data.pool_id)
    others = [p for p in await pools.list_owned(session, operator.id) if p.id != pool.id]
    key = "pool.fallback_prompt" if others else "pool.fallback_no_others"
    await edit(query, t(lang, key), kb.fallbacks(lang, pool, others))


async def set_fallback(
    query: CallbackQuery,
    callback_data: PoolCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    target = callback_data.target or None
    pool = await pools.update_owned(
        session, operator.id, callback_data.pool_id, fallback_pool_id=target
    )
    callback_answer.text = t(lang, "common.saved")
    await show_card(query, session, settings, lang, pool)


async def delete_pressed(
    query: CallbackQuery,
    callback_data: PoolCb,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    pool = await pools.get_owned(session, operator.id, callback_data.pool_id)
    text = t(
        lang,
        "pool.delete_confirm",
        name=pool.name,
        slug=pool.slug,
        link=public_link(settings, pool.slug),
    )
    await edit(query, text, kb.confirm_delete(lang, pool))


async def delete_confirmed(
    query: CallbackQuery,
    callback_data: PoolCb,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    pool = await pools.get_owned(session, operator.id, callback_data.pool_id)
    name, slug = pool.name, pool.slug
    await pools.delete_owned(session, operator.id, pool.id)
    await edit(query, t(lang, "pool.deleted", name=name, slug=slug), kb.after_delete(lang))


def _on(action: PoolAction):  # type: ignore[no-untyped-def]
    return PoolCb.filter(F.action == action)


def create_router() -> Router:
    router = Router(name="pools")
    router.message.register(pools_command, Command("pools"))
    router.message.register(pool_command, Command("pool"))
    router.callback_query.register(pools_pressed, MenuCb.filter(F.action == MenuAction.POOLS))
    router.callback_query.register(card_pressed, _on(PoolAction.SHOW))
    router.callback_query.register(strategies_pressed, _on(PoolAction.STRATEGIES))
    router.callback_query.register(set_strategy, _on(PoolAction.SET_STRATEGY))
    router.callback_query.register(toggle_active, _on(PoolAction.TOGGLE_ACTIVE))
    router.callback_query.register(fallbacks_pressed, _on(PoolAction.FALLBACKS))
    router.callback_query.register(set_fallback, _on(PoolAction.SET_FALLBACK))
    router.callback_query.register(delete_pressed, _on(PoolAction.DELETE))
    router.callback_query.register(delete_confirmed, _on(PoolAction.CONFIRM_DELETE))
    return router


async def show_card(
    query: CallbackQuery, session: AsyncSession, settings: Settings, lang: str, pool: Pool
) -> None:
    """Edit the pressed message into the pool's card, as it reads after the change."""
    await edit(query, await render_card(session, settings, lang, pool), kb.card(lang, pool))
