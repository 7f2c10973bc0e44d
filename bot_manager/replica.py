"""`botpool redirect`: the redirect server and REST API alone, an extra replica over the
same database. It loads core, storage and redirect_server only: no aiogram, no control
bot, no health monitor (a test pins it)."""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack

from bot_manager.probe import Prober
from bot_manager.process import open_storage, serving, wait_for_stop_signal
from core.settings import Settings
from redirect_server.app import create_app

log = logging.getLogger("botpool")


async def run_redirect(settings: Settings) -> int:
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_storage(settings))
        checker = Prober(settings.telegram_api_url, settings.health_timeout_s)
        stack.push_async_callback(checker.close)
        app = create_app(settings, store.sessions, store.cipher, check_token=checker.identify)
        await stack.enter_async_context(serving(app, settings.http_host, settings.http_port))
        log.info("redirect server on %s:%s", settings.http_host, settings.http_port)
        await wait_for_stop_signal()
        log.info("stopping")
    return 0
