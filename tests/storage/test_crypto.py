"""Bot tokens at rest: never in clear in the database files; the key file is made once,
beside the database, readable by its owner only, and reused."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from core.domain import BotStatus
from core.health import HealthState
from core.tokens import redact
from storage.crypto import KEY_FILE_SUFFIX, TokenCipher, cipher_for
from storage.db import Sessions, create_engine, create_sessions, sqlite_path, transaction
from storage.repos import bots

OWNER = 1001
TOKENS = [
    "7123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm-T0",
    "5550001111:BBGsecretSECRETsecret_0123456789-ab",
    "6000000001:CCQ9zZyYxXwWvVuUtTsSrRqQpPoOnNmMlLk",
]


def database_files(db_url: str) -> list[Path]:
    path = sqlite_path(db_url)
    assert path is not None
    return [p for p in (path, Path(f"{path}-wal")) if p.exists()]


def assert_no_token_in(files: list[Path]) -> None:
    assert files
    for file in files:
        raw = file.read_bytes()
        for token in TOKENS:
            secret = token.split(":", 1)[1]
            assert secret.encode() not in raw, f"a token secret in clear in {file.name}"
            assert secret.encode("utf-16-le") not in raw


@pytest.mark.sqlite_only
async def test_no_token_is_in_clear_in_the_database_or_its_wal(
    db_url: str, engine: object, sessions: Sessions, cipher: TokenCipher
) -> None:
    async with transaction(sessions) as session:
        for token in TOKENS:
            telegram_id = int(token.split(":")[0])
            bot = await bots.register(
                session,
                cipher,
                OWNER,
                telegram_id=telegram_id,
                username=f"b{telegram_id}",
                token=token,
            )
            # what a failed probe stores, made safe the way the prober makes it
            detail = redact(f"ClientConnectorError: https://api.telegram.org/bot{token}/getMe")
            bots.apply_health(bot, HealthState(status=BotStatus.DEGRADED, last_error=detail))
    files = database_files(db_url)
    assert [f.name for f in files] == ["botpool.db", "botpool.db-wal"]
    assert_no_token_in(files)
    async with sessions() as session:
        stored = sorted(bots.token_of(cipher, bot) for bot in await bots.all_bots(session))
    assert stored == sorted(TOKENS)
    await engine.dispose()  # type: ignore[attr-defined]  # checkpoints the WAL into the file
    assert_no_token_in(database_files(db_url))


@pytest.mark.sqlite_only
def test_the_key_file_is_made_once_beside_the_database_with_mode_0600(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("BOTPOOL_"):
            monkeypatch.delenv(name)
    database = sqlite_path(db_url)
    assert database is not None
    key_file = database.with_name(database.name + KEY_FILE_SUFFIX)
    assert not key_file.exists()
    old_umask = os.umask(0)  # even a permissive umask gives an owner-only file
    try:
        first = cipher_for(None, database)
    finally:
        os.umask(old_umask)
    assert key_file.parent == database.parent
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    content = key_file.read_bytes()
    Fernet(content.strip())  # a valid key
    second = cipher_for(None, database)
    assert key_file.read_bytes() == content
    assert second.decrypt(first.encrypt(TOKENS[0])) == TOKENS[0]
    assert list(tmp_path.glob("*" + KEY_FILE_SUFFIX)) == [key_file]


@pytest.mark.sqlite_only
async def test_stored_tokens_survive_a_restart_with_the_key_file(
    db_url: str, engine: object, cipher: TokenCipher
) -> None:
    async with transaction(create_sessions(engine)) as session:  # type: ignore[arg-type]
        await bots.register(
            session, cipher, OWNER, telegram_id=7123456789, username="b", token=TOKENS[0]
        )
    await engine.dispose()  # type: ignore[attr-defined]
    restarted = create_engine(db_url)
    try:
        reloaded = cipher_for(None, sqlite_path(db_url))
        async with create_sessions(restarted)() as session:
            (bot,) = await bots.all_bots(session)
            assert bots.token_of(reloaded, bot) == TOKENS[0]
    finally:
        await restarted.dispose()


def test_a_configured_secret_key_is_used_and_no_key_file_is_made(tmp_path: Path) -> None:
    key = Fernet.generate_key().decode()
    database = tmp_path / "botpool.db"
    cipher = cipher_for(key, database)
    assert not any(tmp_path.iterdir())
    assert TokenCipher(key).decrypt(cipher.encrypt("x")) == "x"


def test_a_server_database_keeps_its_key_file_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cipher_for(None, None)
    assert stat.S_IMODE((tmp_path / f"botpool{KEY_FILE_SUFFIX}").stat().st_mode) == 0o600


@pytest.mark.parametrize("bad", ["", "not-a-key", "a" * 44])
def test_a_bad_secret_key_is_a_clear_error(bad: str) -> None:
    with pytest.raises(ValueError, match="BOTPOOL_SECRET_KEY: expected a Fernet key"):
        TokenCipher(bad)


def test_a_damaged_key_file_is_a_clear_error_naming_it(tmp_path: Path) -> None:
    database = tmp_path / "botpool.db"
    key_file = tmp_path / f"botpool.db{KEY_FILE_SUFFIX}"
    key_file.write_text("garbage\n")
    with pytest.raises(ValueError, match=str(key_file)):
        cipher_for(None, database)


def test_a_token_stored_with_another_key_is_a_clear_error() -> None:
    blob = TokenCipher(Fernet.generate_key()).encrypt(TOKENS[0])
    with pytest.raises(ValueError, match="BOTPOOL_SECRET_KEY"):
        TokenCipher(Fernet.generate_key()).decrypt(blob)
