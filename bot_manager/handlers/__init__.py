"""The control bot's routers, one per feature (aiogram's multi_file_bot layout).

Order matters: the token router comes first so that a message carrying a token is
caught and deleted whatever wizard is open; the fallback ("not understood") is last."""

from __future__ import annotations

from aiogram import Router

from bot_manager.handlers import (
    apikeys,
    bots,
    funnel,
    members,
    newpool,
    pools,
    reports,
    settings,
    start,
    stats,
    tokens,
)


def create_router() -> Router:
    root = Router(name="control_bot")
    root.include_routers(
        tokens.create_router(),
        start.create_router(),
        newpool.create_router(),
        pools.create_router(),
        members.create_router(),
        funnel.create_router(),
        bots.create_router(),
        stats.create_router(),
        reports.create_router(),
        settings.create_router(),
        apikeys.create_router(),
        start.create_fallback_router(),
    )
    return root
