"""`botpool migrate`: the schema from nothing, a second run that changes nothing, and an
Alembic revision that matches the models."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import Sessions, create_engine, transaction
from storage.migrate import alembic_config, head_revision, is_current, upgrade
from storage.models import Base, Pool
from storage.repos import operators, pools

ROOT = Path(__file__).resolve().parents[2]


async def schema(engine: AsyncEngine) -> list[tuple[str, str, str, str | None]]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


async def revision(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        return [row[0] for row in await connection.execute(text("SELECT * FROM alembic_version"))]


@pytest.fixture
async def empty(tmp_path: Path) -> AsyncEngine:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    yield engine  # type: ignore[misc]
    await engine.dispose()


async def test_migrate_creates_every_table_on_an_empty_database(empty: AsyncEngine) -> None:
    assert await schema(empty) == []
    await upgrade(empty)
    tables = {name for kind, name, _t, _s in await schema(empty) if kind == "table"}
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    head = ScriptDirectory.from_config(alembic_config(str(empty.url))).get_current_head()
    assert await revision(empty) == [head]


async def test_the_head_read_without_alembic_is_alembics_head(empty: AsyncEngine) -> None:
    script = ScriptDirectory.from_config(alembic_config(str(empty.url)))
    assert head_revision() == script.get_current_head()


async def test_only_a_database_at_the_head_counts_as_current(empty: AsyncEngine) -> None:
    assert not await is_current(empty)
    await upgrade(empty)
    assert await is_current(empty)
    async with empty.begin() as connection:
        await connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    assert not await is_current(empty)


async def test_a_second_migrate_changes_nothing(empty: AsyncEngine) -> None:
    await upgrade(empty)
    before = await schema(empty)
    await upgrade(empty)
    assert await schema(empty) == before
    assert len(await revision(empty)) == 1


async def test_migrate_keeps_the_data(empty: AsyncEngine) -> None:
    await upgrade(empty)
    async with empty.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO operators (id, language, alerts_enabled, created_at) "
                "VALUES (1, 'en', 1, '2026-11-25 10:00:00')"
            )
        )
    await upgrade(empty)
    async with empty.connect() as connection:
        assert (await connection.execute(text("SELECT id FROM operators"))).scalars().all() == [1]


def differences(connection: object) -> list[object]:
    context = MigrationContext.configure(
        connection,  # type: ignore[arg-type]
        opts={"compare_type": True, "compare_server_default": True},
    )
    return compare_metadata(context, Base.metadata)


async def test_the_migration_matches_the_models(empty: AsyncEngine) -> None:
    await upgrade(empty)
    async with empty.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_the_migration_matches_the_models_on_the_test_engine(engine: AsyncEngine) -> None:
    """On PostgreSQL too: every id column is BIGINT there, as the models say."""
    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_ids_beyond_32_bits_are_stored_and_numbered_on(sessions: Sessions) -> None:
    """The API accepts ids up to 2**63 - 1: a row may have one, and numbering goes past
    2**31 (PostgreSQL's `integer` columns and sequences stopped there)."""
    big = 2**31 + 5
    async with transaction(sessions) as session:
        await operators.get_or_create(session, 1)
        session.add(Pool(id=big, owner_id=1, name="Big", slug="big"))
    async with transaction(sessions) as session:
        if session.get_bind().dialect.name == "postgresql":
            await session.execute(text(f"SELECT setval('pools_id_seq', {big})"))
        following = await pools.create(session, 1, name="Next", slug="next")
    assert following.id > big
    async with sessions() as session:
        assert (await pools.get_owned(session, 1, big)).slug == "big"


def run_cli(db_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOTPOOL_")}
    env["BOTPOOL_DATABASE_URL"] = db_url
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot_manager.cli", "migrate"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def raw_schema(database: Path) -> list[tuple[str, str, str, str | None]]:
    with closing(sqlite3.connect(database)) as connection:
        return connection.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()


def test_botpool_migrate_twice_from_the_command_line(tmp_path: Path) -> None:
    database = tmp_path / "cli" / "botpool.db"
    url = f"sqlite+aiosqlite:///{database}"
    first = run_cli(url, tmp_path)
    assert first.returncode == 0, first.stderr
    before = raw_schema(database)
    tables = {name for kind, name, _t, _s in before if kind == "table"}
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    second = run_cli(url, tmp_path)
    assert second.returncode == 0, second.stderr
    assert raw_schema(database) == before


def test_botpool_migrate_with_a_bad_database_url_says_so_in_one_line(tmp_path: Path) -> None:
    result = run_cli("botpool.db", tmp_path)
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "BOTPOOL_DATABASE_URL" in result.stderr
