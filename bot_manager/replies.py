"""Showing a screen in answer to a press: the pressed message is edited in place.
Plain text (no parse mode), so pool names and usernames need no escaping."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, LinkPreviewOptions, Message

NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Replace the pressed message; an unchanged screen is not an error, and a message
    too old to edit gets a fresh one."""
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup, link_preview_options=NO_PREVIEW)
            return
        except TelegramBadRequest as exc:
            if "not modified" in exc.message:
                return
    await query.bot.send_message(
        query.from_user.id, text, reply_markup=markup, link_preview_options=NO_PREVIEW
    )


async def send(message: Message, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    await message.answer(text, reply_markup=markup, link_preview_options=NO_PREVIEW)
