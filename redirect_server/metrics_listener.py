"""/metrics on a listener of its own (BOTPOOL_METRICS_PORT), off the public one."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import CollectorRegistry

from core.settings import Settings
from redirect_server import edge
from redirect_server.views import metrics_view


class MetricsListener:
    """Serves the app's registry at /metrics on BOTPOOL_HTTP_HOST:BOTPOOL_METRICS_PORT,
    with the same token rule as on the public listener. `serve` is a cleanup context of
    the main app, so the listener lives exactly as long as it; `port` is the one bound."""

    def __init__(self, settings: Settings, registry: CollectorRegistry) -> None:
        self._settings = settings
        self._registry = registry
        self.port: int | None = None

    async def serve(self, _app: web.Application) -> AsyncIterator[None]:
        settings = self._settings
        assert settings.metrics_port is not None
        app = web.Application(handler_args=edge.handler_args(settings))
        app.router.add_get("/metrics", metrics_view(self._registry, settings.metrics_token))
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            assert runner.server is not None
            edge.install(runner.server)
            await web.TCPSite(runner, settings.http_host, settings.metrics_port).start()
            self.port = runner.addresses[0][1]
            yield
        finally:
            await runner.cleanup()
