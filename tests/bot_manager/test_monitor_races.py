"""The health pass under other writers: rows that vanish or change under it never cost
the outcomes of the other bots (on SQLite and on PostgreSQL)."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Session

from bot_manager.monitor import HealthMonitor
from core.domain import BotStatus
from storage.db import sqlite_path, transaction
from storage.models import Bot
from storage.repos import bots

OWNER = 7001


class StoringSession(Session):
    """The monitor's sessions, so that a test can act between its reads and its writes."""


def delete_from_another_process(db_url: str, bot_id: int) -> bool:
    """Delete a bot as another process would, waiting at most 300 ms for a lock; True if
    it was deleted, False if the database held it back."""
    path = sqlite_path(db_url)
    if path is not None:
        connection = sqlite3.connect(path, timeout=0.3, isolation_level=None)
        try:
            connection.execute("DELETE FROM bots WHERE id = ?", (bot_id,))
            return True
        except sqlite3.OperationalError as exc:
            assert "locked" in str(exc)
            return False
        finally:
            connection.close()
    url = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
    sql = f"SET lock_timeout = '300ms'; DELETE FROM bots WHERE id = {bot_id};"
    done = subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-qc", sql], capture_output=True, text=True
    )
    if done.returncode == 0:
        return True
    assert "lock timeout" in done.stderr, done.stderr
    return False


@pytest.fixture
def hooked_monitor(
    monitor_world, engine
) -> Iterator[Callable[[Callable[[Session], None]], HealthMonitor]]:
    """A monitor whose sessions call `hook(session)` before their first flush of bots."""
    world = monitor_world
    listeners = []

    def make(hook: Callable[[Session], None]) -> HealthMonitor:
        fired: list[bool] = []

        def before_flush(session: Session, _context: object, _instances: object) -> None:
            if not fired and any(isinstance(o, Bot) for o in session.dirty):
                fired.append(True)
                hook(session)

        event.listen(StoringSession, "before_flush", before_flush)
        listeners.append(before_flush)
        sessions = async_sessionmaker(
            engine, expire_on_commit=False, sync_session_class=StoringSession
        )
        return HealthMonitor(world.settings, sessions, world.cipher, world.prober, None, None)

    yield make
    for listener in listeners:
        event.remove(StoringSession, "before_flush", listener)


async def test_a_bot_deleted_by_another_process_while_the_pass_stores_loses_no_other_outcome(
    monitor_world, hooked_monitor, db_url
):
    world = monitor_world
    await world.operator(OWNER, start=False)
    fleet = [await world.bot(OWNER) for _ in range(6)]
    await world.pool(OWNER, "leads", fleet)
    await world.bystanders(6)  # half the fleet failing is no outage of the path
    for bot in fleet:
        await world.client.ban(bot)
    doomed = world.db_id(fleet[0])
    attempts: list[bool] = []
    monitor = hooked_monitor(
        lambda _s: attempts.append(delete_from_another_process(db_url, doomed))
    )

    report = await monitor.run_pass()

    assert attempts, "the other process never tried"
    assert report.probed == 12
    survivors = fleet[1:] if attempts == [True] else fleet
    assert [await world.status(bot) for bot in survivors] == [BotStatus.DEGRADED] * len(survivors)
    assert delete_from_another_process(db_url, doomed)  # once the pass has committed


async def test_a_bot_deleted_while_it_is_probed_is_skipped_and_the_others_are_stored(
    monitor_world,
):
    world = monitor_world
    await world.operator(OWNER, start=False)
    fleet = [await world.bot(OWNER) for _ in range(4)]
    await world.pool(OWNER, "leads", fleet)
    await world.bystanders(4)  # half the fleet failing is no outage of the path
    for bot in fleet:
        await world.client.ban(bot)
    doomed = fleet[0]
    await world.client.slow(doomed, 500, methods=["getMe"])

    async def delete_when_probed() -> None:
        for _ in range(200):  # bounded: until the sandbox has seen its getMe
            if await world.client.request_count(doomed, "getMe"):
                break
            await asyncio.sleep(0.01)
        async with transaction(world.sessions) as session:
            await bots.delete_owned(session, OWNER, world.db_id(doomed))

    report, _ = await asyncio.gather(world.monitor.run_pass(), delete_when_probed())

    assert world.db_id(doomed) not in {r.bot_id for r in report.results}
    assert [await world.status(bot) for bot in fleet[1:]] == [BotStatus.DEGRADED] * 3
