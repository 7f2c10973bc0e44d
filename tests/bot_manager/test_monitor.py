"""The health monitor against the sandbox: probes, the state machine, routing, alerts.

Alerts go through the outbox and one round of alert delivery (world.alerts) with no
group wait: whatever changed since the last round is told in one message."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import aiohttp
import pytest

from bot_manager.monitor import HealthMonitor
from bot_manager.probe import Prober
from core.domain import BotStatus
from core.errors import NotFound
from core.health import ProbeOutcome
from redirect_server.app import create_app, serve
from redirect_server.keys import ON_CHANGE
from storage.models import utcnow

OWNER = 7001


def count(texts: list[str], *needles: str) -> int:
    return sum(1 for text in texts if all(needle in text for needle in needles))


async def test_banned_bot_is_banned_after_ban_after_failures_passes_and_never_chosen_again(
    monitor_world,
):
    world = monitor_world
    await world.operator(OWNER)
    fleet = [await world.bot(OWNER) for _ in range(4)]
    pool_id = await world.pool(OWNER, "leads", fleet)
    banned = fleet[0]
    await world.client.ban(banned)

    statuses = []
    for _ in range(world.settings.ban_after_failures):
        await world.monitor.run_pass()
        statuses.append(await world.status(banned))
    assert statuses == [BotStatus.DEGRADED, BotStatus.OFFLINE, BotStatus.BANNED]

    getme_calls = await world.client.request_count(banned, "getMe")
    report = await world.monitor.run_pass()
    await world.passes(2)
    assert await world.client.request_count(banned, "getMe") == getme_calls
    assert world.db_id(banned) not in {r.bot_id for r in report.results}
    assert await world.status(banned) is BotStatus.BANNED

    picks = await world.picks(pool_id)
    assert world.db_id(banned) not in picks
    assert picks == {world.db_id(bot) for bot in fleet[1:]}

    (text,) = await world.alerts(OWNER)  # offline, then banned: one incident, one message
    assert text.startswith("⛔ Bot banned")
    assert f"@{banned.username} banned" in text
    assert "Pool 'LEADS': health 75% (3/4 online)" in text
    assert "CRITICAL" not in text
    assert "offline" not in text


@pytest.mark.parametrize(
    ("size", "lost", "criticals"),
    [(4, 1, 0), (2, 1, 0), (3, 1, 0), (3, 2, 1)],
    ids=["4-lose-1=75%", "2-lose-1=50%-is-not-below", "3-lose-1=67%", "3-lose-2=33%"],
)
async def test_pool_critical_alert_only_below_half_and_only_once(
    monitor_world, size, lost, criticals
):
    world = monitor_world
    await world.operator(OWNER)
    fleet = [await world.bot(OWNER) for _ in range(size)]
    await world.pool(OWNER, "leads", fleet)
    await world.bystanders(lost)
    for bot in fleet[:lost]:
        await world.client.ban(bot)

    await world.passes(world.settings.ban_after_failures + 2)

    (text,) = await world.alerts(OWNER)
    assert text.count("CRITICAL") == criticals
    online = size - lost
    assert f"health {round(100 * online / size)}% ({online}/{size} online)" in text
    assert text.count("⛔ @") == lost
    assert await world.alerts(OWNER) == [text]  # nothing more while the states hold


@pytest.mark.parametrize("fault", ["error", "timeout"])
async def test_failing_bot_goes_degraded_then_offline_is_never_banned_and_recovers_once(
    monitor_world, fault
):
    world = monitor_world
    await world.operator(OWNER)
    fleet = [await world.bot(OWNER) for _ in range(3)]
    pool_id = await world.pool(OWNER, "leads", fleet)
    sick = fleet[0]
    if fault == "error":
        await world.client.fail(sick, 502)
    else:
        await world.client.hang(sick, methods=["getMe"])

    statuses = []
    for _ in range(world.settings.ban_after_failures + 1):
        await world.monitor.run_pass()
        statuses.append(await world.status(sick))
    assert statuses[:2] == [BotStatus.DEGRADED, BotStatus.OFFLINE]
    (offline,) = await world.alerts(OWNER)
    assert set(statuses[2:]) == {BotStatus.OFFLINE}
    row = await world.row(sick)
    assert row.breaker_until is not None and row.auth_failures == 0
    assert world.db_id(sick) not in await world.picks(pool_id)

    await world.client.clear_faults(sick)
    await world.passes(3)
    assert await world.status(sick) is BotStatus.ONLINE
    assert world.db_id(sick) in await world.picks(pool_id)

    texts = await world.alerts(OWNER)
    assert texts[0] == offline and offline.startswith("⚠️ Bot offline")
    assert f"@{sick.username} offline" in offline and "(2/3 online)" in offline
    assert count(texts, "Resolved", f"@{sick.username} online", "(3/3 online)") == 1
    assert count(texts, "banned") == 0
    assert len(texts) == 2


async def test_rate_limited_bot_is_not_probed_before_retry_after(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    limited, healthy = await world.bot(OWNER), await world.bot(OWNER)
    await world.pool(OWNER, "leads", [limited, healthy])
    await world.client.rate_limit(limited, retry_after=30, methods=["getMe"])

    first = await world.monitor.run_pass()
    assert await world.status(limited) is BotStatus.DEGRADED
    row = await world.row(limited)
    assert (row.next_probe_at - row.last_check).total_seconds() == pytest.approx(30)

    later = [await world.monitor.run_pass() for _ in range(3)]
    assert await world.client.request_count(limited, "getMe") == 1
    assert await world.client.request_count(healthy, "getMe") == 4
    assert first.probed == 2 and all(r.probed == 1 and r.skipped == 1 for r in later)


@pytest.mark.parametrize("retry_after", [1, None], ids=["with-retry-after", "without"])
async def test_a_429_makes_a_bot_degraded_and_never_offline_with_or_without_retry_after(
    monitor_world, retry_after
):
    world = monitor_world
    await world.operator(OWNER)
    limited = await world.bot(OWNER)
    await world.pool(OWNER, "leads", [limited])
    await world.client.rate_limit(limited, retry_after=retry_after, methods=["getMe"])

    statuses = []
    for _ in range(world.settings.ban_after_failures + 1):
        await world.monitor.run_pass()
        statuses.append(await world.status(limited))
        row = await world.row(limited)
        await asyncio.sleep(max(0.0, (row.next_probe_at - row.last_check).total_seconds()) + 0.05)

    assert set(statuses) == {BotStatus.DEGRADED}
    assert await world.client.request_count(limited, "getMe") == len(statuses)
    row = await world.row(limited)
    assert row.consecutive_failures == 0 and row.breaker_until is None
    assert row.last_error == "429 Too Many Requests"


async def test_rate_limited_bot_is_probed_again_once_retry_after_has_passed(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    limited = await world.bot(OWNER)
    await world.pool(OWNER, "leads", [limited])
    await world.client.rate_limit(limited, retry_after=1, methods=["getMe"])
    await world.monitor.run_pass()
    await world.client.clear_faults(limited)

    await world.monitor.run_pass()
    assert await world.client.request_count(limited, "getMe") == 1
    row = await world.row(limited)
    await asyncio.sleep(max(0.0, (row.next_probe_at - row.last_check).total_seconds()) + 0.1)
    await world.monitor.run_pass()
    assert await world.client.request_count(limited, "getMe") == 2
    assert await world.status(limited) is BotStatus.ONLINE


async def test_pool_that_loses_its_last_bot_sends_no_bot_left_once_and_routes_nowhere(
    monitor_world,
):
    world = monitor_world
    await world.operator(OWNER)
    bot = await world.bot(OWNER)
    pool_id = await world.pool(OWNER, "red1", [bot])
    await world.client.fail(bot, 503)

    await world.passes(6)

    (empty,) = await world.alerts(OWNER)
    assert empty.startswith("🆘 A pool has no bot left")
    assert f"{world.settings.public_url}/go/red1 is failing" in empty
    assert "Pool 'RED1': health 0% (0/1 online)" in empty
    assert await world.picks(pool_id) == {None}

    await world.client.clear_faults(bot)
    await world.passes(2)
    texts = await world.alerts(OWNER)
    assert count(texts, "Resolved", "Pool 'RED1': health 100% (1/1 online)") == 1
    assert count(texts, "no bot left") == 1
    assert len(texts) == 2


async def test_bot_in_several_pools_is_probed_once_and_alerted_once_with_each_pools_health(
    monitor_world,
):
    world = monitor_world
    await world.operator(OWNER)
    shared, other = await world.bot(OWNER), await world.bot(OWNER)
    await world.pool(OWNER, "alpha", [shared, other])
    await world.pool(OWNER, "beta", [shared])
    await world.pool(OWNER, "gamma", [shared, other])
    await world.client.fail(shared, 500)

    report = await world.monitor.run_pass()
    assert await world.client.request_count(shared, "getMe") == 1
    assert report.probed == 2
    await world.monitor.run_pass()

    (text,) = await world.alerts(OWNER)  # BETA is empty: that is the headline
    assert text.startswith("🆘")
    assert "Pool 'ALPHA': health 50% (1/2 online)" in text
    assert "Pool 'BETA': health 0% (0/1 online)" in text
    assert "Pool 'GAMMA': health 50% (1/2 online)" in text
    assert text.count(f"@{shared.username} offline") == 3  # under each of its pools


async def test_alerts_are_in_the_owners_language_and_only_when_enabled(monitor_world):
    world = monitor_world
    portuguese = await world.operator(7101, "pt-BR")
    silent = await world.operator(7102, "en", alerts=False)
    pt_bot, silent_bot = await world.bot(portuguese), await world.bot(silent)
    await world.pool(portuguese, "inss", [pt_bot, await world.bot(portuguese)])
    await world.pool(silent, "quiet", [silent_bot])
    await world.bystanders(1)
    await world.client.fail(pt_bot)
    await world.client.fail(silent_bot)

    await world.passes(2)

    assert await world.alerts(silent) == []
    assert await world.status(silent_bot) is BotStatus.OFFLINE
    (text,) = await world.alerts(portuguese)
    assert text.startswith("⚠️ Bot offline: o tráfego foi para os outros.")
    assert "Pool 'INSS': saúde 50% (1/2 online)" in text
    assert f"⚠️ @{pt_bot.username} offline" in text


async def test_routing_table_reloads_after_a_change_and_not_after_a_quiet_pass(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    bot = await world.bot(OWNER)
    await world.pool(OWNER, "leads", [bot])

    await world.passes(2)
    assert world.reloads == []

    await world.client.ban(bot)
    await world.monitor.run_pass()
    assert len(world.reloads) == 1


async def test_pass_survives_a_bot_answering_garbage_and_probes_the_others(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    broken, fine = await world.bot(OWNER), await world.bot(OWNER)
    await world.pool(OWNER, "leads", [broken, fine])
    await world.client.fail(broken, 502, html=True)

    report = await world.monitor.run_pass()

    assert report.probed == 2
    assert await world.status(broken) is BotStatus.DEGRADED
    assert await world.status(fine) is BotStatus.ONLINE
    assert (await world.row(broken)).auth_failures == 0


class ExplodingProber(Prober):
    """A Prober with a bug for one token: the monitor must not trust it never to raise."""

    def __init__(self, *args, explode_for: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.explode_for = explode_for

    async def probe(self, token: str) -> ProbeOutcome:
        if token == self.explode_for:
            raise RuntimeError(f"unexpected failure calling /bot{token}/getMe")
        return await super().probe(token)


async def test_a_probe_that_raises_is_a_transient_failure_logged_without_the_token(
    monitor_world, caplog
):
    world = monitor_world
    await world.operator(OWNER)
    cursed, fine = await world.bot(OWNER), await world.bot(OWNER)
    await world.pool(OWNER, "leads", [cursed, fine])
    prober = ExplodingProber(world.sandbox.url, 1.0, explode_for=cursed.token)
    monitor = HealthMonitor(world.settings, world.sessions, world.cipher, prober, None, None)
    try:
        reports = [await monitor.run_pass() for _ in range(world.settings.ban_after_failures + 1)]
    finally:
        await prober.close()

    assert all(r.probed == 2 for r in reports)
    assert await world.status(cursed) is BotStatus.OFFLINE
    assert await world.status(fine) is BotStatus.ONLINE
    assert (await world.row(cursed)).last_error == "probe error: RuntimeError"
    assert "RuntimeError" in caplog.text
    assert cursed.token.split(":")[1] not in caplog.text


async def test_concurrent_probes_never_exceed_the_configured_concurrency(monitor_world):
    world = monitor_world
    narrow = world.settings.model_copy(update={"health_concurrency": 3})
    monitor = HealthMonitor(narrow, world.sessions, world.cipher, world.prober, None, None)
    await world.operator(OWNER)
    fleet = [await world.bot(OWNER) for _ in range(9)]
    await world.pool(OWNER, "leads", fleet)
    for bot in fleet:
        await world.client.slow(bot, 150, methods=["getMe"])
    bot_states = [world.sandbox.state.find(bot.id) for bot in fleet]

    running = asyncio.create_task(monitor.run_pass())
    in_flight = []
    while not running.done():
        in_flight.append(
            sum(1 for s in bot_states for entry in s.request_log if entry["status"] is None)
        )
        await asyncio.sleep(0.01)
    report = await running

    assert report.probed == 9
    assert max(in_flight) == 3


async def test_recheck_probes_a_banned_bot_at_once_and_brings_it_back(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    bot = await world.bot(OWNER)
    pool_id = await world.pool(OWNER, "leads", [bot, await world.bot(OWNER)])
    await world.client.ban(bot)
    await world.passes(3)
    assert await world.status(bot) is BotStatus.BANNED

    assert await world.monitor.recheck(OWNER, world.db_id(bot)) is BotStatus.BANNED
    assert await world.client.request_count(bot, "getMe") == 4

    await world.client.restore(bot)
    reloads = len(world.reloads)
    assert await world.monitor.recheck(OWNER, world.db_id(bot)) is BotStatus.ONLINE
    assert len(world.reloads) == reloads + 1
    assert world.db_id(bot) in await world.picks(pool_id)
    (text,) = await world.alerts(OWNER)  # banned and back before the round: over
    assert text.startswith("✅ Resolved") and f"@{bot.username} online" in text


async def test_recheck_of_another_operators_bot_is_not_found_and_probes_nothing(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    stranger = await world.operator(7999)
    bot = await world.bot(OWNER)

    with pytest.raises(NotFound):
        await world.monitor.recheck(stranger, world.db_id(bot))
    with pytest.raises(NotFound):
        await world.monitor.recheck(OWNER, 424242)
    assert await world.client.request_count(bot, "getMe") == 0


@pytest.mark.parametrize("fault", ["rate_limit", "error"])
async def test_pass_completes_while_the_control_bot_cannot_deliver_and_alert_arrives_later(
    monitor_world, fault
):
    world = monitor_world
    await world.operator(OWNER)
    bot = await world.bot(OWNER)
    await world.pool(OWNER, "leads", [bot, await world.bot(OWNER)])
    if fault == "rate_limit":
        await world.client.rate_limit(world.control, retry_after=1, methods=["sendMessage"])
    else:
        await world.client.fail(world.control, 502, methods=["sendMessage"])
    await world.client.ban(bot)

    reports = [await world.monitor.run_pass() for _ in range(3)]
    assert await world.status(bot) is BotStatus.BANNED
    assert [r.alerts for r in reports] == [0, 1, 1]  # written to the outbox
    assert await world.alerts(OWNER) == []  # Telegram refused: kept for a later attempt
    assert await world.client.request_count(world.control, "sendMessage") == 1
    await world.client.clear_faults(world.control)

    later = utcnow() + timedelta(minutes=10)
    (text,) = await world.alerts(OWNER, later)
    assert f"@{bot.username} banned" in text
    assert await world.alerts(OWNER, later) == [text]  # delivered once


async def test_go_link_moves_off_a_banned_bot_at_once_and_answers_503_with_no_bot_left(
    monitor_world,
):
    """Over HTTP with the real redirect app; its periodic reload is an hour away, so only
    the monitor's on_change can have moved the traffic."""
    world = monitor_world
    await world.operator(OWNER)
    first, second = await world.bot(OWNER), await world.bot(OWNER)
    await world.pool(OWNER, "red1", [first, second])
    app = create_app(world.settings, world.sessions, world.cipher, reload_interval_s=3600)
    monitor = HealthMonitor(
        world.settings, world.sessions, world.cipher, world.prober, None, app[ON_CHANGE]
    )
    runner = await serve(app, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        async with aiohttp.ClientSession() as http:

            async def go() -> tuple[int, str]:
                async with http.get(
                    f"http://{host}:{port}/go/red1", allow_redirects=False
                ) as response:
                    return response.status, response.headers.get("Location", "")

            assert {(await go())[1].split("?")[0] for _ in range(4)} == {
                f"https://t.me/{first.username}",
                f"https://t.me/{second.username}",
            }
            await world.client.ban(first)
            for _ in range(world.settings.ban_after_failures):
                await monitor.run_pass()
            assert {await go() for _ in range(4)} == {
                (302, f"https://t.me/{second.username}?start=acesso")
            }

            await world.client.fail(second, 502)
            await monitor.run_pass()
            assert (await go())[0] == 302  # degraded still serves when nothing else can
            await monitor.run_pass()
            assert (await go())[0] == 503
    finally:
        await runner.cleanup()
