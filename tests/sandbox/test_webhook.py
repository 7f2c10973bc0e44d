"""getWebhookInfo, setWebhook and deleteWebhook through a real aiogram Bot, and the
control API that says how a bot's funnel fares (what backend health reads)."""

from __future__ import annotations

import time

import pytest
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError

from sandbox import SandboxRequestError, SandboxUser

ANN = SandboxUser(id=611, first_name="Ann")
HOOK = "https://funnel.example/hook"


async def test_a_polling_bot_reports_no_url_and_its_real_queue(make_bot, sandbox_client):
    bot = await make_bot()
    for n in range(3):
        await sandbox_client.send_message(bot.id, ANN, f"/start {n}")

    info = await bot.get_webhook_info()

    assert (info.url, info.has_custom_certificate, info.pending_update_count) == ("", False, 3)
    assert info.last_error_date is None and info.last_error_message is None
    assert await sandbox_client.request_count(bot.id, "getUpdates") == 0


async def test_set_webhook_needs_https_and_makes_get_updates_conflict(make_bot):
    bot = await make_bot()
    with pytest.raises(TelegramBadRequest, match="HTTPS URL"):
        await bot.set_webhook("http://funnel.example/hook")

    assert await bot.set_webhook(HOOK) is True
    assert (await bot.get_webhook_info()).url == HOOK
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()

    assert await bot.delete_webhook() is True
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == []


async def test_the_control_api_sets_a_failing_webhook_and_clears_it(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.set_webhook_state(bot.id, url=HOOK)
    before = int(time.time())
    await sandbox_client.webhook_fails(bot.id, "Connection refused", pending=412)

    info = await bot.get_webhook_info()

    assert info.url == HOOK
    assert info.pending_update_count == 412
    assert info.last_error_message == "Connection refused"
    assert info.last_error_date is not None
    assert before <= int(info.last_error_date.timestamp()) <= int(time.time())

    view = await sandbox_client.set_webhook_state(
        bot.id, last_error_date=None, pending_update_count=None
    )
    assert view["last_error_date"] is None and view["last_error_message"] is None
    info = await bot.get_webhook_info()
    assert (info.pending_update_count, info.last_error_date) == (0, None)


async def test_a_set_date_and_count_are_answered_as_set(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.set_webhook_state(
        bot.id, url=HOOK, last_error_date=1_700_000_000, last_error_message="Read timeout expired"
    )
    info = await bot.get_webhook_info()
    assert int(info.last_error_date.timestamp()) == 1_700_000_000
    assert info.last_error_message == "Read timeout expired"


@pytest.mark.parametrize(
    "body",
    [{"url": "http://plain.example"}, {"pending_update_count": -1}, {"last_error_date": "x"}],
    ids=["plain-http", "negative-count", "not-a-date"],
)
async def test_bad_webhook_state_is_refused(sandbox_client, body):
    created = await sandbox_client.create_bot()
    with pytest.raises(SandboxRequestError) as caught:
        await sandbox_client.set_webhook_state(created, **body)
    assert caught.value.status == 400
