"""PostgreSQL's NOTIFY for routing changes (storage.db.publish_changes sends it): each
process listens on a connection of its own and wakes its routing table at once."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.engine import URL

from storage.db import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

RECONNECT_S = 2.0


async def listen_for_changes(url: URL, wake: asyncio.Event) -> None:
    """Set `wake` at every routing change notified, until cancelled. The connection is
    held open for it (not one from the pool); when it is lost, reconnect, and wake once
    more, since what was notified meanwhile was lost (the change log still has it)."""
    import asyncpg

    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    while True:
        lost = asyncio.Event()
        try:
            connection = await asyncpg.connect(dsn)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("cannot listen for routing changes (%s); polling meanwhile", exc)
            await asyncio.sleep(RECONNECT_S)
            continue
        try:
            connection.add_termination_listener(lambda _connection, lost=lost: lost.set())
            await connection.add_listener(NOTIFY_CHANNEL, lambda *_args: wake.set())
            wake.set()
            await lost.wait()
            log.warning("the connection listening for routing changes was lost; reconnecting")
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("listening for routing changes failed (%s); reconnecting", exc)
        finally:
            if not connection.is_closed():
                connection.terminate()
        await asyncio.sleep(RECONNECT_S)
