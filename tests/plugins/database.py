"""A real SQLite file per test, migrated with the project's own Alembic revision."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.settings import Settings, load_settings
from storage.crypto import TokenCipher, cipher_for
from storage.db import Sessions, create_engine, create_sessions
from storage.migrate import upgrade


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'botpool.db'}"


@pytest.fixture
def settings(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in list(__import__("os").environ):
        if name.startswith("BOTPOOL_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(Path(db_url.split("///", 1)[1]).parent)
    return load_settings(database_url=db_url, public_url="http://botpool.test")


@pytest.fixture
async def engine(settings: Settings) -> AsyncIterator[object]:
    engine = create_engine(settings.database_url)
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: object) -> Sessions:
    return create_sessions(engine)  # type: ignore[arg-type]


@pytest.fixture
def cipher(settings: Settings) -> TokenCipher:
    from storage.db import sqlite_path

    return cipher_for(settings.secret_key, sqlite_path(settings.database_url))
