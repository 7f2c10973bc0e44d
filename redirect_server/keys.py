"""Typed keys for what the aiohttp application shares (never string keys)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CollectorRegistry

from core.domain import BotIdentity
from core.settings import Settings
from redirect_server.counter import RedirectCounter
from redirect_server.key_uses import KeyUses
from redirect_server.metrics import GoFigures
from redirect_server.metrics_listener import MetricsListener
from redirect_server.resource import GoFirst
from redirect_server.routing import RoutingTable
from storage.crypto import TokenCipher
from storage.db import Sessions
from storage.repos.registrations import AddedBot

CheckToken = Callable[[str], Awaitable[BotIdentity]]
OnChange = Callable[[], Awaitable[None]]
TakeOver = Callable[[AddedBot], Awaitable[None]]

SETTINGS = web.AppKey("settings", Settings)
SESSIONS = web.AppKey("sessions", Sessions)
CIPHER = web.AppKey("cipher", TokenCipher)
# Checks a bot token with getMe; raises core.errors.TokenRejected. Injected by the
# process that runs the app (bot_manager), since redirect_server does not talk to Telegram.
CHECK_TOKEN = web.AppKey("check_token", CheckToken)
# Tells an operator that their bot was taken over (storage.repos.bots.add); set by a
# process that has a control bot to say it with.
ON_TAKE_OVER = web.AppKey("on_take_over", TakeOver)
# Call after any change to pools, members or bots: the routing table reloads at once.
ON_CHANGE = web.AppKey("on_change", OnChange)

# The redirect server's own state (redirect_server.app builds them; others may read).
ROUTING = web.AppKey("routing", RoutingTable)
COUNTER = web.AppKey("counter", RedirectCounter)
KEY_USES = web.AppKey("key_uses", KeyUses)
GO_FIGURES = web.AppKey("go_figures", GoFigures)
REGISTRY = web.AppKey("registry", CollectorRegistry)
GO_FIRST = web.AppKey("go_first", GoFirst)
METRICS_LISTENER = web.AppKey("metrics_listener", MetricsListener)
