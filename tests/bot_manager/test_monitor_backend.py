"""Backend health in the monitor, against the sandbox: getWebhookInfo after getMe, a
failing backend routed as degraded (the routing view of repos.changes), recorded in the
health history, and alerted once when it fails and once when it recovers. Also the
recovery timestamp slow start reads."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.domain import BotStatus
from storage.models import HealthRecord, utcnow
from storage.repos import changes, history

OWNER = 7301
HOOK = "https://funnel.example/hook"


@pytest.fixture
def monitor_settings(monitor_settings):
    """Every pass checks every online bot's backend; a small backlog threshold."""
    return monitor_settings.model_copy(
        update={
            "webhook_check_every": 1,
            "health_interval_s": 0.001,
            "backend_pending_threshold": 5,
        }
    )


async def routed_status(world, pool_id: int, bot) -> BotStatus:
    async with world.sessions() as session:
        (state,) = await changes.routing_states(session, [pool_id])
    return next(m.status for m in state.members if m.bot_id == world.db_id(bot))


async def backend_records(world, bot) -> list[tuple[str, str | None]]:
    async with world.sessions() as session:
        rows = await session.execute(
            select(HealthRecord.kind, HealthRecord.detail)
            .where(HealthRecord.bot_id == world.db_id(bot), HealthRecord.kind.like("backend%"))
            .order_by(HealthRecord.id)
        )
    return [tuple(row) for row in rows]


