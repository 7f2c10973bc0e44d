"""`botpool migrate`: Alembic, configured in code so an installed package can run it.
Alembic (and Mako) is loaded only when the schema is behind: a process that starts on
an up-to-date database, such as a redirect replica, is spared its memory."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.db import create_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
_REVISION = re.compile(r"^revision\s*(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)
VERSION_TABLE = "alembic_version"


def head_revision() -> str | None:
    """The newest revision, read from the version files without loading Alembic; None
    when the files do not name exactly one head plainly (Alembic then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        parents.update(re.findall(r"[\"']([^\"']+)[\"']", down.group(1)))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def is_current(engine: AsyncEngine) -> bool:
    """True when the database is at the head revision: nothing to migrate."""
    head = head_revision()
    if head is None:
        return False
    async with engine.connect() as connection:
        if not await connection.run_sync(lambda c: inspect(c).has_table(VERSION_TABLE)):
            return False
        rows = await connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))
        return [row[0] for row in rows] == [head]


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _upgrade(connection: object, url: str) -> None:
    from alembic import command

    config = alembic_config(url)
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


async def upgrade(engine: AsyncEngine) -> None:
    """Bring the schema of `engine`'s database to the newest revision."""
    if await is_current(engine):
        return
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, str(engine.url.render_as_string(hide_password=False)))


def upgrade_url(url: str) -> None:
    async def _run() -> None:
        engine = create_engine(url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(_run())
