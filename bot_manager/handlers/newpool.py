"""/newpool: with arguments it creates the pool at once; without, a short wizard asks
for the name, the slug (suggesting one from the name) and the strategy."""

from __future__ import annotations

import re
import unicodedata

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.errors import error_text
from bot_manager.keyboards import pools as kb
from bot_manager.keyboards.callback_data import MenuAction, MenuCb, NewPoolAction, NewPoolCb
from bot_manager.keyboards.menu import cancel_only
from bot_manager.replies import edit, send
from bot_manager.texts import t
from bot_manager.views.pools import render_card
from core import validation
from core.domain import SLUG_RE, Strategy
from core.errors import Invalid, SlugTaken
from core.settings import Settings
from storage.models import Operator
from storage.repos import pools

TEXT_INPUT = (F.text, ~F.text.startswith("/"))


class NewPool(StatesGroup):
    name = State()
    slug = State()
    strategy = State()


def suggest_slug(name: str) -> str | None:
    """ "INSS Principal" -> "inss-principal", when that is a valid slug."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9_]+", "-", ascii_name.lower()).strip("-_")[:50].rstrip("-_")
    return slug if SLUG_RE.fullmatch(slug) else None


async def newpool_command(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    if not command.args:
        await state.set_state(NewPool.name)
        await send(message, t(lang, "newpool.ask_name"), cancel_only(lang))
        return
    slug, _, name = command.args.strip().partition(" ")
    pool = await pools.create(session, operator.id, name=name.strip() or slug, slug=slug.lower())
    await state.clear()
    text = t(lang, "newpool.created") + "\n\n" + await render_card(session, settings, lang, pool)
    await send(message, text, kb.card(lang, pool))


async def newpool_pressed(query: CallbackQuery, state: FSMContext, lang: str) -> None:
    await state.set_state(NewPool.name)
    await edit(query, t(lang, "newpool.ask_name"), cancel_only(lang))


async def name_received(
    message: Message, state: FSMContext, session: AsyncSession, settings: Settings, lang: str
) -> None:
    try:
        name = validation.name(message.text)
    except Invalid as exc:
        await send(message, error_text(lang, exc), cancel_only(lang))
        return
    suggestion = suggest_slug(name)
    if suggestion and await pools.slug_taken(session, suggestion):
        suggestion = None
    await state.update_data(name=name, suggestion=suggestion)
    await state.set_state(NewPool.slug)
    text = t(lang, "newpool.ask_slug", base=settings.public_url)
    await send(message, text, kb.wizard_slug(lang, suggestion))


async def slug_received(
    message: Message, state: FSMContext, session: AsyncSession, lang: str
) -> None:
    await _take_slug(message, (message.text or "").strip().lower(), state, session, lang)


async def suggestion_pressed(
    query: CallbackQuery, state: FSMContext, session: AsyncSession, lang: str
) -> None:
    slug = (await state.get_data()).get("suggestion") or ""
    if isinstance(query.message, Message):
        await _take_slug(query.message, slug, state, session, lang)


async def _take_slug(
    message: Message, slug: str, state: FSMContext, session: AsyncSession, lang: str
) -> None:
    try:
        validation.slug(slug)
        if await pools.slug_taken(session, slug):
            raise SlugTaken(slug=slug)
    except (Invalid, SlugTaken) as exc:
        await send(message, error_text(lang, exc), kb.wizard_slug(lang, None))
        return
    await state.update_data(slug=slug)
    await state.set_state(NewPool.strategy)
    await send(message, t(lang, "newpool.ask_strategy"), kb.wizard_strategies(lang))


async def strategy_pressed(
    query: CallbackQuery,
    callback_data: NewPoolCb,
    state: FSMContext,
    session: AsyncSession,
    operator: Operator,
    settings: Settings,
    lang: str,
) -> None:
    draft = await state.get_data()
    strategy = callback_data.strategy or Strategy.ROUND_ROBIN
    try:
        pool = await pools.create(
            session, operator.id, name=draft["name"], slug=draft["slug"], strategy=strategy
        )
    except SlugTaken as exc:  # taken by someone else since the slug step
        await state.set_state(NewPool.slug)
        await edit(query, error_text(lang, exc), kb.wizard_slug(lang, None))
        return
    await state.clear()
    text = t(lang, "newpool.created") + "\n\n" + await render_card(session, settings, lang, pool)
    await edit(query, text, kb.card(lang, pool))


def create_router() -> Router:
    router = Router(name="newpool")
    router.message.register(newpool_command, Command("newpool"))
    router.callback_query.register(newpool_pressed, MenuCb.filter(F.action == MenuAction.NEW_POOL))
    router.message.register(name_received, NewPool.name, *TEXT_INPUT)
    router.message.register(slug_received, NewPool.slug, *TEXT_INPUT)
    router.callback_query.register(
        suggestion_pressed, NewPool.slug, NewPoolCb.filter(F.action == NewPoolAction.USE_SLUG)
    )
    router.callback_query.register(
        strategy_pressed, NewPool.strategy, NewPoolCb.filter(F.action == NewPoolAction.STRATEGY)
    )
    return router
