"""Pool members on a real SQLite file: ownership of both ends, validation, the
max-bots-per-pool limit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.domain import Priority
from core.errors import AlreadyMember, Invalid, NotFound, PoolFull
from storage.crypto import TokenCipher
from storage.db import Sessions, transaction
from storage.models import Member
from storage.repos import bots, members, pools

OWNER, OTHER = 1001, 2002


async def setup(sessions: Sessions, cipher: TokenCipher, n_bots: int = 3) -> dict[str, object]:
    """OWNER: pool `sales` and `n_bots` bots; OTHER: pool `theirs` and one bot."""
    async with transaction(sessions) as session:
        own_bots = [
            await bots.register(
                session,
                cipher,
                OWNER,
                telegram_id=7000 + i,
                username=f"bot{i}",
                token=f"{7000 + i}:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm-T0",
            )
            for i in range(n_bots)
        ]
        their_bot = await bots.register(
            session,
            cipher,
            OTHER,
            telegram_id=9000,
            username="theirs_bot",
            token="9000:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm-T9",
        )
        pool = await pools.create(session, OWNER, name="Sales", slug="sales")
        their_pool = await pools.create(session, OTHER, name="Theirs", slug="theirs")
        await members.add(session, OTHER, their_pool.id, their_bot.id, max_per_pool=10)
    return {
        "pool": pool.id,
        "bots": [b.id for b in own_bots],
        "their_pool": their_pool.id,
        "their_bot": their_bot.id,
    }


async def member_count(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Member)) or 0)


async def test_a_bot_joins_a_pool_with_its_weight_and_priority(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    ids = await setup(sessions, cipher)
    async with transaction(sessions) as session:
        member = await members.add(
            session, OWNER, ids["pool"], ids["bots"][0], weight=7, priority=-1, max_per_pool=10
        )
    assert (member.weight, member.priority, member.is_enabled) == (7, Priority.BACKUP, True)
    async with sessions() as session:
        found = await members.get_owned(session, OWNER, ids["pool"], ids["bots"][0])
        assert found.bot.username == "bot0"


async def test_a_pool_read_earlier_in_the_unit_lists_the_bot_it_just_took(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    """The control bot redraws a pool's screen in the unit that changed it."""
    ids = await setup(sessions, cipher)
    async with transaction(sessions) as session:
        pool = await pools.get_owned(session, OWNER, ids["pool"])
        assert pool.members == []
        await members.add(session, OWNER, ids["pool"], ids["bots"][1], max_per_pool=10)
        assert [m.bot.username for m in pool.members] == ["bot1"]
        again = await pools.get_owned(session, OWNER, ids["pool"])
        assert [m.bot.username for m in again.members] == ["bot1"]


