""" "Manage bots" on the pool card: add the operator's bots, toggle, weight, priority,
remove. Each screen is the card itself (fresh) with the controls below it, edited in
place; every change marks the transaction so /go sees it right after the commit."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.keyboards import members as kb
from bot_manager.keyboards.callback_data import MemberAction, MemberCb
from bot_manager.replies import edit
from bot_manager.texts import t
from bot_manager.views.pools import member_capacity, member_notes, priority_name, render_card
from core.settings import Settings
from storage.models import Member, Operator, utcnow
from storage.repos import bots, members, pools


async def _manage_screen(
    query: CallbackQuery,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
    pool_id: int,
) -> None:
    pool = await pools.get_owned(session, operator.id, pool_id)
    card = await render_card(session, settings, lang, pool)
    await edit(query, f"{card}\n\n{t(lang, 'members.prompt')}", kb.manage(lang, pool))


async def _member_screen(
    query: CallbackQuery, session: AsyncSession, settings: Settings, lang: str, member: Member
) -> None:
    await edit(query, *await member_screen(session, settings, lang, member))


async def member_screen(
    session: AsyncSession, settings: Settings, lang: str, member: Member
) -> tuple[str, InlineKeyboardMarkup]:
    """The pool's card (fresh) with one member's settings and controls below it."""
    pool = await pools.get_owned(session, member.bot.owner_id, member.pool_id)
    prompt = t(
        lang,
        "member.prompt",
        username=member.bot.username,
        enabled=t(lang, "member.enabled" if member.is_enabled else "member.disabled"),
        weight=member.weight,
        priority=priority_name(lang, member.priority),
    )
    notes = "\n".join(member_notes(lang, member, settings, utcnow()))
    card = await render_card(session, settings, lang, pool)
    markup = kb.member(lang, member, member_capacity(lang, member, settings))
    return f"{card}\n\n{prompt}\n{notes}", markup


async def manage(
    query: CallbackQuery,
    callback_data: MemberCb,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    await _manage_screen(query, session, operator, settings, lang, callback_data.pool_id)


async def candidates(
    query: CallbackQuery,
    callback_data: MemberCb,
    session: AsyncSession,
    operator: Operator,
    lang: str,
) -> None:
    pool = await pools.get_owned(session, operator.id, callback_data.pool_id)
    inside = {m.bot_id for m in pool.members}
    free = [bot for bot in await bots.list_owned(session, operator.id) if bot.id not in inside]
    key = "members.candidates_prompt" if free else "members.no_candidates"
    await edit(query, t(lang, key), kb.candidates(lang, pool.id, free))


async def add(
    query: CallbackQuery,
    callback_data: MemberCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    member = await members.add(
        session,
        operator.id,
        callback_data.pool_id,
        callback_data.bot_id,
        max_per_pool=settings.max_bots_per_pool,
    )
    callback_answer.text = t(lang, "members.added", username=member.bot.username)
    await _manage_screen(query, session, operator, settings, lang, callback_data.pool_id)


async def show(
    query: CallbackQuery,
    callback_data: MemberCb,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    await state.clear()  # back from a question (the hourly cap): the answer is no longer awaited
    member = await members.get_owned(
        session, operator.id, callback_data.pool_id, callback_data.bot_id
    )
    await _member_screen(query, session, settings, lang, member)


async def change(
    query: CallbackQuery,
    callback_data: MemberCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    """Toggle, weight −/+ or priority: one member setting, re-validated by the repository."""
    pool_id, bot_id = callback_data.pool_id, callback_data.bot_id
    member = await members.get_owned(session, operator.id, pool_id, bot_id)
    action = callback_data.action
    if action is MemberAction.TOGGLE:
        changes: dict[str, object] = {"is_enabled": not member.is_enabled}
    elif action is MemberAction.PRIORITY:
        changes = {"priority": callback_data.priority}
    else:
        changes = {"weight": member.weight + (1 if action is MemberAction.WEIGHT_UP else -1)}
    member = await members.update(session, operator.id, pool_id, bot_id, **changes)
    callback_answer.text = t(lang, "common.saved")
    await _member_screen(query, session, settings, lang, member)


async def remove(
    query: CallbackQuery,
    callback_data: MemberCb,
    callback_answer: CallbackAnswer,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    pool_id, bot_id = callback_data.pool_id, callback_data.bot_id
    member = await members.get_owned(session, operator.id, pool_id, bot_id)
    username = member.bot.username
    await members.remove(session, operator.id, pool_id, bot_id)
    callback_answer.text = t(lang, "members.removed", username=username)
    await _manage_screen(query, session, operator, settings, lang, pool_id)


def create_router() -> Router:
    router = Router(name="members")
    on = MemberCb.filter
    router.callback_query.register(manage, on(F.action == MemberAction.MANAGE))
    router.callback_query.register(candidates, on(F.action == MemberAction.CANDIDATES))
    router.callback_query.register(add, on(F.action == MemberAction.ADD))
    router.callback_query.register(show, on(F.action == MemberAction.SHOW))
    router.callback_query.register(
        change,
        on(
            F.action.in_(
                {
                    MemberAction.TOGGLE,
                    MemberAction.WEIGHT_DOWN,
                    MemberAction.WEIGHT_UP,
                    MemberAction.PRIORITY,
                }
            )
        ),
    )
    router.callback_query.register(remove, on(F.action == MemberAction.REMOVE))
    return router
