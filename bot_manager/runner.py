"""Running botpool: everything in one event loop, or the redirect server alone."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from core.settings import Settings
from storage.crypto import TokenCipher, cipher_for
from storage.db import Sessions, create_engine, create_sessions, sqlite_path
from storage.migrate import upgrade

log = logging.getLogger("botpool")


def run_forever(main: Coroutine[Any, Any, int]) -> int:
    """Run `main` on uvloop when it is installed, else on asyncio."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)


async def wait_for_stop_signal() -> None:
    """Return at SIGTERM or SIGINT (Ctrl-C)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError):
                loop.remove_signal_handler(sig)


@dataclass
class Storage:
    sessions: Sessions
    cipher: TokenCipher


@asynccontextmanager
async def open_storage(settings: Settings) -> AsyncIterator[Storage]:
    """The database, migrated, and the token cipher; the engine is closed on exit."""
    from bot_manager.cli import StartupError

    engine = create_engine(settings.database_url)
    try:
        try:
            await upgrade(engine)
            cipher = cipher_for(settings.secret_key, sqlite_path(settings.database_url))
        except Exception as exc:
            raise StartupError(f"cannot open the database: {exc}") from None
        yield Storage(create_sessions(engine), cipher)
    finally:
        await engine.dispose()


@asynccontextmanager
async def serving(app: web.Application, host: str, port: int) -> AsyncIterator[web.AppRunner]:
    """Serve `app` until the block ends; cleanup then flushes what the app holds."""
    from bot_manager.cli import StartupError

    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError as exc:
            raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        yield runner
    finally:
        await runner.cleanup()


async def run_redirect(settings: Settings) -> int:
    """`botpool redirect`: the redirect server and REST API alone, over the same database."""
    from bot_manager.probe import Prober
    from redirect_server.app import create_app

    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_storage(settings))
        prober = Prober(settings.telegram_api_url, settings.health_timeout_s)
        stack.push_async_callback(prober.close)
        app = create_app(settings, store.sessions, store.cipher, check_token=prober.identify)
        await stack.enter_async_context(serving(app, settings.http_host, settings.http_port))
        log.info("redirect server on %s:%s", settings.http_host, settings.http_port)
        await wait_for_stop_signal()
        log.info("stopping")
    return 0
