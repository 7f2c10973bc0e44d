"""Alert and digest delivery by the control bot, off the health monitor's path: `send`
and `send_photo` queue, one worker delivers in order, retrying what Telegram asks to
retry, a bounded number of times."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, LinkPreviewOptions

log = logging.getLogger(__name__)

ATTEMPTS = 6
BACKOFF_S = 1.0
MAX_BACKOFF_S = 30.0
MAX_RETRY_AFTER_S = 300.0
QUEUE_SIZE = 10_000
CLOSE_GRACE_S = 5.0


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One queued message: a text, or a picture (`photo`, PNG bytes) with `text` as its
    caption."""

    chat_id: int
    text: str
    photo: bytes | None = None
    filename: str = "chart.png"


class Notifier:
    """Sends texts to Telegram chats through `bot`. A failure to deliver is logged and
    retried, never raised: the caller has moved on long before."""

    def __init__(
        self,
        bot: Bot,
        *,
        attempts: int = ATTEMPTS,
        backoff_s: float = BACKOFF_S,
        max_backoff_s: float = MAX_BACKOFF_S,
        max_retry_after_s: float = MAX_RETRY_AFTER_S,
        queue_size: int = QUEUE_SIZE,
    ) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self._bot = bot
        self._attempts = attempts
        self._backoff_s = backoff_s
        self._max_backoff_s = max_backoff_s
        self._max_retry_after_s = max_retry_after_s
        self._queue: asyncio.Queue[Outgoing] = asyncio.Queue(maxsize=queue_size)
        self._worker: asyncio.Task[None] | None = None
        self._closed = False
        self._pending = 0
        self.delivered = 0
        self.dropped = 0

    async def send(self, chat_id: int, text: str) -> None:
        """Queue one message; returns at once."""
        self._queue_one(Outgoing(chat_id, text))

    async def send_photo(
        self, chat_id: int, photo: bytes, caption: str = "", *, filename: str = "chart.png"
    ) -> None:
        """Queue one picture with its caption; returns at once."""
        self._queue_one(Outgoing(chat_id, caption, photo, filename))

    def _queue_one(self, outgoing: Outgoing) -> None:
        chat_id = outgoing.chat_id
        if self._closed:
            log.warning("notifier closed: message to chat %s dropped", chat_id)
            self.dropped += 1
            return
        try:
            self._queue.put_nowait(outgoing)
            self._pending += 1
        except asyncio.QueueFull:
            log.error("alert queue full: message to chat %s dropped", chat_id)
            self.dropped += 1
            return
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._run(), name="botpool-notifier")

    @property
    def pending(self) -> int:
        """Messages queued or being delivered."""
        return self._pending

    async def drain(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109
        """Wait until every queued message is delivered or given up; False on timeout."""
        try:
            async with asyncio.timeout(timeout):
                await self._queue.join()
        except TimeoutError:
            return False
        return True

    async def close(self, grace_s: float = CLOSE_GRACE_S) -> None:
        """Stop taking messages, deliver what is queued for up to `grace_s`, then stop;
        what is left is logged and dropped."""
        self._closed = True
        if not await self.drain(grace_s):
            log.warning("notifier closing with %d message(s) undelivered", self.pending)
        worker, self._worker = self._worker, None
        if worker is not None and not worker.done():
            worker.cancel()
            with suppress(asyncio.CancelledError):
                await worker
        while not self._queue.empty():
            self._queue.get_nowait()
            self._pending -= 1
            self.dropped += 1
            self._queue.task_done()

    async def _run(self) -> None:
        while True:
            outgoing = await self._queue.get()
            chat_id = outgoing.chat_id
            try:
                if await self._deliver(outgoing):
                    self.delivered += 1
                else:
                    self.dropped += 1
            except asyncio.CancelledError:
                self.dropped += 1
                raise
            except Exception:
                log.exception("alert to chat %s: unexpected error, dropped", chat_id)
                self.dropped += 1
            finally:
                self._pending -= 1
                self._queue.task_done()

    async def _deliver(self, outgoing: Outgoing) -> bool:
        chat_id = outgoing.chat_id
        delay = self._backoff_s
        for attempt in range(1, self._attempts + 1):
            try:
                await self._call(outgoing)
                return True
            except TelegramRetryAfter as exc:
                wait = min(float(exc.retry_after), self._max_retry_after_s)
                reason = f"flood control, retry after {exc.retry_after}s"
            except (TelegramNetworkError, TelegramServerError, ClientDecodeError) as exc:
                wait, delay = delay, min(delay * 2, self._max_backoff_s)
                reason = type(exc).__name__
            except TelegramForbiddenError:
                log.info("chat %s blocked the control bot: alert dropped", chat_id)
                return False
            except TelegramAPIError as exc:
                log.warning("alert to chat %s rejected: %s", chat_id, exc.message)
                return False
            if attempt == self._attempts:
                break
            log.info(
                "alert to chat %s not delivered (%s): attempt %d of %d in %.1fs",
                chat_id,
                reason,
                attempt + 1,
                self._attempts,
                wait,
            )
            await asyncio.sleep(wait)
        log.error("alert to chat %s not delivered after %d attempts", chat_id, self._attempts)
        return False

    async def _call(self, outgoing: Outgoing) -> None:
        if outgoing.photo is None:
            await self._bot.send_message(
                outgoing.chat_id,
                outgoing.text,
                parse_mode=None,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
            return
        await self._bot.send_photo(
            outgoing.chat_id,
            BufferedInputFile(outgoing.photo, outgoing.filename),
            caption=outgoing.text or None,
            parse_mode=None,
        )
