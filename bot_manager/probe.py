"""Talking to the Bot API for health and token checks: `getMe` per probe, now and then
`getWebhookInfo` for the backend behind a bot, and `getMe` on a token an operator
sends. Plain aiohttp, one call each, classified as SPEC §6 says.

aiogram is for the control bot. Through it each probe built a Bot, a multipart form and
pydantic models: about 40 % of the event loop's time in `botpool run` while it probed
10,000 bots (bench/scale.py, sampled with py-spy), and a replica that checks tokens
would have to import it (seconds of start-up, over 100 MB)."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from typing import Any

import aiohttp

from core.backend import WebhookInfo
from core.domain import BotIdentity
from core.errors import TokenRejected
from core.health import ProbeKind, ProbeOutcome
from core.tokens import TOKEN_RE, find_token, redact

AUTH_STATUSES = (401, 403, 404)  # Telegram's answers to a wrong or revoked token (SPEC §6)
TOO_MANY_REQUESTS = 429
DETAIL_MAX = 300
NOT_THE_BOT_API = "an answer that is not the Bot API's (a proxy's page?)"


@dataclass(frozen=True, slots=True)
class Answer:
    """One Bot API answer: its HTTP status and its JSON body (None when it had none)."""

    status: int
    body: dict[str, Any] | None

    @property
    def result(self) -> Any:
        if self.status != 200 or self.body is None or self.body.get("ok") is not True:
            return None
        return self.body.get("result")

    def describe(self) -> str:
        """A line safe to store and show (never the token): `401: Unauthorized`."""
        said = self.body.get("description") if self.body is not None else None
        return redact(f"{self.status}: {said or 'no description'}")[:DETAIL_MAX]


class Unreachable(Exception):
    """No answer from the Bot API: `detail` says why (a timeout, a refused connection)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Prober:
    def __init__(self, api_url: str, timeout_s: float, *, limit: int = 100) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout_s = timeout_s
        self._limit = limit
        self._http: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def probe(self, token: str) -> ProbeOutcome:
        """getMe with the bot's token, classified as SPEC §6 says."""
        if not TOKEN_RE.fullmatch(token):
            return ProbeOutcome(ProbeKind.AUTH, "malformed token")
        started = time.perf_counter()
        try:
            answer = await self.call(token, "getMe")
        except Unreachable as exc:
            return ProbeOutcome(ProbeKind.TRANSIENT, exc.detail, unreachable=True)
        me = answer.result
        if isinstance(me, dict):
            latency = (time.perf_counter() - started) * 1000
            username = me.get("username")
            return ProbeOutcome.ok(latency, username if isinstance(username, str) else None)
        if answer.body is None:
            return ProbeOutcome(ProbeKind.TRANSIENT, f"{answer.status}: {NOT_THE_BOT_API}")
        if answer.status == TOO_MANY_REQUESTS:
            return ProbeOutcome(
                ProbeKind.RATE_LIMITED, "429 Too Many Requests", retry_after_s=_retry_after(answer)
            )
        kind = ProbeKind.AUTH if answer.status in AUTH_STATUSES else ProbeKind.TRANSIENT
        return ProbeOutcome(kind, answer.describe())

    async def webhook_info(self, token: str) -> WebhookInfo | None:
        """getWebhookInfo with the bot's token, for backend health (core.backend); None
        when Telegram could not tell (a timeout, a 5xx, a rate limit), which is no sign
        about the backend, or refused the token, which is getMe's business. Never
        getUpdates: it would take the bot's updates from its own poller."""
        if not TOKEN_RE.fullmatch(token):
            return None
        try:
            info = (await self.call(token, "getWebhookInfo")).result
        except Unreachable:
            return None
        if not isinstance(info, dict):
            return None
        error_date = info.get("last_error_date")
        message = info.get("last_error_message")
        return WebhookInfo(
            url=str(info.get("url") or ""),
            pending_update_count=_whole(info.get("pending_update_count")) or 0,
            last_error_date=_whole(error_date),
            last_error_message=message if isinstance(message, str) else None,
        )

    async def identify(self, text: str) -> BotIdentity:
        """The bot behind the token in `text`, checked with getMe; TokenRejected otherwise."""
        token = find_token(text)
        if token is None:
            raise TokenRejected("malformed")
        try:
            answer = await self.call(token, "getMe")
        except Unreachable as exc:
            raise TokenRejected("unreachable", exc.detail) from None
        if answer.body is None or "ok" not in answer.body:
            raise TokenRejected("unreachable", f"{answer.status}: {NOT_THE_BOT_API}")
        if answer.status in AUTH_STATUSES:
            raise TokenRejected("unauthorized", answer.describe())
        me = answer.result
        if not isinstance(me, dict):
            raise TokenRejected("unreachable", str(answer.status))
        if not me.get("is_bot") or not me.get("username") or not isinstance(me.get("id"), int):
            raise TokenRejected("unauthorized", "not a bot")
        return BotIdentity(telegram_id=me["id"], username=me["username"], token=token)

    async def call(self, token: str, method: str) -> Answer:
        """One Bot API method without parameters; Unreachable when nothing answered in
        time. The token is in the URL, as the Bot API wants: never log the URL."""
        if self._http is None:
            self._http = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._limit),
                timeout=aiohttp.ClientTimeout(total=self.timeout_s),
            )
        try:
            async with (
                asyncio.timeout(self.timeout_s + 1),
                self._http.post(f"{self.api_url}/bot{token}/{method}") as response,
            ):
                raw = await response.read()
        except TimeoutError:
            raise Unreachable(f"timeout after {self.timeout_s:g}s") from None
        except (aiohttp.ClientError, OSError) as exc:
            said = str(exc) or type(exc).__name__
            raise Unreachable(redact(f"connection error: {said}")[:DETAIL_MAX]) from None
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        return Answer(response.status, body if isinstance(body, dict) else None)


def _retry_after(answer: Answer) -> float | None:
    parameters = answer.body.get("parameters") if answer.body is not None else None
    if not isinstance(parameters, dict):
        return None
    value = parameters.get("retry_after")
    return float(value) if isinstance(value, int | float) and value >= 0 else None


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
