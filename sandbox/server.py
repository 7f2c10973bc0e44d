"""Building and running the sandbox: an aiohttp app, or a live server on a real port."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from sandbox import botapi, control
from sandbox.botapi import STATE_KEY
from sandbox.client import SandboxClient
from sandbox.state import SandboxState

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def create_sandbox_app(state: SandboxState | None = None) -> web.Application:
    """The Bot API (`/bot<token>/<method>`) and the control API (`/sandbox/...`)."""
    app = web.Application(client_max_size=MAX_UPLOAD_BYTES)
    app[STATE_KEY] = state or SandboxState()
    app.add_routes(botapi.routes)
    app.add_routes(control.routes)
    app.on_shutdown.append(_release_held_requests)
    return app


async def _release_held_requests(app: web.Application) -> None:
    app[STATE_KEY].close()


@dataclass
class Sandbox:
    """A running sandbox: `url` is the base for aiogram's TelegramAPIServer.from_base."""

    url: str
    client: SandboxClient
    state: SandboxState
    app: web.Application

    def api_url(self, token: str, method: str) -> str:
        return f"{self.url}/bot{token}/{method}"


@asynccontextmanager
async def run_sandbox(
    host: str = "127.0.0.1", port: int = 0, *, state: SandboxState | None = None
) -> AsyncIterator[Sandbox]:
    """Serve a sandbox on host:port (0 = a free port) for the duration of the block."""
    app = create_sandbox_app(state)
    # handler_cancellation: a request held by a fault ends when its client gives up.
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=2.0, access_log=None)
    await runner.setup()
    try:
        site = web.TCPSite(runner, host, port)
        await site.start()
        bound_host, bound_port = runner.addresses[0][:2]
        url_host = f"[{bound_host}]" if ":" in bound_host else bound_host
        url = f"http://{url_host}:{bound_port}"
        async with SandboxClient(url) as client:
            yield Sandbox(url=url, client=client, state=app[STATE_KEY], app=app)
    finally:
        await runner.cleanup()
