"""Invariants that two writers can break, held under requests really racing over the
same database (SQLite file or PostgreSQL, whichever the run uses): the pool size limit,
one membership per (pool, bot), one registration per Telegram bot, no fallback loops.
Each conflict is a 409, never a 500."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from core.settings import Settings

LIMIT = 10


@pytest.fixture
def api_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_bots_per_pool": LIMIT})


async def test_twelve_racing_adds_to_a_pool_of_ten_leave_ten_members_and_two_409s(alice):
    bots = [await alice.add_bot() for _ in range(12)]
    pool = await alice.create_pool("race")
    path = f"/api/redirect-pools/{pool['id']}/bots"

    answers = await asyncio.gather(*(alice.call("POST", path, {"bot_id": b["id"]}) for b in bots))

    assert Counter(status for status, _ in answers) == {201: LIMIT, 409: 2}
    assert {body["error"]["code"] for status, body in answers if status == 409} == {"pool_full"}
    _, stored = await alice.call("GET", f"/api/redirect-pools/{pool['id']}")
    assert len(stored["members"]) == LIMIT


async def test_six_racing_adds_of_one_bot_give_one_201_and_five_409s(alice):
    bot = await alice.add_bot()
    pool = await alice.create_pool("twice")
    path = f"/api/redirect-pools/{pool['id']}/bots"

    answers = await asyncio.gather(
        *(alice.call("POST", path, {"bot_id": bot["id"]}) for _ in range(6))
    )

    assert Counter(status for status, _ in answers) == {201: 1, 409: 5}
    assert {body["error"]["code"] for status, body in answers if status == 409} == {
        "already_member"
    }
    _, stored = await alice.call("GET", f"/api/redirect-pools/{pool['id']}")
    assert [m["bot_id"] for m in stored["members"]] == [bot["id"]]


async def test_racing_registrations_of_one_telegram_bot_store_it_once(alice, bob, sandbox):
    created = await sandbox.client.create_bot()
    callers = [alice, bob] * 3

    answers = await asyncio.gather(
        *(c.call("POST", "/api/bots", {"token": created.token}) for c in callers)
    )

    statuses = Counter(status for status, _ in answers)
    assert statuses[201] == 1, answers
    owned = [len((await c.call("GET", "/api/bots"))[1]) for c in (alice, bob)]
    assert sorted(owned) == [0, 1]
    # The winner's other adds are its own bot again (200), the other's are refused (409).
    winner = alice if owned[0] else bob
    for caller, (status, _) in zip(callers, answers, strict=True):
        assert status in ((200, 201) if caller is winner else (409,)), answers


async def test_racing_fallbacks_never_make_a_loop(alice):
    """a → b and b → a at once: one of them is refused, whatever the interleaving."""
    for round_ in range(5):
        a = await alice.create_pool(f"a{round_}")
        b = await alice.create_pool(f"b{round_}")

        answers = await asyncio.gather(
            alice.call("PATCH", f"/api/redirect-pools/{a['id']}", {"fallback_pool_id": b["id"]}),
            alice.call("PATCH", f"/api/redirect-pools/{b['id']}", {"fallback_pool_id": a["id"]}),
        )

        assert sorted(status for status, _ in answers) == [200, 400], answers
        _, fresh_a = await alice.call("GET", f"/api/redirect-pools/{a['id']}")
        _, fresh_b = await alice.call("GET", f"/api/redirect-pools/{b['id']}")
        assert fresh_a["fallback_pool_id"] is None or fresh_b["fallback_pool_id"] is None


async def test_adding_a_bot_that_is_being_deleted_never_answers_500(alice):
    """Whichever wins, the answer says what happened: 201 then 204, or 204 then 404/409."""
    pool = await alice.create_pool("gone")
    for _ in range(8):
        bot = await alice.add_bot()
        add, delete = await asyncio.gather(
            alice.call("POST", f"/api/redirect-pools/{pool['id']}/bots", {"bot_id": bot["id"]}),
            alice.call("DELETE", f"/api/bots/{bot['id']}"),
        )
        assert add[0] in {201, 404, 409}, add
        assert delete[0] == 204, delete
    _, stored = await alice.call("GET", f"/api/redirect-pools/{pool['id']}")
    assert stored["members"] == []
