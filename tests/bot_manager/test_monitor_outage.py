"""Fail safe (SPEC §11): a token this server cannot decrypt never fails open, and an
outage of the path to Telegram keeps every state instead of taking the fleet down."""

from __future__ import annotations

import asyncio
import logging
import socket

import aiohttp
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import update

from bot_manager.monitor import HealthMonitor
from bot_manager.probe import Prober
from core.domain import BotStatus
from core.health import UNDECRYPTABLE
from core.outage import Verdict
from redirect_server.app import create_app, serve
from redirect_server.keys import ON_CHANGE
from storage.crypto import TokenCipher
from storage.db import transaction
from storage.models import Bot as BotRow

OWNER, OTHER, SILENT = 7301, 7302, 7303
UNREACHABLE_EN = "Telegram unreachable from this server since"
UNREACHABLE_PT = "O Telegram está inacessível a partir deste servidor desde"
REFUSED_EN = "Telegram refused the tokens of"
BACK_EN = "Telegram is answering this server again"
BACK_PT = "O Telegram voltou a responder a este servidor"


def count(texts: list[str], *needles: str) -> int:
    return sum(1 for text in texts if all(needle in text for needle in needles))


async def store_token(world, bot, blob: bytes) -> None:
    async with transaction(world.sessions) as session:
        await session.execute(
            update(BotRow).where(BotRow.id == world.db_id(bot)).values(token_encrypted=blob)
        )


@pytest.mark.parametrize("damage", ["garbage", "another-key"])
async def test_a_token_made_undecryptable_leaves_rotation_within_one_pass_and_alerts_once(
    monitor_world, caplog, damage
):
    world = monitor_world
    await world.operator(OWNER)
    fleet = [await world.bot(OWNER) for _ in range(3)]
    pool_id = await world.pool(OWNER, "leads", fleet)
    locked = fleet[0]
    await world.passes(1)
    if damage == "garbage":
        blob = b"not a fernet token"
    else:
        blob = TokenCipher(Fernet.generate_key()).encrypt(locked.token)
    await store_token(world, locked, blob)
    reloads = len(world.reloads)

    await world.monitor.run_pass()
    assert world.db_id(locked) not in await world.picks(pool_id)
    assert len(world.reloads) == reloads + 1
    await world.passes(3)

    row = await world.row(locked)
    assert (row.status, row.last_error) == (BotStatus.OFFLINE, UNDECRYPTABLE)
    assert await world.picks(pool_id) == {world.db_id(bot) for bot in fleet[1:]}
    assert await world.client.request_count(locked, "getMe") == 1  # the pass before
    texts = await world.alerts(OWNER)
    assert count(texts, f"@{locked.username}", "cannot be decrypted", "(2/3 online)") == 1
    assert len(texts) == 1
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1 and str(world.db_id(locked)) in logged[0].getMessage()

    await store_token(world, locked, world.cipher.encrypt(locked.token))
    await world.monitor.run_pass()
    assert await world.status(locked) is BotStatus.ONLINE
    assert world.db_id(locked) in await world.picks(pool_id)
    assert count(await world.alerts(OWNER), f"@{locked.username} online", "back to normal") == 1


async def test_recheck_of_a_banned_bot_whose_token_cannot_be_decrypted_keeps_it_out(
    monitor_world,
):
    world = monitor_world
    await world.operator(OWNER)
    bot = await world.bot(OWNER)
    pool_id = await world.pool(OWNER, "leads", [bot, await world.bot(OWNER)])
    await world.client.ban(bot)
    await world.passes(world.settings.ban_after_failures)
    await store_token(world, bot, b"damaged")

    assert await world.monitor.recheck(OWNER, world.db_id(bot)) is BotStatus.OFFLINE
    assert await world.monitor.recheck(OWNER, world.db_id(bot)) is BotStatus.OFFLINE
    assert world.db_id(bot) not in await world.picks(pool_id)
    assert count(await world.alerts(OWNER), "cannot be decrypted") == 1


async def two_operators(world) -> tuple[list, dict[str, int]]:
    """An English and a Portuguese operator with two pools of three bots each."""
    await world.operator(OWNER)
    await world.operator(OTHER, "pt-BR")
    await world.operator(SILENT, alerts=False)
    fleet = [await world.bot(owner) for owner in (OWNER, OWNER, OWNER, OTHER, OTHER, SILENT)]
    pools = {
        "red1": await world.pool(OWNER, "red1", fleet[:3]),
        "inss": await world.pool(OTHER, "inss", fleet[3:5]),
        "quiet": await world.pool(SILENT, "quiet", fleet[5:]),
    }
    return fleet, pools


