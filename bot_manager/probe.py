"""Talking to the Bot API for health: one `getMe` per probe, and now and then one
`getWebhookInfo` for the backend behind the bot, through aiogram."""

from __future__ import annotations

import asyncio
import time
from http import HTTPStatus
from typing import Any

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response
from aiogram.types import User
from aiogram.types import WebhookInfo as TelegramWebhookInfo
from aiogram.utils.token import TokenValidationError

from core.backend import WebhookInfo
from core.domain import BotIdentity
from core.errors import TokenRejected
from core.health import ProbeKind, ProbeOutcome
from core.tokens import find_token, redact

# pydantic caches parametrised generic models weakly, so aiogram rebuilds Response[User]
# (~8 ms of CPU) for a getMe whenever the garbage collector has dropped it: dozens of
# times in a pass over 1,000 bots. Holding it keeps every probe on the cached class.
GETME_RESPONSE = Response[User]
WEBHOOK_INFO_RESPONSE = Response[TelegramWebhookInfo]

AUTH_ERRORS = (TelegramUnauthorizedError, TelegramForbiddenError, TelegramNotFound)


def api_session(api_url: str, *, limit: int = 100) -> AiohttpSession:
    """One HTTP session for many bots: aiogram's Bot objects share it."""
    return AiohttpSession(api=TelegramAPIServer.from_base(api_url), limit=limit)


class RateLimitedWithoutDelay(TelegramAPIError):
    """A 429 that names no retry_after, which aiogram raises as a bare TelegramAPIError."""


class ProbeSession(AiohttpSession):
    """aiogram's session, telling a 429 without retry_after from other API errors: both
    are a rate limit to SPEC §6, never a failure."""

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        try:
            return super().check_response(bot, method, status_code, content)
        except TelegramAPIError as exc:
            if status_code == HTTPStatus.TOO_MANY_REQUESTS and type(exc) is TelegramAPIError:
                raise RateLimitedWithoutDelay(method=method, message=exc.message) from None
            raise


class Prober:
    def __init__(self, api_url: str, timeout_s: float, *, limit: int = 100) -> None:
        self.session = ProbeSession(api=TelegramAPIServer.from_base(api_url), limit=limit)
        self.timeout_s = timeout_s

    async def close(self) -> None:
        await self.session.close()

    async def probe(self, token: str) -> ProbeOutcome:
        """getMe with the bot's token, classified as SPEC §6 says."""
        started = time.perf_counter()
        try:
            bot = Bot(token, session=self.session)
            async with asyncio.timeout(self.timeout_s + 1):
                me = await bot.get_me(request_timeout=self.timeout_s)  # type: ignore[arg-type]
        except TokenValidationError:
            return ProbeOutcome(ProbeKind.AUTH, "malformed token")
        except TelegramRetryAfter as exc:
            return ProbeOutcome(
                ProbeKind.RATE_LIMITED, "429 Too Many Requests", retry_after_s=exc.retry_after
            )
        except RateLimitedWithoutDelay:
            return ProbeOutcome(ProbeKind.RATE_LIMITED, "429 Too Many Requests")
        except AUTH_ERRORS as exc:
            return ProbeOutcome(ProbeKind.AUTH, _describe(exc))
        except TelegramServerError as exc:
            return ProbeOutcome(ProbeKind.TRANSIENT, _describe(exc))
        except TelegramNetworkError as exc:
            timed_out = "timeout" in exc.message.lower()
            detail = (
                f"timeout after {self.timeout_s:g}s"
                if timed_out
                else redact(f"connection error: {exc.message}")[:300]
            )
            return ProbeOutcome(ProbeKind.TRANSIENT, detail, unreachable=True)
        except TimeoutError:
            return ProbeOutcome(
                ProbeKind.TRANSIENT, f"timeout after {self.timeout_s:g}s", unreachable=True
            )
        except TelegramAPIError as exc:
            return ProbeOutcome(ProbeKind.TRANSIENT, _describe(exc))
        except ClientDecodeError:
            return ProbeOutcome(ProbeKind.TRANSIENT, "the Bot API answered with something not JSON")
        except OSError as exc:
            detail = f"connection error: {type(exc).__name__}"
            return ProbeOutcome(ProbeKind.TRANSIENT, detail, unreachable=True)
        latency = (time.perf_counter() - started) * 1000
        return ProbeOutcome.ok(latency, username=me.username)

    async def webhook_info(self, token: str) -> WebhookInfo | None:
        """getWebhookInfo with the bot's token, for backend health (core.backend); None
        when Telegram could not tell (a timeout, a 5xx, a rate limit), which is no sign
        about the backend, or refused the token, which is getMe's business. Never
        getUpdates: it would take the bot's updates from its own poller."""
        try:
            bot = Bot(token, session=self.session)
            async with asyncio.timeout(self.timeout_s + 1):
                info = await bot.get_webhook_info(request_timeout=self.timeout_s)  # type: ignore[arg-type]
        except (TokenValidationError, TelegramAPIError, ClientDecodeError, TimeoutError, OSError):
            return None
        error_date = info.last_error_date
        return WebhookInfo(
            url=info.url or "",
            pending_update_count=info.pending_update_count or 0,
            last_error_date=int(error_date.timestamp()) if error_date is not None else None,
            last_error_message=info.last_error_message,
        )

    async def identify(self, text: str) -> BotIdentity:
        """The bot behind the token in `text`, checked with getMe; TokenRejected otherwise."""
        token = find_token(text)
        if token is None:
            raise TokenRejected("malformed")
        try:
            bot = Bot(token, session=self.session)
            async with asyncio.timeout(self.timeout_s + 1):
                me = await bot.get_me(request_timeout=self.timeout_s)  # type: ignore[arg-type]
        except TokenValidationError:
            raise TokenRejected("malformed") from None
        except AUTH_ERRORS as exc:
            raise TokenRejected("unauthorized", _describe(exc)) from None
        except (TelegramAPIError, ClientDecodeError, TimeoutError, OSError) as exc:
            raise TokenRejected("unreachable", type(exc).__name__) from None
        if not me.is_bot or not me.username:
            raise TokenRejected("unauthorized", "not a bot")
        return BotIdentity(telegram_id=me.id, username=me.username, token=token)


def _describe(exc: TelegramAPIError) -> str:
    """An error line safe to store and show: never the token."""
    return redact(f"{type(exc).__name__}: {exc.message}")[:300]