async def test_another_operators_pool_or_bot_is_not_found_for_member_operations(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    ids = await setup(sessions, cipher)
    before = await member_count(sessions)
    async with transaction(sessions) as session:
        with pytest.raises(NotFound):  # their pool, my bot
            await members.add(session, OWNER, ids["their_pool"], ids["bots"][0], max_per_pool=10)
        with pytest.raises(NotFound):  # my pool, their bot
            await members.add(session, OWNER, ids["pool"], ids["their_bot"], max_per_pool=10)
        with pytest.raises(NotFound):
            await members.get_owned(session, OWNER, ids["their_pool"], ids["their_bot"])
        with pytest.raises(NotFound):
            await members.update(session, OWNER, ids["their_pool"], ids["their_bot"], weight=5)
        with pytest.raises(NotFound):
            await members.remove(session, OWNER, ids["their_pool"], ids["their_bot"])
    assert await member_count(sessions) == before
    async with sessions() as session:
        theirs = await members.get_owned(session, OTHER, ids["their_pool"], ids["their_bot"])
        assert theirs.weight == 1


async def test_a_bot_that_is_not_a_member_is_not_found(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    ids = await setup(sessions, cipher)
    async with transaction(sessions) as session:
        with pytest.raises(NotFound):
            await members.update(session, OWNER, ids["pool"], ids["bots"][0], weight=2)
        with pytest.raises(NotFound):
            await members.remove(session, OWNER, ids["pool"], ids["bots"][0])


async def test_a_bot_joins_a_pool_only_once(sessions: Sessions, cipher: TokenCipher) -> None:
    ids = await setup(sessions, cipher)
    async with transaction(sessions) as session:
        await members.add(session, OWNER, ids["pool"], ids["bots"][0], max_per_pool=10)
    with pytest.raises(AlreadyMember):
        async with transaction(sessions) as session:
            await members.add(session, OWNER, ids["pool"], ids["bots"][0], max_per_pool=10)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"weight": 0}, "weight"),
        ({"weight": 101}, "weight"),
        ({"weight": 2.5}, "weight"),
        ({"weight": "3"}, "weight"),
        ({"weight": True}, "weight"),
        ({"priority": 2}, "priority"),
        ({"priority": -2}, "priority"),
        ({"priority": "1"}, "priority"),
        ({"priority": None}, "priority"),
    ],
)
async def test_an_invalid_weight_or_priority_names_the_field_and_adds_nothing(
    sessions: Sessions, cipher: TokenCipher, fields: dict[str, object], field: str
) -> None:
    ids = await setup(sessions, cipher)
    before = await member_count(sessions)
    with pytest.raises(Invalid) as caught:
        async with transaction(sessions) as session:
            await members.add(
                session, OWNER, ids["pool"], ids["bots"][0], max_per_pool=10, **fields
            )  # type: ignore[arg-type]
    assert caught.value.field == field
    assert await member_count(sessions) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weight": 0}, "weight"),
        ({"weight": 1000}, "weight"),
        ({"priority": 5}, "priority"),
        ({"is_enabled": "no"}, "is_enabled"),
        ({"bot_id": 1}, "bot_id"),
        ({"pool_id": 1}, "pool_id"),
    ],
)
async def test_an_invalid_member_change_names_the_field_and_changes_nothing(
    sessions: Sessions, cipher: TokenCipher, changes: dict[str, object], field: str
) -> None:
    ids = await setup(sessions, cipher)
    async with transaction(sessions) as session:
        await members.add(session, OWNER, ids["pool"], ids["bots"][0], weight=4, max_per_pool=10)
    with pytest.raises(Invalid) as caught:
        async with transaction(sessions) as session:
            await members.update(session, OWNER, ids["pool"], ids["bots"][0], **changes)
    assert caught.value.field == field
    async with sessions() as session:
        member = await members.get_owned(session, OWNER, ids["pool"], ids["bots"][0])
        assert (member.weight, member.priority, member.is_enabled) == (4, 0, True)


async def test_weight_priority_and_enabled_can_be_changed(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    ids = await setup(sessions, cipher)
    async with transaction(sessions) as session:
        await members.add(session, OWNER, ids["pool"], ids["bots"][0], max_per_pool=10)
    async with transaction(sessions) as session:
        await members.update(
            session, OWNER, ids["pool"], ids["bots"][0], weight=100, priority=1, is_enabled=False
        )
    async with sessions() as session:
        state = pools.state_of(await pools.get_owned(session, OWNER, ids["pool"]))
    (only,) = state.members
    assert (only.weight, only.priority, only.is_enabled) == (100, Priority.PREFERRED, False)


async def test_a_pool_takes_no_more_than_max_bots_per_pool(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    ids = await setup(sessions, cipher, n_bots=4)
    async with transaction(sessions) as session:
        for bot_id in ids["bots"][:3]:
            await members.add(session, OWNER, ids["pool"], bot_id, max_per_pool=3)
        await members.update(session, OWNER, ids["pool"], ids["bots"][0], is_enabled=False)
    with pytest.raises(PoolFull) as caught:
        async with transaction(sessions) as session:
            await members.add(session, OWNER, ids["pool"], ids["bots"][3], max_per_pool=3)
    assert caught.value.code == "pool_full"
    assert caught.value.context["limit"] == 3
    async with transaction(sessions) as session:
        await members.remove(session, OWNER, ids["pool"], ids["bots"][0])
        await members.add(session, OWNER, ids["pool"], ids["bots"][3], max_per_pool=3)
    async with sessions() as session:
        pool = await pools.get_owned(session, OWNER, ids["pool"])
        assert sorted(m.bot_id for m in pool.members) == sorted(ids["bots"][1:])


async def test_removing_a_member_keeps_the_bot(sessions: Sessions, cipher: TokenCipher) -> None:
    ids = await setup(sessions, cipher)
    async with transaction(sessions) as session:
        await members.add(session, OWNER, ids["pool"], ids["bots"][0], max_per_pool=10)
    async with transaction(sessions) as session:
        await members.remove(session, OWNER, ids["pool"], ids["bots"][0])
    async with sessions() as session:
        assert (await bots.get_owned(session, OWNER, ids["bots"][0])).username == "bot0"
        assert (await pools.get_owned(session, OWNER, ids["pool"])).members == []
