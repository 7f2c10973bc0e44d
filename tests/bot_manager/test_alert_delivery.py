"""Alert delivery from the outbox (issue 19) against the sandbox and a real database:
grouping per incident, edits, the once-a-minute limit, restarts and quiet hours. The
delivery's clock is driven by hand (deliver_due(now)); nothing waits a real minute."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot_manager.alert_delivery import AlertDelivery
from storage.db import transaction
from storage.models import AlertOutbox, Operator, Pool, utcnow
from storage.models import Bot as BotRow

OWNER = 7301


def notifying(messages: list[dict]) -> list[dict]:
    return [m for m in messages if not m["disable_notification"]]


@pytest.fixture
async def grouped(monitor_world) -> AsyncIterator[AlertDelivery]:
    """A delivery with the defaults of an installation: 10 s group wait, 60 s repeat."""
    settings = monitor_world.settings.model_copy(
        update={"alert_group_wait_s": 10.0, "alert_repeat_s": 60.0}
    )
    yield AlertDelivery(settings, monitor_world.sessions, monitor_world.control_bot)


async def test_four_bots_banned_at_once_make_one_notifying_message_that_names_them_all(
    monitor_world, grouped
):
    world = monitor_world
    await world.operator(OWNER)
    fleet = [await world.bot(OWNER) for _ in range(4)]
    await world.pool(OWNER, "leads", fleet)
    fifth = await world.bot(OWNER)
    await world.pool(OWNER, "vip", [fifth, await world.bot(OWNER)])
    await world.bystanders(4)  # the rest of the fleet answers: not an outage of Telegram
    for bot in fleet:
        await world.client.ban(bot)

    await world.passes(2)  # degraded, then offline: the pool is empty
    t0 = utcnow()
    assert await grouped.deliver_due(t0) == 0  # the group is still gathering
    assert await world.client.messages(world.control, OWNER) == []
    assert await grouped.deliver_due(t0 + timedelta(seconds=10)) == 1
    await world.passes(1)  # the four bans confirmed
    assert await grouped.deliver_due(t0 + timedelta(seconds=12)) == 1

    (message,) = await world.client.messages(world.control, OWNER)
    assert not message["disable_notification"] and message["edited"]
    text = message["text"]
    assert text.startswith("🆘 A pool has no bot left")
    assert "Pool 'LEADS': health 0% (0/4 online)" in text
    assert all(f"⛔ @{bot.username} banned" in text for bot in fleet)
    assert "VIP" not in text

    # 30 s later a bot of another pool fails: the message says so at once (an edit), and
    # a notifying message follows once the minute since the last one has passed.
    await world.client.fail(fifth, 502)
    await world.passes(2)
    await grouped.deliver_due(t0 + timedelta(seconds=40))
    (message,) = await world.client.messages(world.control, OWNER)
    assert f"⚠️ @{fifth.username} offline" in message["text"]
    assert "Pool 'VIP': health 50% (1/2 online)" in message["text"]

    await grouped.deliver_due(t0 + timedelta(seconds=69))
    assert len(await world.client.messages(world.control, OWNER)) == 1
    await grouped.deliver_due(t0 + timedelta(seconds=70))
    first, second = await world.client.messages(world.control, OWNER)
    assert notifying([first, second]) == [first, second]
    assert f"@{fifth.username} offline" in second["text"] and "LEADS" in second["text"]

    await grouped.deliver_due(t0 + timedelta(seconds=200))  # nothing new: nothing sent
    assert len(await world.client.messages(world.control, OWNER)) == 2


async def test_recovery_closes_the_incident_with_one_message(monitor_world, grouped):
    world = monitor_world
    await world.operator(OWNER)
    sick, fine = await world.bot(OWNER), await world.bot(OWNER)
    await world.pool(OWNER, "leads", [sick, fine])
    await world.client.fail(sick, 502)
    await world.passes(2)
    t0 = utcnow()
    await grouped.deliver_due(t0 + timedelta(seconds=10))

    await world.client.clear_faults(sick)
    await world.passes(1)
    await grouped.deliver_due(t0 + timedelta(seconds=11))  # no group wait to close it
    await grouped.deliver_due(t0 + timedelta(seconds=100))

    opened, closed = [m["text"] for m in await world.client.messages(world.control, OWNER)]
    assert opened.startswith("⚠️ Bot offline") and f"@{sick.username} offline" in opened
    assert closed.startswith("✅ Resolved") and f"@{sick.username} online" in closed
    assert "Pool 'LEADS': health 100% (2/2 online)" in closed


async def undelivered(world) -> int:
    async with world.sessions() as session:
        statement = select(func.count()).where(AlertOutbox.delivered_at.is_(None))
        return await session.scalar(statement.select_from(AlertOutbox))


async def test_alerts_written_before_a_restart_are_delivered_once_by_the_next_process(
    monitor_world,
):
    world = monitor_world
    await world.operator(OWNER)
    bot = await world.bot(OWNER)
    await world.pool(OWNER, "leads", [bot, await world.bot(OWNER)])
    await world.client.ban(bot)
    await world.passes(3)  # committed; this "process" dies before delivering
    assert await undelivered(world) == 2  # offline, banned

    after_restart = AlertDelivery(world.settings, world.sessions, world.control_bot)
    assert await after_restart.deliver_due() == 1
    assert await after_restart.deliver_due() == 0
    again = AlertDelivery(world.settings, world.sessions, world.control_bot)
    assert await again.deliver_due() == 0

    (text,) = await world.alerts(OWNER)
    assert f"@{bot.username} banned" in text
    assert await undelivered(world) == 0


async def quiet_now(world, operator_id: int) -> None:
    """Quiet hours around the current hour, in UTC."""
    hour = utcnow().hour
    async with transaction(world.sessions) as session:
        operator = await session.get(Operator, operator_id)
        operator.time_zone = "UTC"
        operator.quiet_from, operator.quiet_to = hour, (hour + 2) % 24


async def test_inside_quiet_hours_a_bot_offline_is_silent_and_an_empty_pool_notifies(
    monitor_world,
):
    world = monitor_world
    await world.operator(OWNER)
    await quiet_now(world, OWNER)
    first, second = await world.bot(OWNER), await world.bot(OWNER)
    await world.pool(OWNER, "leads", [first, second])

    await world.client.fail(first, 502)
    await world.passes(2)
    (offline,) = await world.chat(OWNER)
    assert offline["disable_notification"]
    assert f"@{first.username} offline" in offline["text"]

    await world.client.fail(second, 502)
    await world.passes(2)
    offline, empty = await world.chat(OWNER)
    assert empty["text"].startswith("🆘") and not empty["disable_notification"]


async def test_an_operator_who_turned_alerts_off_meanwhile_gets_nothing(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    bot = await world.bot(OWNER)
    await world.pool(OWNER, "leads", [bot])
    await world.client.fail(bot, 502)
    await world.passes(2)
    async with transaction(world.sessions) as session:
        (await session.get(Operator, OWNER)).alerts_enabled = False

    assert await world.alerts(OWNER) == []
    assert await undelivered(world) == 0


async def test_alerts_about_a_pool_and_bot_deleted_before_delivery_are_dropped_quietly(
    monitor_world,
):
    world = monitor_world
    await world.operator(OWNER)
    bot = await world.bot(OWNER)
    pool_id = await world.pool(OWNER, "leads", [bot])
    await world.client.fail(bot, 502)
    await world.passes(2)
    async with transaction(world.sessions) as session:
        await session.delete(await session.get(Pool, pool_id))
        await session.delete(await session.get(BotRow, world.db_id(bot)))

    assert await world.alerts(OWNER) == []
    assert await undelivered(world) == 0
