"""The hourly-capacity watch (bot_manager.capacity) over a real database and the alert
delivery: each pool's level stored, its owner told once when it passes 80 % and once
when it is full, nothing when it falls back."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from bot_manager.capacity import CapacityWatch
from core.alerts import CapacityLevel, capacity_level
from storage.db import transaction
from storage.models import AlertOutbox, Member, Pool, utcnow
from storage.models import Bot as BotRow
from storage.repos import capacity, counts

OWNER = 7401
# The alert delivery composes its message at the real time: the counts go in its hour.
NOW = utcnow()
HOUR = counts.hour_of(NOW)


async def pool_of_two(world, cap: int | None = 50) -> tuple[int, list]:
    await world.operator(OWNER)
    fleet = [await world.bot(OWNER), await world.bot(OWNER)]
    pool_id = await world.pool(OWNER, "vendas", fleet)
    async with transaction(world.sessions) as session:
        await session.execute(
            update(Member).where(Member.pool_id == pool_id).values(hourly_cap=cap)
        )
    return pool_id, fleet


async def leads(world, pool_id: int, bot, n: int, hour=HOUR) -> None:
    async with transaction(world.sessions) as session:
        await counts.add(session, {(pool_id, world.db_id(bot), hour): n})


async def level(world, pool_id: int) -> str:
    async with world.sessions() as session:
        return await session.scalar(select(Pool.capacity_level).where(Pool.id == pool_id))


async def test_a_pool_is_told_once_past_80_percent_and_once_full_then_falls_back_quietly(
    monitor_world,
):
    world = monitor_world
    pool_id, (a, b) = await pool_of_two(world)  # 2 x 50 = 100 leads an hour
    watch = CapacityWatch(world.settings, world.sessions)
    await leads(world, pool_id, a, 40)
    assert await watch.run_once(NOW) == 0
    assert await level(world, pool_id) == "ok"

    await leads(world, pool_id, b, 45)  # 85 %
    assert await watch.run_once(NOW) == 1
    assert await watch.run_once(NOW) == 0
    assert await level(world, pool_id) == "busy"
    (busy,) = await world.alerts(OWNER)
    assert busy.startswith("📈 A pool is past 80% of its hourly capacity: add bots.")
    assert "85 of 100 visits per hour (85%)" in busy

    await leads(world, pool_id, a, 20)  # 105 %
    assert await watch.run_once(NOW) == 1
    assert await level(world, pool_id) == "full"
    texts = await world.alerts(OWNER)
    assert len(texts) == 2 and texts[1].startswith("📈 A pool is at its hourly capacity")
    assert "full: 105 of 100 visits per hour (105%)" in texts[1]

    later = NOW + timedelta(hours=2)  # the hour has rolled by: nobody waits
    assert await watch.run_once(later) == 0
    assert await level(world, pool_id) == "ok"
    assert len(await world.alerts(OWNER, later)) == 2
    async with world.sessions() as session:
        kinds = (await session.scalars(select(AlertOutbox.kind).order_by(AlertOutbox.id))).all()
    assert kinds == ["pool_busy", "pool_full"]


async def test_capacity_counts_the_routable_bots_with_their_own_caps(monitor_world):
    world = monitor_world
    pool_id, (a, b) = await pool_of_two(world, cap=None)
    async with transaction(world.sessions) as session:
        await session.execute(
            update(Member).where(Member.bot_id == world.db_id(a)).values(hourly_cap=300)
        )
    default = world.settings.bot_hourly_capacity

    async def capacity_now() -> int:
        async with world.sessions() as session:
            return (await capacity.capacities(session, NOW, default)).get(pool_id, 0)

    assert await capacity_now() == 300 + default
    async with transaction(world.sessions) as session:
        await session.execute(
            update(BotRow).where(BotRow.id == world.db_id(b)).values(backend_error="x")
        )
    assert await capacity_now() == 300  # its funnel does not answer: not capacity
    async with transaction(world.sessions) as session:
        await session.execute(
            update(BotRow).where(BotRow.id == world.db_id(a)).values(status="offline")
        )
    assert await capacity_now() == default  # only the degraded one serves now
    async with transaction(world.sessions) as session:
        await session.execute(update(Pool).where(Pool.id == pool_id).values(is_active=False))
    assert await capacity_now() == 0


async def test_the_previous_hour_counts_for_its_part_still_inside_the_window(monitor_world):
    world = monitor_world
    pool_id, (a, _b) = await pool_of_two(world)
    await leads(world, pool_id, a, 100, HOUR - timedelta(hours=1))
    await leads(world, pool_id, a, 80)
    async with world.sessions() as session:
        used = await capacity.used_last_hour(session, NOW)
    _current, _previous, share = counts.last_hour_weights(NOW)
    assert used[pool_id] == round(80 + 100 * share)  # the part of the previous hour inside
    await CapacityWatch(world.settings, world.sessions).run_once(NOW)
    expected = capacity_level(CapacityLevel.OK, used[pool_id], 100)
    assert await level(world, pool_id) == expected.value


async def test_an_operator_without_alerts_gets_the_level_but_no_alert(monitor_world):
    world = monitor_world
    pool_id, (a, _b) = await pool_of_two(world)
    await world.operator(OWNER, alerts=False)
    await leads(world, pool_id, a, 100)
    assert await CapacityWatch(world.settings, world.sessions).run_once(NOW) == 0
    assert await level(world, pool_id) == "full"
