"""Building the control bot's Dispatcher: routers, middlewares and the services that
handlers receive by parameter name (settings, sessions, cipher, prober, on_change,
recheck)."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from bot_manager.handlers import create_router
from bot_manager.handlers.bots import Recheck
from bot_manager.in_flight import InFlight
from bot_manager.middlewares import AccessGate, DatabaseMiddleware, LeaveWizardOnCommand, OnChange
from bot_manager.probe import Prober
from bot_manager.unit import AfterCommit, after_commit, install
from core.settings import Settings
from storage.crypto import TokenCipher
from storage.db import Sessions

# The Dispatcher's InFlight (workflow data): shutdown waits for the updates it tracks.
IN_FLIGHT = "in_flight"


def create_dispatcher(
    *,
    settings: Settings,
    sessions: Sessions,
    cipher: TokenCipher,
    prober: Prober,
    on_change: OnChange,
    recheck: Recheck | None = None,
    storage: BaseStorage | None = None,
) -> Dispatcher:
    """A Dispatcher ready for `start_polling`. The access gate runs before anything is
    read or stored; CallbackAnswerMiddleware wraps the database middleware so a domain
    error can still be the press's alert. `dp[IN_FLIGHT]` knows the updates being
    handled, for a shutdown that lets them finish."""
    dp = Dispatcher(
        storage=storage or MemoryStorage(),
        settings=settings,
        sessions=sessions,
        cipher=cipher,
        prober=AfterCommit(prober),  # services that wait on the network commit first
        on_change=on_change,
        recheck=after_commit(recheck) if recheck is not None else None,
    )
    dp.startup.register(_commit_before_telegram)
    dp[IN_FLIGHT] = in_flight = InFlight()
    dp.update.outer_middleware(in_flight)
    dp.update.outer_middleware(AccessGate(settings))
    database = DatabaseMiddleware(sessions, on_change)
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    dp.callback_query.middleware(database)
    dp.message.outer_middleware(LeaveWizardOnCommand())
    dp.message.middleware(database)
    dp.include_router(create_router())
    return dp


async def _commit_before_telegram(bots: list[Bot]) -> None:
    for bot in bots:
        install(bot)
