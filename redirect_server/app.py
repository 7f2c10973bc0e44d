"""The aiohttp application: /go, the REST API, /healthz, /metrics; and how to serve it."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

from aiohttp import web
from aiohttp.log import access_logger

from core.ramp import SlowStart
from core.settings import Settings
from redirect_server import edge, keys, spool
from redirect_server.counter import RedirectCounter
from redirect_server.key_uses import KeyUses
from redirect_server.keys import CheckToken, TakeOver
from redirect_server.metrics import GoFigures, create_registry
from redirect_server.metrics_listener import MetricsListener
from redirect_server.ratelimit import ClientAddress, RateLimiter
from redirect_server.resource import GO_METHODS, GoFirst, SlugResource
from redirect_server.routing import DEFAULT_RELOAD_INTERVAL_S, RoutingTable
from redirect_server.sticky import StickyCookies
from redirect_server.views import Redirector, metrics_view, routes, unrouted
from storage.crypto import TokenCipher
from storage.db import Sessions
from storage.notify import listen_for_changes

T = TypeVar("T")

DEFAULT_FLUSH_INTERVAL_S = 1.0  # SPEC §7: counts reach the database within 2 s


def create_app(
    settings: Settings,
    sessions: Sessions,
    cipher: TokenCipher,
    *,
    check_token: CheckToken | None = None,
    on_take_over: TakeOver | None = None,
    reload_interval_s: float = DEFAULT_RELOAD_INTERVAL_S,
    flush_interval_s: float = DEFAULT_FLUSH_INTERVAL_S,
) -> web.Application:
    """Everything the redirect server serves. `check_token` validates tokens for
    POST /api/bots; without it that route answers 503. `on_take_over` tells an operator
    their bot was taken over (a replica, with no control bot, only logs it). The routing
    table is loaded before the first request; counts are flushed after the last one."""
    app = web.Application(handler_args=edge.handler_args(settings))
    app[keys.SETTINGS] = settings
    app[keys.SESSIONS] = sessions
    app[keys.CIPHER] = cipher
    if check_token is not None:
        app[keys.CHECK_TOKEN] = check_token
    if on_take_over is not None:
        app[keys.ON_TAKE_OVER] = on_take_over

    counter = RedirectCounter(
        sessions, flush_interval_s=flush_interval_s, spool_dir=spool.spool_dir(settings)
    )
    table = RoutingTable(
        sessions,
        counter,
        reload_interval_s=reload_interval_s,
        hourly_capacity=settings.bot_hourly_capacity,
        slow_start=SlowStart(settings.slow_start_s, settings.slow_start_share),
    )
    figures = GoFigures()
    app[keys.COUNTER] = counter
    app[keys.KEY_USES] = KeyUses(sessions)
    app[keys.ROUTING] = table
    app[keys.GO_FIGURES] = figures
    app[keys.REGISTRY] = create_registry(figures, table, counter)
    app[keys.ON_CHANGE] = table.refresh

    limit = settings.rate_limit_per_min
    redirector = Redirector(
        table,
        figures,
        RateLimiter(limit, max_clients=settings.rate_limit_max_clients) if limit else None,
        ClientAddress(settings.trusted_proxies),
        retry_after_s=settings.health_interval_s,
        ipv6_prefix=settings.rate_limit_ipv6_prefix,
        counter=counter,
        sticky=StickyCookies.for_installation(cipher, settings.public_url),
    )
    go = SlugResource("/go")
    app.router.register_resource(go)
    for method in GO_METHODS:  # the methods GoFirst answers ahead of the router
        go.add_route(method, redirector.go)
    app[keys.GO_FIRST] = GoFirst(go, redirector.redirect)
    app.router.add_routes(routes)
    app[keys.METRICS_LISTENER] = metrics = MetricsListener(settings, app[keys.REGISTRY])
    if settings.metrics_port is None:
        app.router.add_get("/metrics", metrics_view(app[keys.REGISTRY], settings.metrics_token))
    app.cleanup_ctx.append(_keep_routing)
    app.cleanup_ctx.append(_keep_counting)
    if settings.metrics_port is not None:
        app.cleanup_ctx.append(metrics.serve)

    from redirect_server.api import setup_api

    setup_api(app)
    app.router.add_route("*", "/{tail:.*}", unrouted)
    return app


async def _keep_routing(app: web.Application) -> AsyncIterator[None]:
    """Load the table before serving (a broken database stops start-up), then follow
    the change log: at each poll, and at once on PostgreSQL's NOTIFY."""
    table = app[keys.ROUTING]
    await table.load()
    wake = asyncio.Event()
    tasks = [asyncio.create_task(table.run(wake), name="botpool-routing-follow")]
    url = app[keys.SESSIONS].kw["bind"].url
    if url.get_backend_name() == "postgresql":
        tasks.append(asyncio.create_task(listen_for_changes(url, wake), name="botpool-listen"))
    yield
    for task in tasks:
        task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.gather(*tasks)
    table.close()


