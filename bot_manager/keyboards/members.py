"""Buttons of "manage bots": the members, the bots that can join, one member's controls."""

from __future__ import annotations

from collections.abc import Sequence

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot_manager.keyboards.callback_data import MemberAction, MemberCb
from bot_manager.keyboards.pools import SELECTED, back_to_card
from bot_manager.texts import t
from bot_manager.views.format import status_emoji
from bot_manager.views.pools import priority_name
from core.domain import Priority
from storage.models import Bot, Member, Pool

DISABLED_MARK = "⏸"


def manage(lang: str, pool: Pool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for member in pool.members:
        text = t(
            lang,
            "members.button",
            emoji=status_emoji(member.bot.status),
            mark="" if member.is_enabled else DISABLED_MARK,
            username=member.bot.username,
            weight=member.weight,
            priority=priority_name(lang, member.priority),
        )
        builder.button(text=text, callback_data=_cb(MemberAction.SHOW, pool.id, member.bot_id))
    builder.button(text=t(lang, "members.add"), callback_data=_cb(MemberAction.CANDIDATES, pool.id))
    back_to_card(builder, lang, pool.id)
    builder.adjust(1)
    return builder.as_markup()


def candidates(lang: str, pool_id: int, bots: Sequence[Bot]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for bot in bots:
        builder.button(
            text=f"{status_emoji(bot.status)} @{bot.username}",
            callback_data=_cb(MemberAction.ADD, pool_id, bot.id),
        )
    builder.button(text=t(lang, "common.back"), callback_data=_cb(MemberAction.MANAGE, pool_id))
    builder.adjust(1)
    return builder.as_markup()


def member(lang: str, member: Member, capacity: str) -> InlineKeyboardMarkup:
    """`capacity`: the member's hourly cap as the operator reads it (views.pools)."""
    pool_id, bot_id = member.pool_id, member.bot_id
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t(lang, "member.btn.disable" if member.is_enabled else "member.btn.enable"),
        callback_data=_cb(MemberAction.TOGGLE, pool_id, bot_id),
    )
    builder.button(
        text=t(lang, "member.btn.weight_down"),
        callback_data=_cb(MemberAction.WEIGHT_DOWN, pool_id, bot_id),
    )
    builder.button(text=str(member.weight), callback_data=_cb(MemberAction.SHOW, pool_id, bot_id))
    builder.button(
        text=t(lang, "member.btn.weight_up"),
        callback_data=_cb(MemberAction.WEIGHT_UP, pool_id, bot_id),
    )
    for priority in (Priority.PREFERRED, Priority.NORMAL, Priority.BACKUP):
        mark = SELECTED if member.priority == priority else ""
        builder.button(
            text=mark + priority_name(lang, priority),
            callback_data=MemberCb(
                action=MemberAction.PRIORITY, pool_id=pool_id, bot_id=bot_id, priority=priority
            ),
        )
    builder.button(
        text=t(lang, "funnel.cap_button", cap=capacity),
        callback_data=_cb(MemberAction.CAPACITY, pool_id, bot_id),
    )
    builder.button(
        text=t(lang, "member.btn.remove"), callback_data=_cb(MemberAction.REMOVE, pool_id, bot_id)
    )
    builder.button(text=t(lang, "common.back"), callback_data=_cb(MemberAction.MANAGE, pool_id))
    builder.adjust(1, 3, 3, 1, 1, 1)
    return builder.as_markup()


def _cb(action: MemberAction, pool_id: int, bot_id: int = 0) -> MemberCb:
    return MemberCb(action=action, pool_id=pool_id, bot_id=bot_id)
