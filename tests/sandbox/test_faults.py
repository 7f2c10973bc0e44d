"""Bans and faults, seen through aiogram's own exceptions."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from sandbox import SandboxUser, run_sandbox

ANN = SandboxUser(id=801, first_name="Ann")


async def test_banned_bot_answers_unauthorized_to_every_method(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")

    await sandbox_client.ban(bot.id)

    with pytest.raises(TelegramUnauthorizedError):
        await bot.get_me()
    with pytest.raises(TelegramUnauthorizedError):
        await bot.send_message(ANN.id, "still there?")


async def test_restored_bot_answers_again(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.ban(bot.id)
    await sandbox_client.fail(bot.id)

    await sandbox_client.restore(bot.id)

    assert (await bot.get_me()).id == bot.id


async def test_rate_limited_bot_raises_retry_after_with_its_delay(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.rate_limit(bot.id, retry_after=7)

    with pytest.raises(TelegramRetryAfter) as caught:
        await bot.get_me()

    assert caught.value.retry_after == 7


async def test_a_429_without_retry_after_is_a_plain_api_error_in_aiogram(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.rate_limit(bot.id, retry_after=None)

    with pytest.raises(TelegramAPIError) as caught:
        await bot.get_me()

    assert type(caught.value) is TelegramAPIError, "aiogram names no retry_after to honour"


@pytest.mark.parametrize(
    ("status", "description"), [(502, "Bad Gateway"), (500, "Internal Server Error")]
)
async def test_failing_bot_raises_server_error(make_bot, sandbox_client, status, description):
    bot = await make_bot()
    await sandbox_client.fail(bot.id, status)

    with pytest.raises(TelegramServerError, match=description):
        await bot.get_me()


async def test_failing_bot_with_an_html_page_raises_decode_error(make_bot, sandbox_client):
    """Telegram's nginx answers some 5xx with HTML, which aiogram cannot decode."""
    bot = await make_bot()
    await sandbox_client.fail(bot.id, 502, html=True)

    with pytest.raises(ClientDecodeError):
        await bot.get_me()


async def test_hanging_bot_raises_network_error_when_the_client_gives_up(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.hang(bot.id)

    with pytest.raises(TelegramNetworkError):
        await bot.get_me(request_timeout=1)

    await sandbox_client.clear_faults(bot.id)
    assert (await bot.get_me()).id == bot.id


async def test_slow_bot_still_answers(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.slow(bot.id, 50)

    assert (await bot.get_me()).id == bot.id


async def test_slow_bot_does_not_hold_up_other_bots(make_bot, sandbox_client):
    slow, quick = await make_bot(), await make_bot()
    await sandbox_client.slow(slow.id, 60_000)
    stuck = asyncio.create_task(slow.get_me())
    await sandbox_client.wait_for_requests(slow.id, "getMe")

    assert (await quick.get_me()).id == quick.id

    assert not stuck.done()
    stuck.cancel()
    with pytest.raises(asyncio.CancelledError):
        await stuck


async def test_fault_limited_to_get_me_leaves_other_methods_working(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.send_message(bot.id, ANN, "hi")
    await sandbox_client.fail(bot.id, 502, methods=["getMe"])

    with pytest.raises(TelegramServerError):
        await bot.get_me()
    assert (await bot.send_message(ANN.id, "fine")).text == "fine"


async def test_fault_without_methods_applies_to_get_updates_too(make_bot, sandbox_client):
    bot = await make_bot()
    await sandbox_client.fail(bot.id, 502)

    with pytest.raises(TelegramServerError):
        await bot.get_updates()


async def test_faults_of_one_bot_leave_other_bots_alone(make_bot, sandbox_client):
    broken, healthy = await make_bot(), await make_bot()
    await sandbox_client.ban(broken.id)
    await sandbox_client.rate_limit(broken.id)

    assert (await healthy.get_me()).id == healthy.id


async def test_request_counts_include_failed_calls(make_bot, sandbox_client):
    bot = await make_bot()
    await bot.get_me()
    await sandbox_client.ban(bot.id)
    with pytest.raises(TelegramUnauthorizedError):
        await bot.get_me()

    requests = await sandbox_client.requests(bot.id)

    assert requests["counts"] == {"getMe": 2}
    assert [entry["status"] for entry in requests["log"]] == [200, 401]


async def test_server_shutdown_releases_held_requests():
    async with run_sandbox() as sandbox:
        created = await sandbox.client.create_bot()
        await sandbox.client.hang(created)
        session = aiohttp.ClientSession()
        held = asyncio.create_task(session.post(sandbox.api_url(created.token, "getMe")))
        await sandbox.client.wait_for_requests(created, "getMe")
    try:
        response = await asyncio.wait_for(held, 10)
        assert response.status == 504
        response.release()
    finally:
        await session.close()


async def test_one_fault_reaches_many_bots_at_once(sandbox, sandbox_client):
    fleet = await sandbox_client.create_bots(3)

    reached = await sandbox_client.add_fault_many(
        "error", bots=[fleet[0].id, fleet[1].id], methods=["getMe"], status=503
    )
    everyone = await sandbox_client.add_fault_many("slow", delay_ms=1, methods=["getMe"])

    assert (reached, everyone) == (2, 3)
    kinds = [sorted(f.kind for f in sandbox.state.find(bot.id).faults) for bot in fleet]
    assert kinds == [["error", "slow"], ["error", "slow"], ["slow"]]
