"""The control bot's updates being handled, so that shutdown can let them finish
before it closes what they use (the database, the prober). aiogram runs each update as
a task of its own (`handle_as_tasks`) and stop_polling() does not wait for them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

log = logging.getLogger(__name__)
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class InFlight(BaseMiddleware):
    """Outermost middleware on updates: notes the task that handles each one."""

    def __init__(self) -> None:
        self.tasks: set[asyncio.Task[Any]] = set()

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        task = asyncio.current_task()
        if task is None:
            return await handler(event, data)
        self.tasks.add(task)
        try:
            return await handler(event, data)
        finally:
            self.tasks.discard(task)

    async def finish(self, timeout_s: float) -> None:
        """Wait up to `timeout_s` for the updates being handled; cancel any still running
        then (their unit of work rolls back) and wait for them to unwind."""
        if not self.tasks:
            return
        log.info("waiting for %d update(s) being handled", len(self.tasks))
        _done, late = await asyncio.wait(set(self.tasks), timeout=timeout_s)
        if not late:
            return
        log.warning("%d update(s) still running after %.0f s: cancelled", len(late), timeout_s)
        for task in late:
            task.cancel()
        await asyncio.wait(late, timeout=timeout_s)
