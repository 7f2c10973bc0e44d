"""/stats through the real control bot: aiogram polling the sandbox, a real SQLite file,
redirect counts and health history seeded at known times."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot_manager.keyboards.callback_data import StatsAction, StatsCb
from storage.db import transaction
from storage.models import HealthRecord, utcnow
from storage.repos import bots, counts, history, members, operators, pools
from tests.plugins.control_bot import OPERATOR, OTHER, ControlBotDriver


def forge(driver: ControlBotDriver, user_id: int, message: dict[str, Any], data: str) -> None:
    """Make a crafted press possible: the sandbox only presses buttons a message has, so
    `data` is slipped into the stored message's keyboard, as a tampering client would."""
    chat = driver.sandbox.state.find(str(driver.control.id)).chat(user_id)
    markup = chat.messages[message["message_id"]].inline_markup
    markup["inline_keyboard"].append([{"text": "forged", "callback_data": data}])


async def seed(driver: ControlBotDriver) -> dict[str, int]:
    """OPERATOR's pool `sales` (alpha, beta) and OTHER's pool `theirs`. Only hour buckets
    wholly inside both windows (this hour; 3 and 10 hours ago) carry counts, so the
    figures are exact whenever the test runs."""
    now = utcnow()
    hour = counts.hour_of(now)
    async with transaction(driver.sessions) as session:
        for operator in (OPERATOR, OTHER):
            await operators.get_or_create(session, operator)
        ids = {}
        for owner, telegram_id, name in (
            (OPERATOR, 61, "alpha_bot"),
            (OPERATOR, 62, "beta_bot"),
            (OTHER, 63, "their_bot"),
        ):
            row = await bots.register(
                session,
                driver.cipher,
                owner,
                telegram_id=telegram_id,
                username=name,
                token=f"{telegram_id}:secret",
            )
            row.created_at = now - timedelta(days=3)
            ids[name] = row.id
        sales = await pools.create(session, OPERATOR, name="Sales", slug="sales")
        theirs = await pools.create(session, OTHER, name="Theirs", slug="theirs")
        for name in ("alpha_bot", "beta_bot"):
            await members.add(session, OPERATOR, sales.id, ids[name], max_per_pool=10)
        await members.add(session, OTHER, theirs.id, ids["their_bot"], max_per_pool=10)
        await counts.add(
            session,
            {
                (sales.id, ids["alpha_bot"], hour): 12,
                (sales.id, ids["alpha_bot"], hour - timedelta(hours=3)): 45,
                (sales.id, ids["beta_bot"], hour - timedelta(hours=10)): 100,
                (theirs.id, ids["their_bot"], hour): 777,
            },
        )
        # beta: one timed-out probe two hours ago took it from online to degraded.
        beta = ids["beta_bot"]
        at = now - timedelta(hours=2)
        session.add(HealthRecord(bot_id=beta, at=at, kind="transient", detail="timed out"))
        session.add(
            HealthRecord(
                bot_id=beta, at=at, kind=history.STATUS_CHANGE, status="degraded", detail="online"
            )
        )
    return {**ids, "sales": sales.id, "theirs": theirs.id}


async def ask(driver: ControlBotDriver, text: str) -> dict[str, Any]:
    sent = await driver.send(OPERATOR, text)
    return await driver.wait_reply(OPERATOR, after=sent)


async def test_stats_overview_and_pool_figures_match_seeded_counts(control_bot):
    await seed(control_bot)
    overview = await ask(control_bot, "/stats")
    assert "Sales (sales): saúde 100% (2/2 online)" in overview["text"]
    assert "redirects: 12 na última hora · 157 em 24 h" in overview["text"]
    assert "Theirs" not in overview["text"] and "777" not in overview["text"]

    await control_bot.press(OPERATOR, overview, "Sales (sales)")
    card = (await control_bot.message(OPERATOR, overview["message_id"]))["text"]
    assert "Redirects: 12 na última hora · 157 em 24 h" in card
    assert "@alpha_bot: 12 / 57 · 100% · --" in card
    assert "@beta_bot: 0 / 100 · 91,7% · --" in card  # degraded 2 of 24 hours
    assert "Mais usado: @beta_bot (100 redirects em 24 h)" in card
    assert "Mais problemático: @beta_bot (24 h: falhas 1, quedas 1)" in card


async def test_stats_with_a_slug_shows_the_pool_and_a_bots_last_failures(control_bot):
    await seed(control_bot)
    card = await ask(control_bot, "/stats sales")
    assert "Redirects: 12 na última hora · 157 em 24 h" in card["text"]

    await control_bot.press(OPERATOR, card, "Falhas de @beta_bot")
    failures = (await control_bot.message(OPERATOR, card["message_id"]))["text"]
    assert "Últimas falhas de @beta_bot" in failures
    assert "sem resposta: timed out" in failures

    failures_screen = await control_bot.message(OPERATOR, card["message_id"])
    await control_bot.press(OPERATOR, failures_screen, "« Voltar ao pool")
    card = await control_bot.message(OPERATOR, card["message_id"])
    await control_bot.press(OPERATOR, card, "Falhas de @alpha_bot")
    clean = (await control_bot.message(OPERATOR, card["message_id"]))["text"]
    assert clean == "✅ @alpha_bot não tem nenhuma falha registrada."


async def test_stats_without_pools_points_to_newpool(control_bot):
    reply = await ask(control_bot, "/stats")
    assert reply["text"] == "Você ainda não tem pools. Crie um com /newpool."
    assert reply["keyboard"] == []


@pytest.mark.parametrize("slug", ["theirs", "nosuchpool"])
async def test_stats_for_another_operators_or_unknown_slug_is_not_found(control_bot, slug):
    await seed(control_bot)
    reply = await ask(control_bot, f"/stats {slug}")
    assert reply["text"] == "Pool não encontrado."


async def test_forged_stats_presses_naming_anothers_pool_or_bot_answer_not_found(control_bot):
    ids = await seed(control_bot)
    overview = await ask(control_bot, "/stats")
    their_pool = StatsCb(action=StatsAction.POOL, pool_id=ids["theirs"])
    their_bot = StatsCb(action=StatsAction.FAILURES, pool_id=ids["theirs"], bot_id=ids["their_bot"])
    for data in (their_pool, their_bot):
        forge(control_bot, OPERATOR, overview, data.pack())

    answer = await control_bot.press(OPERATOR, overview, their_pool)
    assert (answer["text"], answer["show_alert"]) == ("Pool não encontrado.", True)
    answer = await control_bot.press(OPERATOR, overview, their_bot)
    assert (answer["text"], answer["show_alert"]) == ("Bot não encontrado.", True)
    shown = await control_bot.message(OPERATOR, overview["message_id"])
    assert shown["text"] == overview["text"]
