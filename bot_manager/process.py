"""What every botpool process shares: the database opened and migrated, the redirect
server served, the stop signal, and the one-line start-up error. Nothing here imports
aiogram, so that `botpool redirect` can stay without it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from core.settings import Settings
from redirect_server.app import run, serve
from storage.crypto import TokenCipher, cipher_for
from storage.db import Sessions, create_engine, create_sessions, sqlite_path
from storage.migrate import upgrade


class StartupError(Exception):
    """Start-up cannot go on; the message is one line for the operator."""


def run_forever(main: Coroutine[Any, Any, int]) -> int:
    """Run `main` on uvloop when it is installed, else on asyncio."""
    return run(main)


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
    try:
        runner = await serve(app, host, port, shutdown_timeout=2)
    except OSError as exc:
        raise StartupError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    try:
        yield runner
    finally:
        await runner.cleanup()