async def test_5xx_and_timeouts_for_every_bot_keep_every_pool_serving_and_tell_each_operator_twice(
    monitor_world,
):
    """The sandbox failing every bot, half with 502s and half hanging, for six passes
    (well past the breaker and the ban count); /go over HTTP with the real redirect app."""
    world = monitor_world
    fleet, pools = await two_operators(world)
    app = create_app(world.settings, world.sessions, world.cipher, reload_interval_s=3600)
    monitor = HealthMonitor(
        world.settings, world.sessions, world.cipher, world.prober, world.notifier, app[ON_CHANGE]
    )
    runner = await serve(app, "127.0.0.1", 0)
    host, port = runner.addresses[0][:2]
    try:
        async with aiohttp.ClientSession() as http:

            async def go(slug: str) -> int:
                url = f"http://{host}:{port}/go/{slug}"
                async with http.get(url, allow_redirects=False) as response:
                    return response.status

            for index, bot in enumerate(fleet):
                if index % 2:
                    await world.client.hang(bot, methods=["getMe"])
                else:
                    await world.client.fail(bot, 502)
            reports = []
            for _ in range(6):
                reports.append(await monitor.run_pass())
                assert [await world.status(bot) for bot in fleet] == [BotStatus.ONLINE] * 6
                assert {slug: await go(slug) for slug in pools} == dict.fromkeys(pools, 302)
            assert {r.verdict for r in reports} == {Verdict.UNREACHABLE}
            assert all(r.probed == 6 for r in reports)
            assert [(await world.row(bot)).consecutive_failures for bot in fleet] == [0] * 6

            for bot in fleet[1:]:
                await world.client.clear_faults(bot)
            back = await monitor.run_pass()
            assert back.verdict is Verdict.NORMAL
            assert await world.status(fleet[0]) is BotStatus.DEGRADED  # normal again
            assert await go("red1") == 302
    finally:
        await runner.cleanup()

    english, portuguese = await world.alerts(OWNER), await world.alerts(OTHER)
    assert count(english, UNREACHABLE_EN, "6 of 6 bots checked") == 1
    assert count(english, BACK_EN) == 1 and len(english) == 2
    assert count(portuguese, UNREACHABLE_PT) == 1
    assert count(portuguese, BACK_PT) == 1 and len(portuguese) == 2
    assert await world.alerts(SILENT) == []
    assert all(r.alerts == 0 for r in reports[1:])


async def test_401_for_every_bot_bans_none_and_is_reported_as_a_proxy_or_network_fault(
    monitor_world,
):
    world = monitor_world
    fleet, pools = await two_operators(world)
    for bot in fleet:
        await world.client.ban(bot)

    reports = [await world.monitor.run_pass() for _ in range(world.settings.ban_after_failures + 2)]

    assert {r.verdict for r in reports} == {Verdict.AUTH}
    assert [await world.status(bot) for bot in fleet] == [BotStatus.ONLINE] * 6
    for pool_id in pools.values():
        assert None not in await world.picks(pool_id)
    for bot in fleet:
        await world.client.restore(bot)
    assert (await world.monitor.run_pass()).verdict is Verdict.NORMAL
    english = await world.alerts(OWNER)
    assert count(english, REFUSED_EN, "proxy or network fault", "6 of 6") == 1
    assert count(english, BACK_EN) == 1 and len(english) == 2
    assert count(await world.alerts(OTHER), "proxy ou de rede") == 1
    assert count(await world.alerts(OTHER), BACK_PT) == 1


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_two_bots_whose_probes_cannot_connect_keep_their_states(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    fleet = [await world.bot(OWNER), await world.bot(OWNER)]
    pool_id = await world.pool(OWNER, "leads", fleet)
    prober = Prober(f"http://127.0.0.1:{closed_port()}", 1.0)
    monitor = HealthMonitor(
        world.settings, world.sessions, world.cipher, prober, world.notifier, None
    )
    try:
        reports = [await monitor.run_pass() for _ in range(4)]
    finally:
        await prober.close()

    assert {r.verdict for r in reports} == {Verdict.UNREACHABLE}
    assert [await world.status(bot) for bot in fleet] == [BotStatus.ONLINE] * 2
    assert await world.picks(pool_id) == {world.db_id(bot) for bot in fleet}
    (text,) = await world.alerts(OWNER)
    assert UNREACHABLE_EN in text and "2 of 2 bots checked" in text
    assert "(connection error: " in text and "Cannot connect to host" in text


async def test_one_failing_bot_among_healthy_ones_is_stored_before_the_slowest_probe_ends(
    monitor_world,
):
    """Failures wait only until the others' answers rule out an outage: here four of six
    answer at once, so the failing bot leaves rotation while one probe still hangs."""
    world = monitor_world
    await world.operator(OWNER)
    fleet = [await world.bot(OWNER) for _ in range(6)]
    pool_id = await world.pool(OWNER, "leads", fleet)
    sick, hung = fleet[0], fleet[1]
    await world.client.fail(sick, 502)
    await world.client.hang(hung, methods=["getMe"])
    patient = world.settings.model_copy(update={"health_timeout_s": 5.0})
    prober = Prober(world.sandbox.url, patient.health_timeout_s)
    monitor = HealthMonitor(patient, world.sessions, world.cipher, prober, None, None)
    try:
        running = asyncio.create_task(monitor.run_pass())
        seen = BotStatus.ONLINE
        for _ in range(400):  # bounded: until the pass ends or the failure is stored
            seen = await world.status(sick)
            if running.done() or seen is not BotStatus.ONLINE:
                break
            await asyncio.sleep(0.02)
        assert not running.done()
        assert seen is BotStatus.DEGRADED
        report = await running
    finally:
        await prober.close()

    assert report.verdict is Verdict.NORMAL
    assert await world.status(hung) is BotStatus.DEGRADED
    assert world.db_id(sick) not in await world.picks(pool_id)
