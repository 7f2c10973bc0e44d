"""The routing table follows the change log: a change costs the pools it touched (and
those falling back to them), not the installation (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from core.domain import BotStatus
from redirect_server import routing
from redirect_server.counter import RedirectCounter
from redirect_server.routing import RoutingTable
from storage.db import transaction
from storage.repos import changes

POOLS = 20


@pytest.fixture
async def installation(seed):
    return [await seed.pool(f"p{i}", (f"bot{i}_a", f"bot{i}_b")) for i in range(POOLS)]


@pytest.fixture
async def table(sessions, installation):
    table = RoutingTable(sessions, RedirectCounter(sessions))
    await table.load()
    yield table
    table.close()


def username(table: RoutingTable, slug: str) -> str:
    target = table.routes[slug].take()
    assert target is not None
    return target.location_prefix.split("/")[3].split("?")[0]


async def test_loading_plans_every_pool_once(table):
    assert (table.rebuilt, table.rerouted) == (POOLS, POOLS)
    assert sorted(table.routes) == sorted(f"p{i}" for i in range(POOLS))


async def test_a_change_to_one_pool_rebuilds_that_pool_only(table, seed, installation):
    before = table.rebuilt, table.rerouted
    await seed.update_member(
        installation[3].pool_id, installation[3].bot_ids["bot3_a"], is_enabled=False
    )

    assert await table.follow() == 1

    assert (table.rebuilt - before[0], table.rerouted - before[1]) == (1, 1)
    assert {username(table, "p3") for _ in range(4)} == {"bot3_b"}
    assert {username(table, "p4") for _ in range(4)} == {"bot4_a", "bot4_b"}


async def test_a_bot_change_rebuilds_the_pools_it_is_in_only(table, seed, installation):
    shared = installation[0].bot_ids["bot0_a"]
    await seed.add_member(installation[1].pool_id, shared)
    await table.follow()
    before = table.rebuilt

    await seed.set_status(shared, BotStatus.BANNED)
    assert await table.follow() == 1

    assert table.rebuilt - before == 2
    assert {username(table, "p0") for _ in range(4)} == {"bot0_b"}
    assert "bot0_a" not in {username(table, "p1") for _ in range(6)}


async def test_a_change_reroutes_the_pools_that_fall_back_to_it(table, seed, installation):
    first, second, third = (installation[i].pool_id for i in range(3))
    await seed.update_pool(first, fallback_pool_id=second)
    await seed.update_pool(second, fallback_pool_id=third)
    await table.follow()
    before = table.rebuilt, table.rerouted

    for name in ("bot2_a", "bot2_b"):  # the last pool of the chain loses every bot
        await seed.set_status(installation[2].bot_ids[name], BotStatus.BANNED)
    await table.follow()

    assert table.rebuilt - before[0] == 1  # one pool planned again...
    assert table.rerouted - before[1] == 3  # ...and the links of the chain routed again
    assert table.routes["p2"].take() is None


async def test_a_deleted_pool_leaves_the_table(table, seed, installation):
    await seed.delete_pool(installation[5].pool_id)
    await table.follow()
    assert "p5" not in table.routes and installation[5].pool_id not in table.pools


async def test_following_with_nothing_new_rebuilds_nothing(table):
    before = table.rebuilt
    assert await table.follow() == 0
    assert table.rebuilt == before


async def test_a_change_committed_by_another_table_is_followed(table, sessions, seed, installation):
    """Two tables over one database, as two processes would be."""
    other = RoutingTable(sessions, RedirectCounter(sessions))
    await other.load()
    try:
        await seed.update_pool(installation[7].pool_id, is_active=False)
        await other.follow()
        await table.follow()
        assert "p7" not in other.routes and "p7" not in table.routes
    finally:
        other.close()


async def test_the_log_of_changes_is_forgotten_after_a_while(sessions, seed, installation):
    from storage.models import utcnow

    async with transaction(sessions) as session:
        assert await changes.delete_before(session, utcnow(), 1000) > 0
    async with sessions() as session:
        assert await changes.after(session, 0) == []


def test_a_hole_in_the_log_is_waited_for_until_its_transaction_commits(sessions):
    table = RoutingTable(sessions, RedirectCounter(sessions))
    table._advance([1, 2, 4])
    assert table._after == 2  # 3 may still commit
    table._advance([3])
    assert table._after == 4


def test_a_hole_left_by_a_rollback_is_passed_after_a_grace(sessions, monkeypatch):
    table = RoutingTable(sessions, RedirectCounter(sessions))
    table._advance([1, 3])
    assert table._after == 1
    monkeypatch.setattr(routing, "GAP_GRACE_S", 0.0)
    table._advance([])
    assert table._after == 3
