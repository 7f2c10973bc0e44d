"""create_app's application under test, served the way `botpool` serves it."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

from redirect_server.app import answer_go_first


class ServedAsBotpool(TestServer):
    """aiohttp's TestServer, plus what redirect_server.app.serve() adds once the runner
    is set up: /go answered ahead of the application layer. No client has connected
    yet when it is added, so every request of the test goes the way production's do."""

    async def start_server(
        self, loop: asyncio.AbstractEventLoop | None = None, **kwargs: Any
    ) -> None:
        await super().start_server(loop=loop, **kwargs)
        assert isinstance(self.runner, web.AppRunner)
        answer_go_first(self.runner)
