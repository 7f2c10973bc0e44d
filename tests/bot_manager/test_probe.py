"""The Bot API client of health checks and token checks (bot_manager.probe, plain
aiohttp) against the sandbox: each answer Telegram can give, classified as SPEC §6 says
(a probe's kind, a token check's reason, a backend check's figures)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from bot_manager.probe import Prober
from core.backend import WebhookInfo
from core.domain import BotIdentity
from core.errors import TokenRejected
from core.health import ProbeKind
from sandbox import Sandbox, SandboxBot
from tests.e2e.process import free_port

TIMEOUT_S = 0.5
HOOK = "https://funnel.example.com/hook"


async def banned(sandbox: Sandbox, bot: SandboxBot) -> None:
    await sandbox.client.ban(bot)


async def failing(sandbox: Sandbox, bot: SandboxBot) -> None:
    await sandbox.client.fail(bot, 502)


async def failing_with_a_proxy_page(sandbox: Sandbox, bot: SandboxBot) -> None:
    await sandbox.client.fail(bot, 502, html=True)


async def rate_limited(sandbox: Sandbox, bot: SandboxBot) -> None:
    await sandbox.client.rate_limit(bot, 30)


async def rate_limited_without_delay(sandbox: Sandbox, bot: SandboxBot) -> None:
    await sandbox.client.rate_limit(bot, None)


async def hanging(sandbox: Sandbox, bot: SandboxBot) -> None:
    await sandbox.client.hang(bot, hold_s=TIMEOUT_S * 4)


Fault = Callable[[Sandbox, SandboxBot], Awaitable[None]] | None


@pytest.fixture
async def prober(sandbox: Sandbox) -> AsyncIterator[Prober]:
    prober = Prober(sandbox.url, TIMEOUT_S)
    try:
        yield prober
    finally:
        await prober.close()


async def reason(prober: Prober, text: str) -> Any:
    try:
        return await prober.identify(text)
    except TokenRejected as exc:
        return exc.reason


@pytest.mark.parametrize(
    ("fault", "kind", "retry_after_s", "unreachable"),
    [
        (None, ProbeKind.OK, None, False),
        (banned, ProbeKind.AUTH, None, False),
        (failing, ProbeKind.TRANSIENT, None, False),
        (failing_with_a_proxy_page, ProbeKind.TRANSIENT, None, False),
        (rate_limited, ProbeKind.RATE_LIMITED, 30.0, False),
        (rate_limited_without_delay, ProbeKind.RATE_LIMITED, None, False),
        (hanging, ProbeKind.TRANSIENT, None, True),
    ],
)
async def test_a_probe_classifies_each_getme_answer(
    sandbox, prober, fault: Fault, kind: ProbeKind, retry_after_s, unreachable: bool
):
    bot = await sandbox.client.create_bot(username="probed_bot")
    if fault is not None:
        await fault(sandbox, bot)

    outcome = await prober.probe(bot.token)

    assert (outcome.kind, outcome.retry_after_s, outcome.unreachable) == (
        kind,
        retry_after_s,
        unreachable,
    )
    if kind is ProbeKind.OK:
        assert outcome.username == "probed_bot" and outcome.latency_ms is not None
    else:
        assert outcome.detail and bot.token.split(":")[1] not in outcome.detail
    if fault is banned:
        assert outcome.detail.startswith("401: ")


async def test_a_probe_with_telegram_down_is_unreachable_and_a_bad_token_is_not_sent():
    prober = Prober(f"http://127.0.0.1:{free_port()}", TIMEOUT_S)
    try:
        down = await prober.probe("12345678:" + "A" * 35)
        assert (down.kind, down.unreachable) == (ProbeKind.TRANSIENT, True)
        assert down.detail.startswith("connection error")
        for token in ("12345678:short", "12345678:" + "A" * 34 + "/x", "no token"):
            assert (await prober.probe(token)).kind is ProbeKind.AUTH  # no request made
    finally:
        await prober.close()


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
async def test_a_token_check_answers_each_getme_outcome(sandbox, prober, fault: Fault, expected):
    bot = await sandbox.client.create_bot(username="checked_bot")
    if fault is not None:
        await fault(sandbox, bot)
    text = f"Use this token to access the HTTP API:\n{bot.token}\nKeep it secure"

    found = await reason(prober, text)

    if expected == "identity":
        assert found == BotIdentity(telegram_id=bot.id, username="checked_bot", token=bot.token)
    else:
        assert found == expected


@pytest.mark.parametrize("text", ["", "hello", "123:short", "token 12345:" + "x" * 10])
async def test_text_without_a_token_is_malformed_without_asking(text: str):
    prober = Prober(f"http://127.0.0.1:{free_port()}", TIMEOUT_S)  # asking: "unreachable"
    try:
        assert await reason(prober, text) == "malformed"
    finally:
        await prober.close()


async def test_a_token_check_with_telegram_down_says_unreachable():
    prober = Prober(f"http://127.0.0.1:{free_port()}", TIMEOUT_S)
    try:
        assert await reason(prober, "12345678:" + "A" * 35) == "unreachable"
    finally:
        await prober.close()


async def test_a_token_check_never_puts_the_token_in_what_it_reports(sandbox, prober):
    bot = await sandbox.client.create_bot()
    await sandbox.client.ban(bot)
    with pytest.raises(TokenRejected) as rejected:
        await prober.identify(bot.token)
    secret = bot.token.split(":", 1)[1]
    assert secret not in str(rejected.value) and secret not in rejected.value.detail


async def test_a_backend_check_reads_the_webhook_and_says_nothing_when_telegram_cannot(
    sandbox, prober
):
    bot = await sandbox.client.create_bot()
    assert await prober.webhook_info(bot.token) == WebhookInfo(url="", pending_update_count=0)

    await sandbox.client.set_webhook_state(bot, url=HOOK)
    await sandbox.client.webhook_fails(bot, "Connection refused", pending=412)
    info = await prober.webhook_info(bot.token)
    assert info is not None and info.last_error_date is not None
    assert (info.url, info.pending_update_count, info.last_error_message) == (
        HOOK,
        412,
        "Connection refused",
    )

    for fault in (failing, rate_limited, hanging, banned):
        await sandbox.client.restore(bot)
        await fault(sandbox, bot)
        assert await prober.webhook_info(bot.token) is None, fault.__name__
