"""What a view needs from its request: the operator, settings, a read or a transaction,
and the routing reload once a change that /go must see is committed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from core.settings import Settings
from redirect_server import keys
from redirect_server.api.auth import OWNER
from storage.db import busy_as_storage_busy, changed, transaction


def owner(request: web.Request) -> int:
    return request[OWNER]


def settings(request: web.Request) -> Settings:
    return request.config_dict[keys.SETTINGS]


@asynccontextmanager
async def unit_of_work(request: web.Request) -> AsyncIterator[AsyncSession]:
    """One transaction; after it commits, if it was marked with storage.db.mark_changed,
    the routing table reloads before the view answers (so /go sees it at once)."""
    async with transaction(request.config_dict[keys.SESSIONS]) as session:
        yield session
    reload = request.config_dict.get(keys.ON_CHANGE)
    if changed(session) and reload is not None:
        await reload()


@asynccontextmanager
async def reading(request: web.Request) -> AsyncIterator[AsyncSession]:
    """A read-only session that sees one snapshot and never waits on a write lock."""
    with busy_as_storage_busy():
        async with request.config_dict[keys.SESSIONS]() as session:
            yield session
