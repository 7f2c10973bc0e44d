"""The access gate and the per-update database session (SPEC §9, STYLE "aiogram")."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject, Update, User
from sqlalchemy.exc import IntegrityError

from bot_manager.errors import error_text
from bot_manager.filters import allowed
from bot_manager.texts import t
from bot_manager.unit import UnitOfWork, close_unit, open_unit
from core.errors import BotpoolError, StorageBusy, StorageUnavailable
from core.settings import Settings
from storage.db import Sessions, busy_as_storage_busy
from storage.repos import operators

logger = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
OnChange = Callable[[], Awaitable[None]]


class AccessGate(BaseMiddleware):
    """Outer middleware on updates: allowed operators pass; anyone else is refused once
    per process and then ignored. It runs before the database middleware, so nothing
    is stored for a refused user."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.refused: set[int] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None or user.is_bot:
            return None
        if allowed(self.settings, user.id):
            return await handler(event, data)
        if user.id not in self.refused:
            self.refused.add(user.id)
            logger.info("refused user %s (not in BOTPOOL_ADMIN_IDS)", user.id)
            lang = operators.language_from_telegram(user.language_code)
            await _refuse(event, t(lang, "access.refused", user_id=user.id))
        return None


async def _refuse(update: TelegramObject, text: str) -> None:
    if isinstance(update, Update) and update.callback_query is not None:
        await update.callback_query.answer(text, show_alert=True)
    elif isinstance(update, Update) and update.message is not None:
        await update.message.answer(text)


class DatabaseMiddleware(BaseMiddleware):
    """Inner middleware: one unit of work per update (bot_manager.unit), its session in
    `session`, the operator loaded (or created) as `operator` and their language as
    `lang`. What the handler wrote is committed before any call to Telegram and at the
    end; after a commit that changed routing, the routing table reloads (`on_change`).
    Domain errors roll back and are answered; a busy or failing database asks to try
    again."""

    def __init__(self, sessions: Sessions, on_change: OnChange) -> None:
        self.sessions = sessions
        self.on_change = on_change

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User = data["event_from_user"]
        lang = operators.language_from_telegram(user.language_code)
        unit = UnitOfWork(self.sessions, self.on_change)
        token = open_unit(unit)
        try:
            with busy_as_storage_busy():
                operator = await operators.get_or_create(unit.session, user.id, lang)
                lang = operator.language
                data.update(session=unit.session, operator=operator, lang=lang)
                result = await handler(event, data)
                await unit.commit()
        except (StorageBusy, StorageUnavailable) as exc:
            await unit.rollback()
            logger.warning("%s; update from %s answered with 'try again'", exc, user.id)
            await tell(event, data, error_text(lang, exc))
            return None
        except BotpoolError as exc:
            await unit.rollback()
            await tell(event, data, error_text(lang, exc))
            return None
        except IntegrityError:  # a row this update relied on was changed or deleted meanwhile
            await unit.rollback()
            logger.info(
                "update from %s raced another writer; answered 'changed meanwhile'", user.id
            )
            await tell(event, data, t(lang, "common.changed_meanwhile"))
            return None
        finally:
            close_unit(token)
            await unit.close()
        return result


async def tell(event: TelegramObject, data: dict[str, Any], text: str) -> None:
    """Answer a button press with an alert (through CallbackAnswerMiddleware when it has
    not answered yet), or a message with a message."""
    if isinstance(event, CallbackQuery):
        answer = data.get("callback_answer")
        if answer is not None and not answer.answered and not answer.disabled:
            answer.text, answer.show_alert = text, True
        else:
            await event.answer(text, show_alert=True)
    elif isinstance(event, Message):
        await event.answer(text)


class LeaveWizardOnCommand(BaseMiddleware):
    """Outer middleware on messages: a command typed in the middle of a wizard leaves
    the wizard, so the next plain text is not taken as the wizard's answer."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state = data.get("state")
        text = getattr(event, "text", None) or ""
        command = text.startswith("/") and not text.startswith("/cancel")  # /cancel says so
        if state is not None and command and await state.get_state() is not None:
            await state.clear()
        return await handler(event, data)
