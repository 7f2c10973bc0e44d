"""`botpool run` (control bot, redirect server and health checks in one event loop) and
`botpool check`: the processes that talk to Telegram through aiogram. The redirect
server alone is bot_manager.replica."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any

from bot_manager.process import StartupError, open_storage, serving, wait_for_stop_signal
from core.settings import Settings

log = logging.getLogger("botpool")
# How long shutdown lets the control bot's updates being handled finish before it closes
# the database under them (they are cancelled then, and roll back).
HANDLERS_GRACE_S = 10.0


async def check_control_bot(bot: Any) -> str:
    """The control bot's username; a missing or rejected token stops start-up."""
    from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError

    try:
        me = await bot.get_me(request_timeout=10)
    except TelegramUnauthorizedError:
        raise StartupError(
            "BOTPOOL_CONTROL_BOT_TOKEN was rejected by Telegram (401): check it with @BotFather"
        ) from None
    except (TelegramAPIError, OSError, TimeoutError) as exc:
        raise StartupError(
            f"cannot reach the Bot API at the BOTPOOL_TELEGRAM_API_URL: {type(exc).__name__}"
        ) from None
    return me.username or str(me.id)


def control_bot(settings: Settings) -> Any:
    """The aiogram Bot of BOTPOOL_CONTROL_BOT_TOKEN, pointed at BOTPOOL_TELEGRAM_API_URL."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.utils.token import TokenValidationError

    if not settings.control_bot_token:
        raise StartupError("BOTPOOL_CONTROL_BOT_TOKEN is not set: create a bot with @BotFather")
    try:
        api = TelegramAPIServer.from_base(settings.telegram_api_url)
        return Bot(settings.control_bot_token, session=AiohttpSession(api=api))
    except TokenValidationError:
        raise StartupError(
            "BOTPOOL_CONTROL_BOT_TOKEN: expected a token like 123456789:AA... from @BotFather"
        ) from None


async def run_all(
    settings: Settings,
    *,
    stop: asyncio.Event | None = None,
    on_monitor: Callable[[Any], None] | None = None,
) -> int:
    """`botpool run`: control bot (long polling), redirect server, health checks and
    retention in one loop. SIGTERM or Ctrl-C (or `stop`) stops polling, lets the updates
    being handled finish (at most HANDLERS_GRACE_S) and a running health pass end,
    writes pending counts and closes the database."""
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot_manager.alert_delivery import AlertDelivery
    from bot_manager.capacity import CapacityWatch
    from bot_manager.commands import set_commands
    from bot_manager.digest import DigestJob
    from bot_manager.dispatcher import IN_FLIGHT, create_dispatcher
    from bot_manager.monitor import HealthMonitor
    from bot_manager.notifier import Notifier
    from bot_manager.probe import Prober
    from bot_manager.retention import Retention
    from bot_manager.takeover import tell_previous_owner
    from redirect_server import keys
    from redirect_server.app import create_app

    bot = control_bot(settings)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(bot.session.close)
        username = await check_control_bot(bot)
        store = await stack.enter_async_context(open_storage(settings))
        prober = Prober(
            settings.telegram_api_url, settings.health_timeout_s, limit=settings.health_concurrency
        )
        stack.push_async_callback(prober.close)
        notifier = Notifier(bot)
        stack.push_async_callback(notifier.close)

        # The REST API's token checks have their own connections: a health pass's probes
        # would hold them up.
        checker = Prober(settings.telegram_api_url, settings.health_timeout_s)
        stack.push_async_callback(checker.close)
        app = create_app(
            settings,
            store.sessions,
            store.cipher,
            check_token=checker.identify,
            on_take_over=functools.partial(tell_previous_owner, store.sessions, notifier.send),
        )
        on_change = app[keys.ON_CHANGE]
        await stack.enter_async_context(serving(app, settings.http_host, settings.http_port))

        monitor = HealthMonitor(settings, store.sessions, store.cipher, prober, notifier, on_change)
        scheduler = AsyncIOScheduler()
        scheduler.start()
        stack.callback(scheduler.shutdown, wait=False)
        monitor.start(scheduler)
        if on_monitor is not None:  # the demo re-checks bots as an operator would
            on_monitor(monitor)
        stack.push_async_callback(monitor.stop)
        # Alerts go out from the outbox the monitor writes; only this process sends them.
        delivery = AlertDelivery(settings, store.sessions, bot)
        delivery.start()
        stack.push_async_callback(delivery.stop)
        retention = Retention(store.sessions, settings)
        retention.start(scheduler)
        stack.push_async_callback(retention.stop)
        DigestJob(settings, store.sessions, notifier).start(scheduler)
        capacity = CapacityWatch(settings, store.sessions)
        capacity.start(scheduler)
        stack.push_async_callback(capacity.stop)

        dp = create_dispatcher(
            settings=settings,
            sessions=store.sessions,
            cipher=store.cipher,
            prober=prober,
            on_change=on_change,
            recheck=monitor.recheck,
        )
        try:
            await set_commands(bot)
        except Exception as exc:  # the menu is a nicety; the bot works without it
            log.warning("could not set the command menu: %s", type(exc).__name__)
        polling = asyncio.create_task(
            dp.start_polling(bot, handle_signals=False, close_bot_session=False),
            name="botpool-polling",
        )
        log.info(
            "botpool is running: control bot @%s, /go on %s:%s (%s)",
            username,
            settings.http_host,
            settings.http_port,
            settings.public_url,
        )
        waiter = asyncio.create_task(stop.wait() if stop else wait_for_stop_signal())
        done, _ = await asyncio.wait({polling, waiter}, return_when=asyncio.FIRST_COMPLETED)
        log.info("stopping")
        waiter.cancel()
        if polling not in done:
            await dp.stop_polling()
        await asyncio.gather(polling, return_exceptions=True)
        await dp[IN_FLIGHT].finish(HANDLERS_GRACE_S)
    log.info("stopped")
    return 0


async def run_check(settings: Settings) -> int:
    """`botpool check`: probe every bot now and print a table. Read-only: states and
    alerts stay with the running `botpool run`, which owns them."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from bot_manager.probe import Prober
    from storage.models import Bot, Member
    from storage.repos import bots as bots_repo

    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_storage(settings))
        prober = Prober(settings.telegram_api_url, settings.health_timeout_s)
        stack.push_async_callback(prober.close)
        async with store.sessions() as session:
            rows = (
                await session.scalars(
                    select(Bot)
                    .options(selectinload(Bot.memberships).selectinload(Member.pool))
                    .order_by(Bot.id)
                )
            ).all()
            bots = [
                (bot, ",".join(sorted(m.pool.slug for m in bot.memberships)) or "-") for bot in rows
            ]
        semaphore = asyncio.Semaphore(settings.health_concurrency)

        async def probe(bot: Bot) -> Any:
            async with semaphore:
                return await prober.probe(bots_repo.token_of(store.cipher, bot))

        outcomes = await asyncio.gather(*(probe(bot) for bot, _ in bots))
    table = [("BOT", "POOLS", "STATUS", "PROBE", "LATENCY", "LAST ERROR")]
    for (bot, pools), outcome in zip(bots, outcomes, strict=True):
        latency = f"{outcome.latency_ms:.0f} ms" if outcome.latency_ms is not None else "-"
        table.append(
            (
                "@" + bot.username,
                pools,
                bot.status,
                outcome.kind.value,
                latency,
                outcome.detail or bot.last_error or "-",
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
    if not bots:
        print("no bots yet: add one with /addbot in the control bot")
    return 0
