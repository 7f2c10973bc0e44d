"""Bots and operators on a real SQLite file: ownership, one registration per Telegram
bot, what deleting a bot takes with it, health kept with the bot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from core.domain import BotIdentity, BotStatus
from core.errors import BotAlreadyRegistered, NotFound
from core.health import HealthState, ProbeFailed, ProbeKind, StatusChange
from storage.crypto import TokenCipher
from storage.db import Sessions, transaction
from storage.models import Member, Operator, RedirectCount
from storage.repos import bots, counts, history, members, operators, pools, registrations

OWNER, OTHER = 1001, 2002
TOKEN = "7123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm-T0"
NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


async def register(session, cipher: TokenCipher, owner: int = OWNER, telegram_id: int = 7123456789):
    return await bots.register(
        session,
        cipher,
        owner,
        telegram_id=telegram_id,
        username=f"bot{telegram_id}",
        token=TOKEN if telegram_id == 7123456789 else f"{telegram_id}:{TOKEN.split(':')[1]}",
    )


async def test_a_registered_bot_is_online_owned_and_its_token_decrypts(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    async with transaction(sessions) as session:
        bot = await register(session, cipher)
    async with sessions() as session:
        stored = await bots.get_owned(session, OWNER, bot.id)
        assert stored.status == BotStatus.ONLINE
        assert stored.last_check is not None and stored.last_check.tzinfo is not None
        assert stored.token_encrypted != TOKEN.encode()
        assert bots.token_of(cipher, stored) == TOKEN
        assert await operators.get(session, OWNER) is not None


async def test_a_telegram_bot_is_registered_once_across_operators(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    async with transaction(sessions) as session:
        await register(session, cipher)
    for owner, own in ((OWNER, True), (OTHER, False)):
        with pytest.raises(BotAlreadyRegistered) as caught:
            async with transaction(sessions) as session:
                await register(session, cipher, owner=owner)
        assert caught.value.context == {"username": "bot7123456789", "own": own}
    async with sessions() as session:
        assert len(await bots.all_bots(session)) == 1
        assert await bots.list_owned(session, OTHER) == []


async def test_another_operators_bot_is_not_found(sessions: Sessions, cipher: TokenCipher) -> None:
    async with transaction(sessions) as session:
        theirs = await register(session, cipher, owner=OTHER)
    async with transaction(sessions) as session:
        with pytest.raises(NotFound):
            await bots.get_owned(session, OWNER, theirs.id)
        with pytest.raises(NotFound):
            await bots.delete_owned(session, OWNER, theirs.id)
        assert await bots.list_owned(session, OWNER) == []
    async with sessions() as session:
        assert (await bots.get_owned(session, OTHER, theirs.id)).id == theirs.id


async def test_deleting_a_bot_removes_its_memberships_and_counts_but_not_the_pools(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    async with transaction(sessions) as session:
        doomed = await register(session, cipher)
        kept = await register(session, cipher, telegram_id=5550001)
        pool_ids = []
        for slug in ("one", "two"):
            pool = await pools.create(session, OWNER, name=slug, slug=slug)
            pool_ids.append(pool.id)
            for bot in (doomed, kept):
                await members.add(session, OWNER, pool.id, bot.id, max_per_pool=10)
        await counts.add(
            session, {(pool_ids[0], doomed.id, NOW): 3, (pool_ids[0], kept.id, NOW): 4}
        )
    async with transaction(sessions) as session:
        await bots.delete_owned(session, OWNER, doomed.id)
    async with sessions() as session:
        for pool_id in pool_ids:
            pool = await pools.get_owned(session, OWNER, pool_id)
            assert [m.bot_id for m in pool.members] == [kept.id]
        assert await session.scalar(select(func.count()).select_from(Member)) == 2
        assert await session.scalar(select(func.count()).select_from(RedirectCount)) == 1


async def test_health_is_stored_with_the_bot_and_read_back_as_it_was(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    state = HealthState(
        status=BotStatus.OFFLINE,
        consecutive_failures=2,
        auth_failures=1,
        breaker_until=NOW + timedelta(seconds=120),
        next_probe_at=NOW + timedelta(seconds=120),
        last_check=NOW,
        last_error="timeout after 5s",
        latency_ms=42.5,
    )
    async with transaction(sessions) as session:
        bot = await register(session, cipher)
        bots.apply_health(bot, state, username="renamed_bot")
    async with sessions() as session:
        stored = await bots.get_owned(session, OWNER, bot.id)
        assert bots.health_of(stored) == state
        assert stored.username == "renamed_bot"


async def test_health_history_keeps_changes_and_failures_newest_first(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    async with transaction(sessions) as session:
        bot = await register(session, cipher)
        history.record(
            session,
            bot.id,
            NOW,
            [
                ProbeFailed(ProbeKind.TRANSIENT, "timeout"),
                StatusChange(BotStatus.ONLINE, BotStatus.DEGRADED),
            ],
            None,
        )
        history.record(
            session, bot.id, NOW + timedelta(seconds=15), [ProbeFailed(ProbeKind.AUTH, "401")], None
        )
    async with sessions() as session:
        failures = await history.last_failures(session, bot.id)
    assert [(f.kind, f.detail) for f in failures] == [("auth", "401"), ("transient", "timeout")]


async def test_an_operator_is_created_once_with_a_known_language(sessions: Sessions) -> None:
    async with transaction(sessions) as session:
        first = await operators.get_or_create(session, OWNER, language="en")
        again = await operators.get_or_create(session, OWNER, language="pt-BR")
        odd = await operators.get_or_create(session, OTHER, language="klingon")
    assert first is again and first.language == "en"
    assert odd.language == "pt-BR"
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Operator)) == 2


@pytest.mark.parametrize(
    ("code", "language"),
    [("en", "en"), ("en-US", "en"), ("pt-br", "pt-BR"), ("es", "pt-BR"), (None, "pt-BR")],
)
def test_telegram_language_codes_map_to_ours(code: str | None, language: str) -> None:
    assert operators.language_from_telegram(code) == language


async def test_bots_are_counted_by_status_with_every_status_named(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    async with transaction(sessions) as session:
        for telegram_id in (7000000001, 7000000002, 7000000003):
            await register(session, cipher, telegram_id=telegram_id)
        first = (await bots.all_bots(session))[0]
        first.status = BotStatus.BANNED.value
    async with sessions() as session:
        counted = await bots.count_by_status(session)
    assert counted == {
        status: {BotStatus.ONLINE: 2, BotStatus.BANNED: 1}.get(status, 0) for status in BotStatus
    }


NEW_TOKEN = "7123456789:BBHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm-T1"


async def test_a_take_over_read_before_the_token_changed_again_is_refused(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    """The registration checked with Telegram must be the one still stored: if its owner
    installed another token meanwhile, nothing changes hands."""
    async with transaction(sessions) as session:
        await register(session, cipher, owner=OTHER)
    async with sessions() as session:
        seen = await registrations.rival(session, OWNER, 7123456789)
    assert seen is not None and seen.owner_id == OTHER
    async with transaction(sessions) as session:  # the owner rotates first
        await registrations.add(
            session, cipher, OTHER, BotIdentity(7123456789, "bot7123456789", NEW_TOKEN)
        )
    claim = BotIdentity(7123456789, "bot7123456789", NEW_TOKEN.replace("T1", "T2"))
    with pytest.raises(BotAlreadyRegistered):
        async with transaction(sessions) as session:
            await registrations.add(session, cipher, OWNER, claim, take_over=seen)
    async with sessions() as session:
        [bot] = await bots.all_bots(session)
    assert bot.owner_id == OTHER and cipher.decrypt(bot.token_encrypted) == NEW_TOKEN


async def test_the_owners_new_token_keeps_the_bot_and_brings_it_online(
    sessions: Sessions, cipher: TokenCipher
) -> None:
    async with transaction(sessions) as session:
        bot = await register(session, cipher)
        bots.apply_health(bot, HealthState(BotStatus.BANNED, auth_failures=3, last_error="401"))
    async with transaction(sessions) as session:
        same = await registrations.add(
            session, cipher, OWNER, BotIdentity(7123456789, "bot7123456789", TOKEN)
        )
        assert same.outcome is registrations.Added.SAME
    async with transaction(sessions) as session:
        added = await registrations.add(
            session, cipher, OWNER, BotIdentity(7123456789, "renamed_bot", NEW_TOKEN)
        )
    assert (added.outcome, added.bot.id) == (registrations.Added.REPLACED, bot.id)
    async with sessions() as session:
        [stored] = await bots.all_bots(session)
        assert (stored.username, stored.status, stored.auth_failures, stored.last_error) == (
            "renamed_bot",
            "online",
            0,
            None,
        )
        assert cipher.decrypt(stored.token_encrypted) == NEW_TOKEN


async def test_due_for_probe_reads_a_fleet_larger_than_one_slice_whole(
    sessions: Sessions, cipher: TokenCipher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bots, "DUE_SLICE", 2)
    async with transaction(sessions) as session:
        ids = [(await register(session, cipher, telegram_id=7000 + n)).id for n in range(5)]
    async with sessions() as session:
        due, total = await bots.due_for_probe(session, NOW + timedelta(days=1))
    assert [d.bot_id for d in due] == sorted(ids)
    assert total == 5
    assert {d.state.status for d in due} == {BotStatus.ONLINE}
