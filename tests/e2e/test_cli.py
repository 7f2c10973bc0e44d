"""The `botpool` command as an operator types it: one clear line when something is wrong."""

from __future__ import annotations

import sqlite3

import pytest

from tests.e2e.process import clean_env, free_port, run_cli


def db_env(tmp_path, **values: str) -> dict[str, str]:
    return clean_env(BOTPOOL_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'bp.db'}", **values)


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BOTPOOL_HTTP_PORT", "eighty", "BOTPOOL_HTTP_PORT: expected a whole number"),
        ("BOTPOOL_HEALTH_INTERVAL_S", "0", "BOTPOOL_HEALTH_INTERVAL_S: expected"),
        ("BOTPOOL_OPEN_REGISTRATION", "maybe", "BOTPOOL_OPEN_REGISTRATION: expected true or false"),
    ],
)
def test_a_bad_setting_stops_start_up_with_one_line_naming_it(tmp_path, variable, value, expected):
    result = run_cli("run", env=db_env(tmp_path, **{variable: value}), cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], result.stderr


def test_run_without_a_control_bot_token_says_so_in_one_line(tmp_path):
    result = run_cli("run", env=db_env(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        "botpool: BOTPOOL_CONTROL_BOT_TOKEN is not set: create a bot with @BotFather"
    )


async def test_run_with_a_rejected_control_bot_token_says_so_in_one_line(tmp_path, sandbox):
    import asyncio

    control = await sandbox.client.create_bot(username="control_bot")
    await sandbox.client.ban(control)
    env = db_env(
        tmp_path,
        BOTPOOL_CONTROL_BOT_TOKEN=control.token,
        BOTPOOL_TELEGRAM_API_URL=sandbox.url,
        BOTPOOL_HTTP_PORT=str(free_port()),
    )
    result = await asyncio.to_thread(run_cli, "run", env=env, cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("botpool:")]
    assert errors == [
        "botpool: BOTPOOL_CONTROL_BOT_TOKEN was rejected by Telegram (401): "
        "check it with @BotFather"
    ], result.stderr
    assert control.token not in result.stderr + result.stdout


def test_migrate_creates_the_schema_and_a_second_run_changes_nothing(tmp_path):
    env = db_env(tmp_path)
    first = run_cli("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(tmp_path / "bp.db") as db:
        schema = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        tables = {name for kind, name, _ in schema if kind == "table"}
    assert {"operators", "bots", "pools", "pool_members", "redirect_counts"} <= tables
    second = run_cli("migrate", env=env, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    with sqlite3.connect(tmp_path / "bp.db") as db:
        assert db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall() == (
            schema
        )


def test_apikey_create_prints_a_key_once_and_stores_only_its_hash(tmp_path):
    result = run_cli(
        "apikey",
        "create",
        "--owner",
        "4242",
        "--label",
        "landing",
        env=db_env(tmp_path),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert key.startswith("bp_") and len(key) > 30
    with sqlite3.connect(tmp_path / "bp.db") as db:
        rows = db.execute("SELECT owner_id, label, key_hash FROM api_keys").fetchall()
    assert [(owner, label) for owner, label, _ in rows] == [(4242, "landing")]
    assert key not in repr(rows)


def test_apikey_create_refuses_an_oversized_label_clearly(tmp_path):
    result = run_cli(
        "apikey", "create", "--owner", "1", "--label", "x" * 500, env=db_env(tmp_path), cwd=tmp_path
    )
    assert result.returncode == 1
    assert "label" in result.stderr.strip().splitlines()[-1]


async def test_check_prints_one_row_per_bot_with_its_probe(tmp_path, sandbox):
    import asyncio

    from storage.crypto import cipher_for
    from storage.db import create_engine, create_sessions, transaction
    from storage.migrate import upgrade
    from storage.repos import bots, operators

    good = await sandbox.client.create_bot(username="good_bot")
    gone = await sandbox.client.create_bot(username="gone_bot")
    await sandbox.client.ban(gone)
    url = f"sqlite+aiosqlite:///{tmp_path / 'bp.db'}"
    engine = create_engine(url)
    try:
        await upgrade(engine)
        cipher = cipher_for(None, tmp_path / "bp.db")
        async with transaction(create_sessions(engine)) as session:
            await operators.get_or_create(session, 1)
            for bot in (good, gone):
                await bots.register(
                    session, cipher, 1, telegram_id=bot.id, username=bot.username, token=bot.token
                )
    finally:
        await engine.dispose()
    env = db_env(tmp_path, BOTPOOL_TELEGRAM_API_URL=sandbox.url, BOTPOOL_HEALTH_TIMEOUT_S="2")
    result = await asyncio.to_thread(run_cli, "check", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:4] == ["BOT", "POOLS", "STATUS", "PROBE"]
    good_row = next(line for line in lines if "@good_bot" in line)
    gone_row = next(line for line in lines if "@gone_bot" in line)
    assert " ok " in good_row and " ms" in good_row
    assert " auth " in gone_row and "Unauthorized" in gone_row
    assert good.token not in result.stdout and gone.token not in result.stdout


def test_a_taken_port_stops_start_up_with_one_line(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = db_env(tmp_path, BOTPOOL_HTTP_HOST="127.0.0.1", BOTPOOL_HTTP_PORT=str(port))
        result = run_cli("redirect", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        .splitlines()[-1]
        .startswith(f"botpool: cannot listen on 127.0.0.1:{port}")
    ), result.stderr
    assert "Traceback" not in result.stderr
