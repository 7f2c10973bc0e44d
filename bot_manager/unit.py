"""The control bot's unit of work: one session per update, whose write transaction is
committed before the update waits on the network. A handler reads and writes, then
answers; the answer (any Telegram call), a token check or a re-check first commits what
the handler wrote, so no other writer ever waits on Telegram (STYLE, "SQLAlchemy").
Handlers need not remember: the doors to the network commit for them."""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from storage.db import (
    Sessions,
    busy_as_storage_busy,
    changed,
    forget_changed,
    publish_changes,
    write_session,
)

log = logging.getLogger(__name__)
OnChange = Callable[[], Awaitable[None]]
Call = TypeVar("Call", bound=Callable[..., Awaitable[Any]])


class UnitOfWork:
    """The session of one update. `commit()` may be called any number of times: each
    ends the open transaction (if any) and reloads routing if it changed it; the next
    statement opens another write transaction."""

    def __init__(self, sessions: Sessions, on_change: OnChange) -> None:
        self.session = write_session(sessions)
        self._on_change = on_change

    async def commit(self) -> None:
        if self.session.in_transaction():
            try:
                with busy_as_storage_busy():
                    await publish_changes(self.session)
                    await self.session.commit()
            except BaseException:
                await self.rollback()
                raise
        if changed(self.session):
            forget_changed(self.session)
            try:
                await self._on_change()
            except Exception:
                log.exception("reloading the routing table failed")

    async def rollback(self) -> None:
        await self.session.rollback()
        forget_changed(self.session)

    async def close(self) -> None:
        await self.session.close()


_OPEN: ContextVar[UnitOfWork | None] = ContextVar("botpool_open_unit", default=None)


def open_unit(unit: UnitOfWork | None) -> object:
    """Make `unit` the one this task commits before the network; returns a token for
    `close_unit`."""
    return _OPEN.set(unit)


def close_unit(token: object) -> None:
    _OPEN.reset(token)  # type: ignore[arg-type]


async def commit_open_unit() -> None:
    """Commit the unit of work of the update this task handles, if there is one."""
    unit = _OPEN.get()
    if unit is not None:
        await unit.commit()


class CommitBeforeTelegram(BaseRequestMiddleware):
    """On the control bot's session: every Bot API call of a handler commits first."""

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        await commit_open_unit()
        return await make_request(bot, method)


def install(bot: Bot) -> None:
    """Add CommitBeforeTelegram to `bot`'s session once."""
    if not any(isinstance(m, CommitBeforeTelegram) for m in bot.session.middleware):
        bot.session.middleware(CommitBeforeTelegram())


def after_commit(call: Call) -> Call:
    """`call` (a service that waits on the network) committing the open unit first."""

    @functools.wraps(call)
    async def committed_first(*args: Any, **kwargs: Any) -> Any:
        await commit_open_unit()
        return await call(*args, **kwargs)

    return committed_first  # type: ignore[return-value]


class AfterCommit:
    """`service` whose coroutine methods each commit the open unit first (the prober)."""

    def __init__(self, service: object) -> None:
        self._service = service

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._service, name)
        return after_commit(attribute) if inspect.iscoroutinefunction(attribute) else attribute
