"""The token key (SPEC §11): a process whose key is not the one the database's tokens were
stored with refuses to start with one line; a server database needs an explicit key;
`botpool rotate-key` moves every token to a new key at once. Run as an operator would."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from storage.crypto import TokenCipher, new_key
from storage.db import Sessions, transaction
from storage.models import Bot, KeyFingerprint
from storage.repos import bots, keys, operators
from tests.e2e.process import botpool, clean_env, free_port, run_cli, wait_http_ok

OWNER = 4242
TOKENS = {
    7001: "7001:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm-T0",
    7002: "7002:BBGsecretSECRETsec_0123456789-ab",
}
MISMATCH = "is not the key this database's tokens were stored with"


async def store_tokens(sessions: Sessions, cipher: TokenCipher) -> None:
    async with transaction(sessions) as session:
        await operators.get_or_create(session, OWNER)
        for telegram_id, token in TOKENS.items():
            await bots.register(
                session,
                cipher,
                OWNER,
                telegram_id=telegram_id,
                username=f"k{telegram_id}_bot",
                token=token,
            )


async def stored(sessions: Sessions) -> tuple[list[bytes], str | None]:
    async with sessions() as session:
        blobs = list((await session.scalars(select(Bot.token_encrypted).order_by(Bot.id))).all())
        return blobs, await session.scalar(select(KeyFingerprint.fingerprint))


def errors(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("botpool:")]


async def test_a_replica_started_with_another_key_refuses_to_start_with_one_line(
    tmp_path, db_url, sessions
):
    first_key, other_key = new_key(), new_key()
    await store_tokens(sessions, TokenCipher(first_key))
    port = free_port()
    base = {"BOTPOOL_DATABASE_URL": db_url, "BOTPOOL_HTTP_HOST": "127.0.0.1"}

    # The first process records the key's fingerprint and serves.
    env = clean_env(**base, BOTPOOL_SECRET_KEY=first_key, BOTPOOL_HTTP_PORT=str(port))
    async with botpool("redirect", env=env, cwd=tmp_path) as replica:
        await wait_http_ok(f"http://127.0.0.1:{port}/healthz")
        assert await replica.stop() == 0
    _, fingerprint = await stored(sessions)
    assert fingerprint == TokenCipher(first_key).fingerprint

    # A replica on another host, with a key of its own, refuses.
    other = tmp_path / "other-host"
    other.mkdir()
    env = clean_env(**base, BOTPOOL_SECRET_KEY=other_key, BOTPOOL_HTTP_PORT=str(free_port()))
    result = await asyncio.to_thread(run_cli, "redirect", env=env, cwd=other)
    assert result.returncode == 1
    [line] = errors(result)
    assert line.startswith(f"botpool: BOTPOOL_SECRET_KEY {MISMATCH}; set BOTPOOL_SECRET_KEY")
    assert "rotate-key" in line
    assert first_key not in result.stderr and other_key not in result.stderr


def test_a_server_database_without_an_explicit_key_refuses_to_start(tmp_path):
    env = clean_env(
        BOTPOOL_DATABASE_URL="postgresql+asyncpg://botpool@127.0.0.1:1/botpool",
        BOTPOOL_HTTP_PORT=str(free_port()),
    )
    result = run_cli("redirect", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert errors(result) == [
        "botpool: BOTPOOL_SECRET_KEY is required with a server database: give every botpool "
        "process the same key (make one with: botpool keygen)"
    ]
    assert not list(tmp_path.glob("*.key"))  # no key of its own made in the working directory


async def test_an_install_from_before_fingerprints_is_checked_token_by_token(
    tmp_path, db_url, sessions
):
    """No fingerprint yet: the key every token decrypts with is recorded; another refused."""
    key = new_key()
    await store_tokens(sessions, TokenCipher(key))
    assert (await stored(sessions))[1] is None
    apikey = ("apikey", "create", "--owner", str(OWNER))

    wrong = clean_env(BOTPOOL_DATABASE_URL=db_url, BOTPOOL_SECRET_KEY=new_key())
    refused = await asyncio.to_thread(run_cli, *apikey, env=wrong, cwd=tmp_path)
    assert refused.returncode == 1 and MISMATCH in errors(refused)[0], refused.stderr
    assert (await stored(sessions))[1] is None

    right = clean_env(BOTPOOL_DATABASE_URL=db_url, BOTPOOL_SECRET_KEY=key)
    accepted = await asyncio.to_thread(run_cli, *apikey, env=right, cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    assert (await stored(sessions))[1] == TokenCipher(key).fingerprint


async def test_rotate_key_re_encrypts_every_token_and_moves_the_fingerprint(
    tmp_path, db_url, sessions
):
    old_key, new = new_key(), new_key()
    await store_tokens(sessions, TokenCipher(old_key))
    await keys.ensure_matches(sessions, TokenCipher(old_key))
    before, _ = await stored(sessions)

    env = clean_env(
        BOTPOOL_DATABASE_URL=db_url, BOTPOOL_SECRET_KEY=old_key, BOTPOOL_NEW_SECRET_KEY=new
    )
    result = await asyncio.to_thread(run_cli, "rotate-key", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "2 bot tokens re-encrypted" in result.stderr
    assert result.stdout == ""  # the operator chose the key: it is not printed

    after, fingerprint = await stored(sessions)
    assert fingerprint == TokenCipher(new).fingerprint
    assert set(after).isdisjoint(before)
    assert [TokenCipher(new).decrypt(blob) for blob in after] == list(TOKENS.values())

    apikey = ("apikey", "create", "--owner", str(OWNER))
    with_old = clean_env(BOTPOOL_DATABASE_URL=db_url, BOTPOOL_SECRET_KEY=old_key)
    refused = await asyncio.to_thread(run_cli, *apikey, env=with_old, cwd=tmp_path)
    assert refused.returncode == 1 and MISMATCH in errors(refused)[0]
    with_new = clean_env(BOTPOOL_DATABASE_URL=db_url, BOTPOOL_SECRET_KEY=new)
    accepted = await asyncio.to_thread(run_cli, *apikey, env=with_new, cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr


async def test_rotate_key_with_a_wrong_old_key_changes_nothing(tmp_path, db_url, sessions):
    key = new_key()
    await store_tokens(sessions, TokenCipher(key))
    await keys.ensure_matches(sessions, TokenCipher(key))
    before = await stored(sessions)

    env = clean_env(BOTPOOL_DATABASE_URL=db_url, BOTPOOL_SECRET_KEY=new_key())
    result = await asyncio.to_thread(run_cli, "rotate-key", env=env, cwd=tmp_path)
    assert result.returncode == 1
    [line] = errors(result)
    assert MISMATCH in line and line.endswith("nothing was changed")
    assert result.stdout == ""
    assert await stored(sessions) == before


async def test_rotate_key_on_a_key_file_replaces_the_file_and_prints_no_key(tmp_path):
    """SQLite without BOTPOOL_SECRET_KEY: the key file beside the database is the key."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'bp.db'}"
    env = clean_env(BOTPOOL_DATABASE_URL=url)
    assert run_cli("apikey", "create", "--owner", "1", env=env, cwd=tmp_path).returncode == 0
    key_file = tmp_path / "bp.db.key"
    old_key = key_file.read_text().strip()

    result = await asyncio.to_thread(run_cli, "rotate-key", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    new = key_file.read_text().strip()
    assert new != old_key and key_file.stat().st_mode & 0o777 == 0o600
    assert not list(tmp_path.glob("*.new"))
    again = run_cli("apikey", "create", "--owner", "1", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_keygen_prints_a_usable_key(tmp_path):
    result = run_cli("keygen", env=clean_env(), cwd=tmp_path)
    assert result.returncode == 0
    TokenCipher(result.stdout.strip())
