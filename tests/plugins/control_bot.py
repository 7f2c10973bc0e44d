"""The control bot, polling the sandbox for real, driven as a Telegram user would.

`control_bot` yields a `ControlBotDriver` for the default set-up (OPERATOR, OTHER and
SYNC_USER allowed; STRANGER not); `start_control_bot(**setting_overrides, recheck=...,
on_change=..., sessions=...)` starts one with other settings or services. Updates are
handled one at a time (handle_as_tasks=False), so `settle()` (a /help from SYNC_USER,
keep it allowed) proves that everything sent before it has been handled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.filters.callback_data import CallbackData

from bot_manager.dispatcher import create_dispatcher
from bot_manager.probe import Prober
from core.domain import PoolState
from core.settings import Settings
from sandbox import Sandbox, SandboxClient, SandboxUser
from sandbox.client import SandboxBot
from storage.crypto import TokenCipher
from storage.db import Sessions
from storage.repos import pools

OPERATOR = 1001
OTHER = 1002
SYNC_USER = 1999  # an allowed user whose chat only carries settle() probes
STRANGER = 6666  # never in the allowlist
CONTROL_USERNAME = "botpool_control_bot"
STOP_TIMEOUT_S = 10
POLL_INTERVAL_S = 0.02

Recheck = Callable[[int, int], Awaitable[Any]]


@dataclass
class ControlBotDriver:
    """Talks to the control bot through the sandbox and reads what it answered."""

    sandbox: Sandbox
    control: SandboxBot
    settings: Settings
    sessions: Sessions
    cipher: TokenCipher
    reloads: list[dict[str, PoolState]] = field(default_factory=list)
    languages: dict[int, str] = field(default_factory=dict)

    @property
    def routing(self) -> dict[str, PoolState]:
        """The pools as the last reload (on_change) saw them."""
        assert self.reloads, "on_change was never called"
        return self.reloads[-1]

    @property
    def client(self) -> SandboxClient:
        return self.sandbox.client

    def user(self, user_id: int, language_code: str | None = None) -> SandboxUser:
        """The same Telegram user every time (their language remembered per id)."""
        if language_code is not None:
            self.languages[user_id] = language_code
        return SandboxUser(
            id=user_id,
            first_name=f"User{user_id}",
            language_code=self.languages.get(user_id, "pt-br"),
        )

    async def send(
        self, user_id: int, text: str, *, language_code: str | None = None
    ) -> dict[str, Any]:
        """The user writes `text`; returns the user's message as the sandbox stored it."""
        return await self.client.send_message(self.control, self.user(user_id, language_code), text)

    async def forward_from_botfather(
        self, user_id: int, token: str, *, username: str = "new_bot"
    ) -> dict[str, Any]:
        """The user forwards @BotFather's "Done! Congratulations..." message with `token`."""
        return await self.client.forward_from_botfather(
            self.control, self.user(user_id), token, username=username
        )

    async def press(
        self,
        user_id: int,
        message: dict[str, Any],
        button: str | CallbackData | None = None,
        *,
        contains: str | None = None,
        forged: bool = False,
    ) -> dict[str, Any]:
        """Press a button of `message`: by its exact text, by a substring of its text
        (`contains`), or by callback data. Returns the press's answer once the control
        bot has handled it (its text, show_alert). `forged=True` sends the callback data
        even though the message has no such button, as a modified client could."""
        data = button.pack() if isinstance(button, CallbackData) else None
        text = button if isinstance(button, str) else None
        if contains is not None:  # the screen may have been edited since `message` was read
            current = await self.message(user_id, message["message_id"])
            text = self.button_text(current, contains)
        query = await self.client.press_button(
            self.control,
            self.user(user_id),
            message["message_id"],
            callback_data=data,
            text=text,
            forged=forged,
        )
        return await self.client.wait_for_callback_answer(self.control, query["id"])

    async def tap(self, user_id: int, message: dict[str, Any], contains: str) -> dict[str, Any]:
        """Press the button whose text has `contains`; the message as it reads afterwards
        (screens are edited in place)."""
        await self.press(user_id, message, contains=contains)
        return await self.message(user_id, message["message_id"])

    @staticmethod
    def button_text(message: dict[str, Any], contains: str) -> str:
        for row in message["keyboard"]:
            for button in row:
                if contains in button["text"]:
                    return button["text"]
        shown = [b["text"] for row in message["keyboard"] for b in row]
        raise AssertionError(f"no button with {contains!r} in {shown}")

    async def wait_reply(
        self,
        user_id: int,
        contains: str | None = None,
        *,
        after: dict[str, Any] | int = 0,
        timeout_s: float = 5.0,
    ) -> dict[str, Any]:
        """The control bot's first live message to `user_id` after `after` (a message or
        an id) whose text has `contains`: its text, keyboard, edited flag... A handler
        replies before its transaction commits, so this also waits for the update to be
        fully handled (committed, on_change called) before returning."""
        after_id = after["message_id"] if isinstance(after, dict) else after
        reply = await self.client.wait_for_message(
            self.control, user_id, contains=contains, after=after_id, timeout_s=timeout_s
        )
        await self.settle()
        return reply

    async def message(self, user_id: int, message_id: int) -> dict[str, Any]:
        """One message of the chat as it is now (after edits)."""
        for message in await self.messages(user_id, include_user=True):
            if message["message_id"] == message_id:
                return message
        raise AssertionError(f"no message {message_id} in the chat with {user_id}")

    async def wait_deleted(self, user_id: int, message_id: int, timeout_s: float = 5.0) -> None:
        """Return once the control bot has deleted the user's message `message_id`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while not (await self.message(user_id, message_id))["deleted"]:
            if loop.time() >= deadline:
                raise TimeoutError(f"message {message_id} not deleted after {timeout_s}s")
            await asyncio.sleep(POLL_INTERVAL_S)

    async def messages(self, user_id: int, *, include_user: bool = False) -> list[dict[str, Any]]:
        return await self.client.messages(self.control, user_id, include_user=include_user)

    async def settle(self) -> None:
        """Return once every update sent before this call has been handled."""
        sent = await self.send(SYNC_USER, "/help")
        await self.client.wait_for_message(self.control, SYNC_USER, after=sent["message_id"])

    async def sent_texts(self, *user_ids: int) -> list[str]:
        """Everything the control bot wrote (or edited into) these chats."""
        texts = []
        for user_id in user_ids:
            for message in await self.messages(user_id):
                texts.append(message["text"] or message["caption"] or "")
                texts += [b["text"] for row in message["keyboard"] for b in row]
        return texts


@asynccontextmanager
async def running_control_bot(
    sandbox: Sandbox,
    base_settings: Settings,
    sessions: Sessions,
    cipher: TokenCipher,
    *,
    recheck: Recheck | None = None,
    on_change: Callable[[], Awaitable[None]] | None = None,
    **overrides: Any,
) -> AsyncIterator[ControlBotDriver]:
    """`on_change`: a real reload (a redirect server's routing table) to call as well."""
    settings = base_settings.model_copy(
        update={
            "telegram_api_url": sandbox.url,
            "admin_ids": frozenset({OPERATOR, OTHER, SYNC_USER}),
            "health_timeout_s": 2.0,
            **overrides,
        }
    )
    control = await sandbox.client.create_bot(username=CONTROL_USERNAME)
    bot = Bot(control.token, session=AiohttpSession(api=TelegramAPIServer.from_base(sandbox.url)))
    prober = Prober(sandbox.url, settings.health_timeout_s)
    driver = ControlBotDriver(sandbox, control, settings, sessions, cipher)

    async def record_change() -> None:
        """What a routing table reloading now would see (so: only committed changes)."""
        async with sessions() as session:
            states = await pools.all_states(session)
        driver.reloads.append({state.slug: state for _pool, state in states})
        if on_change is not None:
            await on_change()

    dp = create_dispatcher(
        settings=settings,
        sessions=sessions,
        cipher=cipher,
        prober=prober,
        on_change=record_change,
        recheck=recheck,
    )
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, handle_as_tasks=False, polling_timeout=1)
    )
    try:
        await sandbox.client.wait_for_requests(control, "getUpdates")
        yield driver
    finally:
        if not task.done():
            with suppress(RuntimeError, TimeoutError):
                await asyncio.wait_for(dp.stop_polling(), STOP_TIMEOUT_S)
        with suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, STOP_TIMEOUT_S)
        await prober.close()
        await bot.session.close()


@pytest.fixture
def start_control_bot(
    sandbox: Sandbox, settings: Settings, sessions: Sessions, cipher: TokenCipher
) -> Callable[..., Any]:
    """`async with start_control_bot(open_registration=True) as driver:`; keywords are
    setting overrides, plus `recheck=`, `on_change=` and `sessions=` (another factory)."""

    def start(**kwargs: Any) -> Any:
        own_sessions = kwargs.pop("sessions", sessions)
        return running_control_bot(sandbox, settings, own_sessions, cipher, **kwargs)

    return start


@pytest.fixture
async def control_bot(
    start_control_bot: Callable[..., Any],
) -> AsyncIterator[ControlBotDriver]:
    async with start_control_bot() as driver:
        yield driver
