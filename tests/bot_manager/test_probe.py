"""The REST API's token check (plain aiohttp getMe) against the sandbox: each Bot API
answer gives the outcome the control bot's aiogram check gives for it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot_manager.getme import TokenChecker
from bot_manager.probe import Prober
from core.domain import BotIdentity
from core.errors import TokenRejected
from sandbox import Sandbox, SandboxBot
from tests.e2e.process import free_port

TIMEOUT_S = 0.5


async def banned(sandbox: Sandbox, bot: SandboxBot) -> None:
    await sandbox.client.ban(bot)


async def failing(sandbox: Sandbox, bot: SandboxBot) -> None:
    await sandbox.client.fail(bot, 502, methods=["getMe"])


async def failing_with_a_proxy_page(sandbox: Sandbox, bot: SandboxBot) -> None:
    await sandbox.client.fail(bot, 502, html=True, methods=["getMe"])


async def rate_limited(sandbox: Sandbox, bot: SandboxBot) -> None:
    await sandbox.client.rate_limit(bot, 30, methods=["getMe"])


async def hanging(sandbox: Sandbox, bot: SandboxBot) -> None:
    await sandbox.client.hang(bot, methods=["getMe"], hold_s=TIMEOUT_S * 4)


Fault = Callable[[Sandbox, SandboxBot], Awaitable[None]] | None


@pytest.fixture
async def checkers(sandbox: Sandbox) -> AsyncIterator[tuple[TokenChecker, Prober]]:
    checker, prober = TokenChecker(sandbox.url, TIMEOUT_S), Prober(sandbox.url, TIMEOUT_S)
    try:
        yield checker, prober
    finally:
        await checker.close()
        await prober.close()


async def outcome(check: Callable[[str], Awaitable[BotIdentity]], text: str) -> Any:
    try:
        return await check(text)
    except TokenRejected as exc:
        return exc.reason


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (None, "identity"),
        (banned, "unauthorized"),
        (failing, "unreachable"),
        (failing_with_a_proxy_page, "unreachable"),
        (rate_limited, "unreachable"),
        (hanging, "unreachable"),
    ],
)
async def test_token_checker_answers_each_getme_outcome_as_the_aiogram_check_does(
    sandbox, checkers, fault: Fault, expected: str
):
    checker, prober = checkers
    bot = await sandbox.client.create_bot(username="checked_bot")
    if fault is not None:
        await fault(sandbox, bot)
    text = f"Use this token to access the HTTP API:\n{bot.token}\nKeep it secure"

    ours, aiogram_s = await outcome(checker.identify, text), await outcome(prober.identify, text)

    assert ours == aiogram_s
    if expected == "identity":
        assert ours == BotIdentity(telegram_id=bot.id, username="checked_bot", token=bot.token)
    else:
        assert ours == expected


@pytest.mark.parametrize("text", ["", "hello", "123:short", "token 12345:" + "x" * 10])
async def test_token_checker_calls_text_without_a_token_malformed_without_asking(
    sandbox, checkers, text: str
):
    checker, prober = checkers
    assert await outcome(checker.identify, text) == "malformed"
    assert await outcome(prober.identify, text) == "malformed"


async def test_token_checker_with_telegram_down_says_unreachable():
    checker = TokenChecker(f"http://127.0.0.1:{free_port()}", TIMEOUT_S)
    try:
        assert await outcome(checker.identify, "12345678:" + "A" * 35) == "unreachable"
    finally:
        await checker.close()


async def test_token_checker_never_puts_the_token_in_what_it_reports(sandbox, checkers):
    checker, _ = checkers
    bot = await sandbox.client.create_bot()
    await sandbox.client.ban(bot)
    with pytest.raises(TokenRejected) as rejected:
        await checker.identify(bot.token)
    secret = bot.token.split(":", 1)[1]
    assert secret not in str(rejected.value) and secret not in rejected.value.detail
