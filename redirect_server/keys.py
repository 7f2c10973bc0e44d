"""Typed keys for what the aiohttp application shares (never string keys)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from core.domain import BotIdentity
from core.settings import Settings
from storage.crypto import TokenCipher
from storage.db import Sessions

CheckToken = Callable[[str], Awaitable[BotIdentity]]
OnChange = Callable[[], Awaitable[None]]

SETTINGS = web.AppKey("settings", Settings)
SESSIONS = web.AppKey("sessions", Sessions)
CIPHER = web.AppKey("cipher", TokenCipher)
# Checks a bot token with getMe; raises core.errors.TokenRejected. Injected by the
# process that runs the app (bot_manager), since redirect_server does not talk to Telegram.
CHECK_TOKEN = web.AppKey("check_token", CheckToken)
# Call after any change to pools, members or bots: the routing table reloads at once.
ON_CHANGE = web.AppKey("on_change", OnChange)
