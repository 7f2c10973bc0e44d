"""`botpool run` stopped (SIGTERM) while the control bot handles an update: the update
finishes, database write included, before the database is closed and the process ends."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import create_engine, create_sessions
from storage.models import Bot
from tests.e2e.process import botpool, clean_env, free_port, wait_http_ok

OPERATOR = 1001
SLOW_TELEGRAM_MS = 3000
WAIT_S = 20


async def test_an_update_being_handled_at_sigterm_finishes_its_write_before_the_process_ends(
    tmp_path, sandbox
):
    client = sandbox.client
    control = await client.create_bot(username="shut_control_bot")
    added = await client.create_bot(username="late_bot")
    port = free_port()
    url = f"sqlite+aiosqlite:///{tmp_path / 'botpool.db'}"
    env = clean_env(
        BOTPOOL_CONTROL_BOT_TOKEN=control.token,
        BOTPOOL_TELEGRAM_API_URL=sandbox.url,
        BOTPOOL_DATABASE_URL=url,
        BOTPOOL_ADMIN_IDS=str(OPERATOR),
        BOTPOOL_HTTP_HOST="127.0.0.1",
        BOTPOOL_HTTP_PORT=str(port),
    )
    async with botpool("run", env=env, cwd=tmp_path) as process:
        await wait_http_ok(f"http://127.0.0.1:{port}/healthz")
        await client.wait_for_requests(control, "getUpdates", timeout_s=WAIT_S)
        # The token message is deleted first (slowly), then the bot is checked and stored.
        await client.slow(control, SLOW_TELEGRAM_MS, methods=["deleteMessage"])
        sent = await client.send_message(control, OPERATOR, added.token)
        await client.wait_for_requests(control, "deleteMessage", timeout_s=WAIT_S)
        assert await process.stop(timeout_s=30) == 0, process.text()
    chat = await client.messages(control, OPERATOR, include_user=True)

    engine = create_engine(url)
    try:
        async with create_sessions(engine)() as session:
            usernames = (await session.scalars(select(Bot.username))).all()
    finally:
        await engine.dispose()
    assert usernames == ["late_bot"], process.text()
    token_message = next(m for m in chat if m["message_id"] == sent["message_id"])
    assert token_message["deleted"], process.text()
    assert any("@late_bot" in (m.get("text") or "") for m in chat[1:]), chat
    assert "Unclosed" not in process.text()