async def _keep_counting(app: web.Application) -> AsyncIterator[None]:
    """Flush counts and API keys' last use in batches; on shutdown this runs after the
    server has stopped accepting and the last handlers have finished, so the final flush
    has everything, and what it cannot write is spooled for the next start, which writes
    it first."""
    counter, collect = app[keys.COUNTER], app[keys.ROUTING].take_counts
    uses = app[keys.KEY_USES]
    await counter.write_spooled()
    flushes = asyncio.create_task(counter.run(collect), name="botpool-count-flush")
    marks = asyncio.create_task(uses.run(counter.flush_interval_s), name="botpool-key-uses")
    yield
    counter.stop()
    uses.stop()
    await asyncio.gather(flushes, marks)
    await counter.drain(collect)


async def serve(
    app: web.Application,
    host: str,
    port: int,
    *,
    access_log: bool = False,
    shutdown_timeout: float = 10.0,
) -> web.AppRunner:
    """Start `app` on host:port and return its runner; `await runner.cleanup()` stops it
    gracefully (stop accepting, let requests finish, then the cleanup contexts)."""
    runner = web.AppRunner(
        app,
        access_log=access_logger if access_log else None,
        handle_signals=False,
        shutdown_timeout=shutdown_timeout,
    )
    await runner.setup()
    prepare_runner(runner)
    settle_heap()
    await web.TCPSite(runner, host, port).start()
    return runner


# The cyclic collector's thresholds once serving (gc.set_threshold; Python's are 700, 10,
# 10): a young collection every 10,000 allocations, so that a request's objects are gone
# before one comes, and the oldest generation looked at every 3,000,000 allocations
# instead of every 70,000. With 10,000 pools a full collection walked 100,000-170,000 objects
# (a health pass's working set, the routing table's cached answers), each holding /go
# 90-160 ms, every 5 s or so; with these, none came in 45 s, and /go's p99 went from 129
# to 58-75 ms (bench/scale.py --pools 10000, one machine, one run each).
GC_THRESHOLDS = (10_000, 3, 100)


def settle_heap() -> None:
    """Move what start-up built (modules, the routing table of every pool) out of the
    cyclic collector's reach: a full collection walks every object it tracks, and with
    2,000 pools it held the loop for 0.5-1 s every 15-20 s (bench/scale.py). What is
    allocated later is still collected, with GC_THRESHOLDS."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def prepare_runner(runner: web.AppRunner) -> None:
    """What serve() adds to a runner once it is set up and before a site starts:
    protocol errors answered botpool's way (`edge`), and /go ahead of the application
    layer. A test server does it too, to serve as production does."""
    assert runner.server is not None, "the runner is not set up"
    edge.install(runner.server)
    answer_go_first(runner)


def answer_go_first(runner: web.AppRunner) -> None:
    """Put /go ahead of the application layer (`GoFirst`) on a runner that is set up,
    when the app is create_app's. serve() does it; a test server does it to serve as
    production does."""
    go_first = runner.app.get(keys.GO_FIRST)
    if go_first is not None:
        assert runner.server is not None, "the runner is not set up"
        go_first.install(runner.server)


def run(main: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on uvloop when it is installed (the `speed` extra)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    return uvloop.run(main)
