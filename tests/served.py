"""create_app's application under test, served the way `botpool` serves it."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from redirect_server.app import prepare_runner


class ServedAsBotpool(TestServer):
    """aiohttp's TestServer, plus what redirect_server.app.serve() adds once the runner
    is set up: protocol errors answered botpool's way, /go answered ahead of the
    application layer. No client has connected yet when they are added, so every
    request of the test goes the way production's do."""

    async def start_server(
        self, loop: asyncio.AbstractEventLoop | None = None, **kwargs: Any
    ) -> None:
        await super().start_server(loop=loop, **kwargs)
        assert isinstance(self.runner, web.AppRunner)
        prepare_runner(self.runner)
