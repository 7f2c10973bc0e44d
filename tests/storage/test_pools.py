"""Pools on a real SQLite file: ownership, unique slugs (also under a race), validation,
fallback pools and what deleting a pool takes with it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from core.domain import DEFAULT_START_PARAM, BotStatus, Strategy
from core.errors import Invalid, NotFound, SlugTaken
from storage.crypto import TokenCipher
from storage.db import Sessions, transaction
from storage.models import Bot, Member, Pool, RedirectCount
from storage.repos import bots, counts, members, pools

OWNER, OTHER = 1001, 2002
HOUR = datetime(2026, 11, 25, 10, tzinfo=UTC)


def token_for(telegram_id: int) -> str:
    return f"{telegram_id}:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm{telegram_id % 1000:03d}"


async def add_bot(session, cipher: TokenCipher, owner: int, telegram_id: int) -> Bot:
    return await bots.register(
        session,
        cipher,
        owner,
        telegram_id=telegram_id,
        username=f"bot{telegram_id}",
        token=token_for(telegram_id),
    )


async def count(sessions: Sessions, model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_new_pool_has_the_spec_defaults(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        pool = await pools.create(session, OWNER, name="  Sales  ", slug="sales")
    assert (pool.name, pool.slug, pool.owner_id) == ("Sales", "sales", OWNER)
    assert pool.strategy == Strategy.ROUND_ROBIN
    assert (pool.is_active, pool.start_param, pool.fallback_pool_id) == (
        True,
        DEFAULT_START_PARAM,
        None,
    )
    assert pool.members == []
    assert pool.created_at.tzinfo is not None


async def test_another_operators_pool_is_not_found_for_any_read_or_write(
    sessions: Sessions,
) -> None:
    async with transaction(sessions) as session:
        theirs = await pools.create(session, OTHER, name="Theirs", slug="theirs")
        mine = await pools.create(session, OWNER, name="Mine", slug="mine")
    async with transaction(sessions) as session:
        with pytest.raises(NotFound):
            await pools.get_owned(session, OWNER, theirs.id)
        with pytest.raises(NotFound):
            await pools.get_owned_by_slug(session, OWNER, "theirs")
        with pytest.raises(NotFound):
            await pools.update_owned(session, OWNER, theirs.id, name="Stolen")
        with pytest.raises(NotFound):
            await pools.delete_owned(session, OWNER, theirs.id)
        with pytest.raises(NotFound):
            await pools.get_owned(session, OWNER, 999_999)
        assert [p.slug for p in await pools.list_owned(session, OWNER)] == ["mine"]
        with pytest.raises(Invalid) as caught:
            await pools.update_owned(session, OWNER, mine.id, fallback_pool_id=theirs.id)
        assert caught.value.field == "fallback_pool_id"
    async with sessions() as session:
        untouched = await pools.get_owned(session, OTHER, theirs.id)
        assert untouched.name == "Theirs"


@pytest.mark.parametrize("owner", [OWNER, OTHER])
async def test_a_taken_slug_is_a_clear_conflict_and_the_session_goes_on(
    sessions: Sessions, owner: int
) -> None:
    async with transaction(sessions) as session:
        await pools.create(session, OWNER, name="Sales", slug="sales")
    async with transaction(sessions) as session:
        with pytest.raises(SlugTaken) as caught:
            await pools.create(session, owner, name="Other sales", slug="sales")
        assert caught.value.code == "slug_taken"
        other = await pools.create(session, owner, name="Other sales", slug="sales-2")
    assert other.slug == "sales-2"
    async with sessions() as session:
        original = await pools.get_owned_by_slug(session, OWNER, "sales")
        assert original.name == "Sales"
    assert await count(sessions, Pool) == 2


async def test_two_sessions_racing_for_one_slug_give_one_pool_and_one_slug_taken(
    sessions: Sessions,
) -> None:
    first_inserted, release_first = asyncio.Event(), asyncio.Event()

    async def first() -> Pool:
        async with transaction(sessions) as session:
            pool = await pools.create(session, OWNER, name="First", slug="launch")
            first_inserted.set()
            await release_first.wait()
            return pool

    async def second() -> Pool:
        await first_inserted.wait()
        async with transaction(sessions) as session:
            return await pools.create(session, OTHER, name="Second", slug="launch")

    winner = asyncio.create_task(first())
    loser = asyncio.create_task(second())
    await first_inserted.wait()
    await asyncio.sleep(0.05)  # let the second reach the database and wait for the lock
    release_first.set()
    results = await asyncio.wait_for(
        asyncio.gather(winner, loser, return_exceptions=True), timeout=10
    )
    assert isinstance(results[0], Pool)
    assert isinstance(results[1], SlugTaken)
    async with sessions() as session:
        assert (await pools.get_owned_by_slug(session, OWNER, "launch")).name == "First"
    assert await count(sessions, Pool) == 1


async def test_a_pool_rolled_back_is_not_stored(sessions: Sessions) -> None:
    with pytest.raises(RuntimeError):
        async with transaction(sessions) as session:
            await pools.create(session, OWNER, name="Sales", slug="sales")
            raise RuntimeError("the handler failed after creating it")
    assert await count(sessions, Pool) == 0


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"slug": "A-Upper"}, "slug"),
        ({"slug": "x"}, "slug"),
        ({"slug": "-starts-with-dash"}, "slug"),
        ({"slug": "has space"}, "slug"),
        ({"slug": "a" * 51}, "slug"),
        ({"slug": "sales\n"}, "slug"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"strategy": "fastest"}, "strategy"),
        ({"start_param": "has space"}, "start_param"),
        ({"start_param": "x" * 65}, "start_param"),
    ],
)
async def test_an_invalid_pool_names_the_field_and_writes_nothing(
    sessions: Sessions, fields: dict[str, str], field: str
) -> None:
    values = {"name": "Sales", "slug": "sales", **fields}
    with pytest.raises(Invalid) as caught:
        async with transaction(sessions) as session:
            await pools.create(session, OWNER, **values)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert caught.value.code == "invalid"
    assert await count(sessions, Pool) == 0


async def test_the_longest_valid_name_and_slug_are_accepted(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        pool = await pools.create(session, OWNER, name="n" * 100, slug="a" + "-" * 49)
    assert (len(pool.name), len(pool.slug)) == (100, 50)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"strategy": "fastest"}, "strategy"),
        ({"is_active": "yes"}, "is_active"),
        ({"start_param": "no spaces please"}, "start_param"),
        ({"slug": "renamed"}, "slug"),
        ({"owner_id": OTHER}, "owner_id"),
        ({"fallback_pool_id": "2"}, "fallback_pool_id"),
    ],
)
async def test_an_invalid_pool_change_names_the_field_and_changes_nothing(
    sessions: Sessions, changes: dict[str, object], field: str
) -> None:
    async with transaction(sessions) as session:
        pool = await pools.create(session, OWNER, name="Sales", slug="sales")
    with pytest.raises(Invalid) as caught:
        async with transaction(sessions) as session:
            await pools.update_owned(session, OWNER, pool.id, **changes)
    assert caught.value.field == field
    async with sessions() as session:
        stored = await pools.get_owned(session, OWNER, pool.id)
        assert (stored.name, stored.slug, stored.owner_id) == ("Sales", "sales", OWNER)
        assert (stored.strategy, stored.is_active) == (Strategy.ROUND_ROBIN, True)


async def test_a_pool_can_be_changed(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        pool = await pools.create(session, OWNER, name="Sales", slug="sales")
        backup = await pools.create(session, OWNER, name="Backup", slug="backup")
    async with transaction(sessions) as session:
        await pools.update_owned(
            session,
            OWNER,
            pool.id,
            name="Sales 2",
            strategy="weighted",
            is_active=False,
            start_param="promo_1",
            fallback_pool_id=backup.id,
        )
    async with sessions() as session:
        state = pools.state_of(await pools.get_owned(session, OWNER, pool.id))
    assert state.strategy is Strategy.WEIGHTED
    assert (state.is_active, state.start_param, state.fallback_pool_id) == (
        False,
        "promo_1",
        backup.id,
    )


# fallback pools


async def make_pools(sessions: Sessions, *slugs: str) -> list[int]:
    async with transaction(sessions) as session:
        return [(await pools.create(session, OWNER, name=s, slug=s)).id for s in slugs]


async def set_fallback(sessions: Sessions, pool_id: int, fallback: int | None) -> None:
    async with transaction(sessions) as session:
        await pools.update_owned(session, OWNER, pool_id, fallback_pool_id=fallback)


async def test_a_pool_cannot_fall_back_to_itself(sessions: Sessions) -> None:
    (a,) = await make_pools(sessions, "aa")
    with pytest.raises(Invalid) as caught:
        await set_fallback(sessions, a, a)
    assert caught.value.field == "fallback_pool_id"


@pytest.mark.parametrize("length", [2, 3, 5])
async def test_a_loop_of_fallbacks_is_refused(sessions: Sessions, length: int) -> None:
    ids = await make_pools(sessions, *(f"p{i}" for i in range(length)))
    for current, nxt in zip(ids, ids[1:], strict=False):
        await set_fallback(sessions, current, nxt)
    with pytest.raises(Invalid) as caught:
        await set_fallback(sessions, ids[-1], ids[0])
    assert caught.value.field == "fallback_pool_id"
    async with sessions() as session:
        assert (await pools.get_owned(session, OWNER, ids[-1])).fallback_pool_id is None


async def test_a_chain_without_a_loop_is_accepted_and_can_be_cleared(sessions: Sessions) -> None:
    a, b, c = await make_pools(sessions, "aa", "bb", "cc")
    await set_fallback(sessions, a, b)
    await set_fallback(sessions, b, c)
    await set_fallback(sessions, c, None)
    await set_fallback(sessions, a, c)  # a diamond is no loop
    await set_fallback(sessions, a, None)
    async with sessions() as session:
        assert (await pools.get_owned(session, OWNER, a)).fallback_pool_id is None


async def test_a_missing_fallback_pool_is_refused(sessions: Sessions) -> None:
    (a,) = await make_pools(sessions, "aa")
    with pytest.raises(Invalid):
        await set_fallback(sessions, a, 424242)


async def test_deleting_a_fallback_pool_unlinks_it(sessions: Sessions) -> None:
    a, b = await make_pools(sessions, "aa", "bb")
    await set_fallback(sessions, a, b)
    async with transaction(sessions) as session:
        await pools.delete_owned(session, OWNER, b)
    async with sessions() as session:
        assert (await pools.get_owned(session, OWNER, a)).fallback_pool_id is None


# deleting


async def test_deleting_a_pool_removes_its_members_and_counts_but_not_the_bots(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    async with transaction(sessions) as session:
        bot = await add_bot(session, cipher, OWNER, 5550001)
        other_bot = await add_bot(session, cipher, OWNER, 5550002)
        doomed = await pools.create(session, OWNER, name="Doomed", slug="doomed")
        kept = await pools.create(session, OWNER, name="Kept", slug="kept")
        for pool in (doomed, kept):
            await members.add(session, OWNER, pool.id, bot.id, max_per_pool=10)
        await members.add(session, OWNER, doomed.id, other_bot.id, max_per_pool=10)
        await counts.add(session, {(doomed.id, bot.id, HOUR): 5, (kept.id, bot.id, HOUR): 7})
    async with transaction(sessions) as session:
        await pools.delete_owned(session, OWNER, doomed.id)
    assert await count(sessions, Bot) == 2
    assert await count(sessions, Member) == 1
    async with sessions() as session:
        assert await counts.total(session) == 7
        assert [m.bot_id for m in (await pools.get_owned(session, OWNER, kept.id)).members] == [
            bot.id
        ]
        with pytest.raises(NotFound):
            await pools.get_owned(session, OWNER, doomed.id)
    assert await count(sessions, RedirectCount) == 1


async def test_the_routing_view_carries_members_in_order_with_their_bots_health(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    async with transaction(sessions) as session:
        pool = await pools.create(session, OWNER, name="Sales", slug="sales", strategy="weighted")
        for telegram_id, weight in ((5550003, 3), (5550001, 1), (5550002, 2)):
            bot = await add_bot(session, cipher, OWNER, telegram_id)
            await members.add(session, OWNER, pool.id, bot.id, weight=weight, max_per_pool=10)
        bot.status = BotStatus.OFFLINE.value
    async with sessions() as session:
        states = dict((p.slug, s) for p, s in await pools.all_states(session))
    state = states["sales"]
    assert [m.username for m in state.members] == ["bot5550003", "bot5550001", "bot5550002"]
    assert [m.weight for m in state.members] == [3, 1, 2]
    assert [m.status for m in state.members] == [
        BotStatus.ONLINE,
        BotStatus.ONLINE,
        BotStatus.OFFLINE,
    ]
