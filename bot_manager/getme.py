"""Checking a bot token for POST /api/bots with one getMe over plain aiohttp.

The REST API needs nothing else of Telegram, and aiogram costs a replica seconds of
start-up and over 100 MB of pydantic models, so this path does without it. The outcomes
are Prober.identify's (bot_manager.probe): the same TokenRejected reasons for the same
answers."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from core.domain import BotIdentity
from core.errors import TokenRejected
from core.tokens import find_token, redact

AUTH_STATUSES = (401, 403, 404)  # Telegram's answers to a wrong or revoked token (SPEC §6)


class TokenChecker:
    def __init__(self, api_url: str, timeout_s: float) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout_s = timeout_s
        self._http: aiohttp.ClientSession | None = None

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()

    async def identify(self, text: str) -> BotIdentity:
        """The bot behind the token in `text`, checked with getMe; TokenRejected otherwise."""
        token = find_token(text)
        if token is None:
            raise TokenRejected("malformed")
        try:
            status, answer = await self._get_me(token)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise TokenRejected("unreachable", type(exc).__name__) from None
        if not isinstance(answer, dict) or "ok" not in answer:
            raise TokenRejected("unreachable", f"{status}: an answer that is not the Bot API's")
        if status in AUTH_STATUSES:
            detail = redact(f"{status}: {answer.get('description', '')}")[:300]
            raise TokenRejected("unauthorized", detail)
        me = answer.get("result")
        if status != 200 or not answer["ok"] or not isinstance(me, dict):
            raise TokenRejected("unreachable", str(status))
        if not me.get("is_bot") or not me.get("username") or not isinstance(me.get("id"), int):
            raise TokenRejected("unauthorized", "not a bot")
        return BotIdentity(telegram_id=me["id"], username=me["username"], token=token)

    async def _get_me(self, token: str) -> tuple[int, object]:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        url = f"{self.api_url}/bot{token}/getMe"
        async with (
            asyncio.timeout(self.timeout_s + 1),
            self._http.post(url, timeout=aiohttp.ClientTimeout(total=self.timeout_s)) as response,
        ):
            body = await response.read()
        try:
            return response.status, json.loads(body)
        except ValueError:
            return response.status, None