async def test_a_failing_webhook_degrades_the_bot_alerts_once_and_recovers_once(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    funnel, other = await world.bot(OWNER), await world.bot(OWNER)
    pool_id = await world.pool(OWNER, "leads", [funnel, other])
    await world.client.set_webhook_state(funnel, url=HOOK)
    await world.passes(2)
    healthy = await world.row(funnel)
    # Checked, and found answering: nothing to write (a fleet that keeps up writes nothing).
    assert (healthy.backend_error, healthy.backend_checked_at) == (None, None)
    assert await world.client.request_count(funnel, "getWebhookInfo")
    assert await world.picks(pool_id) == {world.db_id(funnel), world.db_id(other)}

    await world.client.webhook_fails(funnel, "Connection refused", pending=3)
    reloads = len(world.reloads)
    await world.passes(3)

    row = await world.row(funnel)
    assert row.backend_error == "webhook: Connection refused"
    assert (row.backend_pending, row.backend_checked_at is not None) == (3, True)
    assert row.status == BotStatus.ONLINE.value  # alive at Telegram
    assert await routed_status(world, pool_id, funnel) is BotStatus.DEGRADED
    assert len(world.reloads) > reloads
    (told,) = await world.alerts(OWNER)
    assert told.startswith("🟠 Nobody answers behind a bot")
    assert f"@{funnel.username} not delivering: its webhook fails (Connection refused)" in told

    await world.client.set_webhook_state(funnel, pending_update_count=0)  # delivered
    await world.passes(3)

    assert (await world.row(funnel)).backend_error is None
    assert await routed_status(world, pool_id, funnel) is BotStatus.ONLINE
    texts = await world.alerts(OWNER)
    assert len(texts) == 2 and texts[1].startswith("✅ Resolved")
    assert f"@{funnel.username} online" in texts[1]
    assert await backend_records(world, funnel) == [
        (history.BACKEND_FAILING, "webhook: Connection refused"),
        (history.BACKEND_OK, "webhook: Connection refused"),
    ]
    assert await world.client.request_count(funnel, "getUpdates") == 0


async def test_a_growing_backlog_of_a_polling_bot_degrades_it_until_it_drains(monitor_world):
    world = monitor_world
    await world.operator(OWNER, language="pt-BR")
    funnel, other = await world.bot(OWNER), await world.bot(OWNER)
    pool_id = await world.pool(OWNER, "leads", [funnel, other])
    for n in range(4):
        await world.client.send_message(funnel, 9000 + n, "/start")
    await world.passes(2)
    assert (await world.row(funnel)).backend_error is None

    for n in range(4, 12):  # nobody reads them: the backlog grows past the threshold
        await world.client.send_message(funnel, 9000 + n, "/start")
    await world.passes(1)
    assert (await world.row(funnel)).backend_error == "12 updates waiting"
    await world.passes(2)  # standing still is not recovering
    assert (await world.row(funnel)).backend_error == "12 updates waiting"
    assert await routed_status(world, pool_id, funnel) is BotStatus.DEGRADED
    (told,) = await world.alerts(OWNER)
    assert "🟠 Ninguém responde por trás de um bot" in told
    assert f"@{funnel.username} não responde: 12 mensagens esperando" in told

    await world.client.set_webhook_state(funnel, pending_update_count=2)  # its poller is back
    await world.passes(1)
    assert (await world.row(funnel)).backend_error is None
    assert await routed_status(world, pool_id, funnel) is BotStatus.ONLINE
    texts = await world.alerts(OWNER)
    assert len(texts) == 2 and texts[1].startswith("✅ Resolvido")
    assert await world.client.request_count(funnel, "getUpdates") == 0


async def test_webhook_info_failures_and_offline_bots_conclude_nothing(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    flaky, down = await world.bot(OWNER), await world.bot(OWNER)
    await world.pool(OWNER, "leads", [flaky, down])
    await world.bystanders(4)
    await world.client.set_webhook_state(flaky, url=HOOK)
    await world.client.fail(flaky, 502, methods=["getWebhookInfo"])
    await world.client.webhook_fails(flaky, pending=3)
    await world.client.fail(down, 502)
    await world.client.webhook_fails(down, pending=3)

    reports = [await world.monitor.run_pass() for _ in range(3)]

    assert sum(r.backend_checks for r in reports) >= 5  # the bystanders and the flaky one
    assert (await world.row(flaky)).backend_error is None
    assert (await world.row(down)).backend_error is None
    assert await world.client.request_count(down, "getWebhookInfo") == 0


async def test_checks_are_off_at_zero_and_spread_over_the_interval(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    fleet = [await world.bot(OWNER) for _ in range(40)]
    world.monitor._settings = world.settings.model_copy(update={"webhook_check_every": 0})
    await world.passes(2)
    assert sum([await world.client.request_count(b, "getWebhookInfo") for b in fleet]) == 0

    world.monitor._settings = world.settings.model_copy(update={"webhook_check_every": 10_000})
    report = await world.monitor.run_pass()
    # Each bot's first check falls at its own offset in the hour: almost none now.
    assert report.backend_checks < len(fleet) // 4


async def test_a_bot_back_from_offline_or_banned_is_stamped_recovered_at(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    sick, banned = await world.bot(OWNER), await world.bot(OWNER)
    await world.pool(OWNER, "leads", [sick, banned])
    await world.bystanders(4)
    await world.client.fail(sick, 502)
    await world.client.ban(banned)
    await world.passes(world.settings.ban_after_failures)
    assert await world.status(sick) is BotStatus.OFFLINE
    assert await world.status(banned) is BotStatus.BANNED
    assert (await world.row(sick)).recovered_at is None

    before = utcnow()
    await world.client.clear_faults(sick)
    await world.passes(2)
    row = await world.row(sick)
    assert row.status == BotStatus.ONLINE.value
    assert before <= row.recovered_at <= utcnow()
    first = row.recovered_at
    await world.passes(2)  # staying online moves nothing
    assert (await world.row(sick)).recovered_at == first

    await world.client.restore(banned)
    before = utcnow()
    assert await world.monitor.recheck(OWNER, world.db_id(banned)) is BotStatus.ONLINE
    row = await world.row(banned)
    assert before <= row.recovered_at == row.last_check

    async with world.sessions() as session:
        (state,) = await changes.routing_states(session, [await pool_of(world)])
    ramps = {m.bot_id: m.ramp_from for m in state.members}
    assert ramps[world.db_id(banned)] == row.recovered_at


async def pool_of(world) -> int:
    async with world.sessions() as session:
        return (await changes.pool_ids(session))[0]
