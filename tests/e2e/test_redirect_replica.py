"""`botpool redirect`: an extra replica over the same database, as a separate process."""

from __future__ import annotations

import asyncio
import json
import os

import aiohttp
from sqlalchemy import func, select

from redirect_server.api import create_api_key
from storage.db import create_engine, create_sessions, transaction
from storage.migrate import upgrade
from storage.models import RedirectCount
from storage.repos import bots, members, operators, pools
from tests.e2e.process import botpool, clean_env, free_port, wait_http_ok

OWNER = 77


def database_env(settings, **values: str) -> dict[str, str]:
    """The environment of a botpool process over the test's database (SQLite file or a
    PostgreSQL database of its own), with its key when the database needs one given."""
    if settings.secret_key:
        values["BOTPOOL_SECRET_KEY"] = settings.secret_key
    return clean_env(BOTPOOL_DATABASE_URL=settings.database_url, **values)


async def seed(url: str, cipher) -> tuple[object, dict[str, int]]:
    engine = create_engine(url)
    await upgrade(engine)
    sessions = create_sessions(engine)
    ids = {}
    async with transaction(sessions) as session:
        await operators.get_or_create(session, OWNER)
        pool = await pools.create(session, OWNER, name="Réplica", slug="replica")
        for n, username in enumerate(("rep_a_bot", "rep_b_bot"), 1):
            bot = await bots.register(
                session,
                cipher,
                OWNER,
                telegram_id=5550000 + n,
                username=username,
                token=f"{5550000 + n}:{'A' * 35}",
            )
            await members.add(session, OWNER, pool.id, bot.id, max_per_pool=10)
            ids[username] = bot.id
        ids["pool"] = pool.id
    return engine, ids


async def test_a_redirect_replica_serves_follows_the_database_and_flushes_on_sigterm(
    tmp_path, settings, cipher
):
    engine, ids = await seed(settings.database_url, cipher)
    port = free_port()
    env = database_env(settings, BOTPOOL_HTTP_HOST="127.0.0.1", BOTPOOL_HTTP_PORT=str(port))
    served = 0
    try:
        async with (
            botpool("redirect", env=env, cwd=tmp_path) as replica,
            aiohttp.ClientSession() as http,
        ):
            await wait_http_ok(f"http://127.0.0.1:{port}/healthz")
            link = f"http://127.0.0.1:{port}/go/replica"

            async def round_() -> set[str]:
                nonlocal served
                seen = set()
                for _ in range(4):
                    async with http.get(link, allow_redirects=False) as response:
                        assert response.status == 302, replica.text()
                        served += 1
                        seen.add(response.headers["Location"].split("/")[3].split("?")[0])
                return seen

            assert await round_() == {"rep_a_bot", "rep_b_bot"}
            # Another process (the control bot, say) disables a member: the replica follows.
            async with transaction(create_sessions(engine)) as session:
                await members.update(
                    session, OWNER, ids["pool"], ids["rep_a_bot"], is_enabled=False
                )
            async with asyncio.timeout(10):  # SPEC §11: within 1 s (PostgreSQL) or 2 s (SQLite)
                while True:
                    if await round_() == {"rep_b_bot"}:
                        break
                    await asyncio.sleep(0.5)
            assert await replica.stop(timeout_s=5) == 0, replica.text()
        async with create_sessions(engine)() as session:
            assert await session.scalar(select(func.sum(RedirectCount.count))) == served
    finally:
        await engine.dispose()


# Loaded before botpool's own code by every Python started with this directory on
# PYTHONPATH: at exit it writes the names of every module the process imported.
MODULES_HOOK = """
import atexit, json, os, sys

def _dump(path=os.environ["BOTPOOL_TEST_MODULES_TO"]):
    with open(path, "w") as out:
        json.dump(sorted(sys.modules), out)

atexit.register(_dump)
"""


CONTROL_SIDE = ("apscheduler", "bot_manager.runner", "bot_manager.monitor", "bot_manager.notifier")


def loaded(modules: list[str], package: str) -> list[str]:
    return [m for m in modules if m == package or m.startswith(package + ".")]


async def test_a_redirect_replica_loads_no_aiogram_yet_serves_and_adds_bots(
    tmp_path, sandbox, settings, cipher
):
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(MODULES_HOOK)
    report = tmp_path / "modules.json"
    engine, _ids = await seed(settings.database_url, cipher)
    try:
        key = await create_api_key(create_sessions(engine), OWNER, "replica")
    finally:
        await engine.dispose()
    good = await sandbox.client.create_bot(username="added_on_replica_bot")
    gone = await sandbox.client.create_bot(username="revoked_bot")
    await sandbox.client.ban(gone)
    port = free_port()
    env = database_env(
        settings,
        BOTPOOL_HTTP_HOST="127.0.0.1",
        BOTPOOL_HTTP_PORT=str(port),
        BOTPOOL_TELEGRAM_API_URL=sandbox.url,
        BOTPOOL_TEST_MODULES_TO=str(report),
        PYTHONPATH=os.pathsep.join(filter(None, [str(hook), os.environ.get("PYTHONPATH")])),
    )
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {key}"}
    async with (
        botpool("redirect", env=env, cwd=tmp_path) as replica,
        aiohttp.ClientSession() as http,
    ):
        await wait_http_ok(f"{base}/healthz")
        async with http.get(f"{base}/healthz") as response:
            assert await response.json() == {"status": "ok"}
        async with http.get(f"{base}/go/replica", allow_redirects=False) as response:
            assert response.status == 302, replica.text()
        async with http.post(f"{base}/api/bots", json={"token": good.token}, headers=auth) as r:
            assert (r.status, (await r.json())["username"]) == (201, "added_on_replica_bot")
        async with http.post(f"{base}/api/bots", json={"token": gone.token}, headers=auth) as r:
            assert (r.status, (await r.json())["error"]["code"]) == (400, "token_rejected")
        assert await replica.stop(timeout_s=5) == 0, replica.text()
    modules = json.loads(report.read_text())
    assert "redirect_server.app" in modules  # the hook saw the replica itself
    assert loaded(modules, "aiogram") == []
    for package in CONTROL_SIDE:
        assert loaded(modules, package) == [], package
    # The schema was up to date, so Alembic was not even loaded.
    assert loaded(modules, "alembic") == []
