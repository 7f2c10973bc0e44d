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
from pathlib import Path
from typing import Any

from aiohttp import web

from core.settings import Settings
from redirect_server.app import run, serve
from storage.crypto import KEY_FILE_SUFFIX, TokenCipher, cipher_for
from storage.db import Sessions, create_engine, create_sessions, sqlite_path
from storage.migrate import upgrade
from storage.repos.keys import KeyMismatch, ensure_matches


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
    """The database, migrated, and the token cipher, checked against the key the
    database's tokens were stored with; the engine is closed on exit."""
    cipher = token_cipher(settings)
    engine = create_engine(settings.database_url)
    try:
        sessions = create_sessions(engine)
        try:
            await upgrade(engine)
            await ensure_matches(sessions, cipher)
        except KeyMismatch:
            raise StartupError(key_mismatch(settings)) from None
        except Exception as exc:
            raise StartupError(f"cannot open the database: {exc}") from None
        yield Storage(sessions, cipher)
    finally:
        await engine.dispose()


def token_cipher(settings: Settings) -> TokenCipher:
    """BOTPOOL_SECRET_KEY, else (SQLite only) the key file beside the database: every
    process on a server database must be given the same key, never one of its own."""
    path = sqlite_path(settings.database_url)
    if not settings.secret_key and path is None and is_server_database(settings.database_url):
        raise StartupError(
            "BOTPOOL_SECRET_KEY is required with a server database: give every botpool "
            "process the same key (make one with: botpool keygen)"
        )
    try:
        return cipher_for(settings.secret_key, path)
    except ValueError as exc:
        raise StartupError(str(exc)) from None


def is_server_database(url: str) -> bool:
    return not url.startswith("sqlite")


def key_source(settings: Settings) -> str:
    """Where this process's key comes from, as the operator would name it."""
    if settings.secret_key:
        return "BOTPOOL_SECRET_KEY"
    path = sqlite_path(settings.database_url) or Path("botpool")
    return f"the key file {path.with_name(path.name + KEY_FILE_SUFFIX)}"


def key_mismatch(settings: Settings) -> str:
    return (
        f"{key_source(settings)} is not the key this database's tokens were stored with; "
        "set BOTPOOL_SECRET_KEY to that key, or move them to this one with "
        "BOTPOOL_SECRET_KEY=<that key> BOTPOOL_NEW_SECRET_KEY=<this key> botpool rotate-key"
    )


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
