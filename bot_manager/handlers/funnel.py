"""Funnel settings (SPEC §12) from the pool card and the member screen: the pool's
fallback link and sticky window, a member's hourly cap. A button asks; the answer is
typed (or a preset pressed), checked by the repository, and saved with the change
marked for routing; a bad answer gets the reason and the question stays open."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.errors import error_text
from bot_manager.handlers.members import member_screen
from bot_manager.handlers.pools import show_card
from bot_manager.keyboards import funnel as kb
from bot_manager.keyboards import pools as pool_kb
from bot_manager.keyboards.callback_data import MemberAction, MemberCb, PoolAction, PoolCb
from bot_manager.replies import edit, send
from bot_manager.texts import t
from bot_manager.views.format import number
from bot_manager.views.pools import fallback_link, member_capacity, render_card, sticky_window
from core.errors import Invalid
from core.settings import Settings
from storage.models import Operator, Pool
from storage.repos import members, pools

TEXT_INPUT = (F.text, ~F.text.startswith("/"))
THOUSANDS = str.maketrans("", "", " .,_")  # "2.250", "2,250" and "2 250" are 2250


class FunnelForm(StatesGroup):
    fallback_url = State()
    sticky_days = State()
    hourly_cap = State()


def whole_number(text: str, field: str) -> int:
    """A typed whole number, thousands separators allowed; else Invalid for `field`."""
    digits = text.strip().translate(THOUSANDS)
    if not digits.isascii() or not digits.isdigit() or len(digits) > 9:
        raise Invalid(field, "a whole number")
    return int(digits)


async def ask_fallback_link(
    query: CallbackQuery,
    callback_data: PoolCb,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    pool = await pools.get_owned(session, operator.id, callback_data.pool_id)
    await state.set_state(FunnelForm.fallback_url)
    await state.update_data(pool_id=pool.id)
    text = t(lang, "funnel.link_prompt", slug=pool.slug, current=fallback_link(lang, pool))
    await edit(query, text, kb.fallback_link(lang, pool))


async def fallback_link_typed(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    pool_id = (await state.get_data())["pool_id"]
    try:
        pool = await pools.update_owned(
            session, operator.id, pool_id, fallback_url=message.text or ""
        )
    except Invalid as exc:
        pool = await pools.get_owned(session, operator.id, pool_id)
        await send(message, error_text(lang, exc), kb.fallback_link(lang, pool))
        return
    await state.clear()
    saved = t(lang, "funnel.link_saved", link=pool.fallback_url)
    await _send_card(message, session, settings, lang, pool, saved)


async def remove_fallback_link(
    query: CallbackQuery,
    callback_data: PoolCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    await state.clear()
    pool = await pools.update_owned(session, operator.id, callback_data.pool_id, fallback_url=None)
    callback_answer.text = t(lang, "funnel.link_removed")
    await show_card(query, session, settings, lang, pool)


async def ask_sticky(
    query: CallbackQuery,
    callback_data: PoolCb,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    pool = await pools.get_owned(session, operator.id, callback_data.pool_id)
    await state.set_state(FunnelForm.sticky_days)
    await state.update_data(pool_id=pool.id)
    current = sticky_window(lang, pool.sticky_days)
    text = t(lang, "funnel.sticky_prompt", slug=pool.slug, current=current)
    await edit(query, text, kb.sticky(lang, pool))


async def set_sticky(
    query: CallbackQuery,
    callback_data: PoolCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    await state.clear()
    pool = await pools.update_owned(
        session, operator.id, callback_data.pool_id, sticky_days=callback_data.target
    )
    callback_answer.text = t(lang, "common.saved")
    await show_card(query, session, settings, lang, pool)


async def sticky_typed(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    pool_id = (await state.get_data())["pool_id"]
    try:
        days = whole_number(message.text or "", "sticky_days")
        pool = await pools.update_owned(session, operator.id, pool_id, sticky_days=days)
    except Invalid:
        pool = await pools.get_owned(session, operator.id, pool_id)
        await send(message, t(lang, "error.sticky_days"), kb.sticky(lang, pool))
        return
    await state.clear()
    saved = t(lang, "funnel.sticky_saved", days=sticky_window(lang, pool.sticky_days))
    await _send_card(message, session, settings, lang, pool, saved)


async def ask_capacity(
    query: CallbackQuery,
    callback_data: MemberCb,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    member = await members.get_owned(
        session, operator.id, callback_data.pool_id, callback_data.bot_id
    )
    await state.set_state(FunnelForm.hourly_cap)
    await state.update_data(pool_id=member.pool_id, bot_id=member.bot_id)
    default = number(lang, settings.bot_hourly_capacity)
    text = t(
        lang,
        "funnel.cap_prompt",
        username=member.bot.username,
        current=member_capacity(lang, member, settings),
        default=default,
    )
    await edit(query, text, kb.capacity(lang, member, default))


async def capacity_typed(
    message: Message,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    data = await state.get_data()
    pool_id, bot_id = data["pool_id"], data["bot_id"]
    try:
        cap = whole_number(message.text or "", "hourly_cap")
        member = await members.update(session, operator.id, pool_id, bot_id, hourly_cap=cap)
    except Invalid:
        member = await members.get_owned(session, operator.id, pool_id, bot_id)
        default = number(lang, settings.bot_hourly_capacity)
        await send(message, t(lang, "error.hourly_cap"), kb.capacity(lang, member, default))
        return
    await state.clear()
    saved = t(lang, "funnel.cap_saved", username=member.bot.username, cap=number(lang, cap))
    text, markup = await member_screen(session, settings, lang, member)
    await send(message, f"{saved}\n\n{text}", markup)


async def default_capacity(
    query: CallbackQuery,
    callback_data: MemberCb,
    callback_answer: CallbackAnswer,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    await state.clear()
    member = await members.update(
        session, operator.id, callback_data.pool_id, callback_data.bot_id, hourly_cap=None
    )
    callback_answer.text = t(lang, "common.saved")
    await edit(query, *await member_screen(session, settings, lang, member))


async def _send_card(
    message: Message, session: AsyncSession, settings: Settings, lang: str, pool: Pool, saved: str
) -> None:
    """A typed answer was saved: say so, with the card as it reads now below."""
    card = await render_card(session, settings, lang, pool)
    await send(message, f"{saved}\n\n{card}", pool_kb.card(lang, pool))


def create_router() -> Router:
    router = Router(name="funnel")
    on_pool, on_member = PoolCb.filter, MemberCb.filter
    router.callback_query.register(ask_fallback_link, on_pool(F.action == PoolAction.FALLBACK_LINK))
    router.callback_query.register(
        remove_fallback_link, on_pool(F.action == PoolAction.REMOVE_FALLBACK_LINK)
    )
    router.callback_query.register(ask_sticky, on_pool(F.action == PoolAction.STICKY))
    router.callback_query.register(set_sticky, on_pool(F.action == PoolAction.SET_STICKY))
    router.callback_query.register(ask_capacity, on_member(F.action == MemberAction.CAPACITY))
    router.callback_query.register(
        default_capacity, on_member(F.action == MemberAction.DEFAULT_CAPACITY)
    )
    router.message.register(fallback_link_typed, FunnelForm.fallback_url, *TEXT_INPUT)
    router.message.register(sticky_typed, FunnelForm.sticky_days, *TEXT_INPUT)
    router.message.register(capacity_typed, FunnelForm.hourly_cap, *TEXT_INPUT)
    return router
