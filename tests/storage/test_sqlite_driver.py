"""storage.sqlite_driver on a real SQLite file: a statement is one call on aiosqlite's
thread, and what SQLAlchemy reads back from a cursor (rows, row counts, new ids, errors,
many rows at once, streamed results) is as with aiosqlite's own adapter."""

from __future__ import annotations

import aiosqlite
import pytest
from sqlalchemy import func, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from storage.db import Sessions, transaction
from storage.models import Operator, Pool
from storage.repos import operators, pools

pytestmark = pytest.mark.sqlite_only

OWNER = 1001


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the calls made on aiosqlite's thread."""
    made: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        made.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    return made


async def test_a_statement_is_one_call_on_sqlites_thread(
    sessions: Sessions, trips: list[str]
) -> None:
    async with transaction(sessions) as session:
        await operators.get_or_create(session, OWNER, "en")
        trips.clear()
        found = await session.scalar(select(Operator.language).where(Operator.id == OWNER))
        assert found == "en"
        assert trips == ["_run"]  # aiosqlite's adapter: cursor, execute, fetchall, close


async def test_rows_counts_new_ids_and_many_rows_read_as_before(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        await operators.get_or_create(session, OWNER, "en")
        first = await pools.create(session, OWNER, name="One", slug="one")
        rows = [{"owner_id": OWNER, "name": f"P{i}", "slug": f"p{i}"} for i in range(5)]
        await session.execute(insert(Pool), rows)  # executemany
        renamed = await session.execute(
            update(Pool).where(Pool.slug.like("p%")).values(name="Renamed")
        )
        assert renamed.rowcount == 5
    assert first.id is not None
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Pool)) == 6
        result = await session.stream(text("SELECT slug FROM pools ORDER BY id"))
        assert [row[0] async for row in result] == ["one", "p0", "p1", "p2", "p3", "p4"]


async def test_an_integrity_error_is_sqlalchemys_and_rolls_the_unit_back(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        await operators.get_or_create(session, OWNER, "en")
    with pytest.raises(IntegrityError):
        async with transaction(sessions) as session:
            await pools.create(session, OWNER, name="Kept out", slug="kept-out")
            await session.execute(insert(Operator).values(id=OWNER, language="en"))
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Pool)) == 0
