"""/stats through the real control bot: returning leads counted apart, leads sent to the
fallback link and leads left unserved (503), and the pool's campaigns per UTC day. The
counts are written into their tables as /go's counter writes them."""

from __future__ import annotations

import pytest
from sqlalchemy import insert

from bot_manager.keyboards.callback_data import StatsAction, StatsCb
from storage.db import transaction
from storage.models import CampaignCount, OutcomeCount, RedirectCount, utcnow
from storage.repos import bots, counts, members, operators, pools
from storage.repos.campaigns import FALLBACK_LINK, OTHER, UNSERVED
from tests.bot_manager.test_stats_conversation import forge
from tests.plugins.control_bot import OPERATOR, ControlBotDriver
from tests.plugins.control_bot import OTHER as OTHER_OPERATOR


async def seed(driver: ControlBotDriver, language: str) -> int:
    """OPERATOR's pool red1 (one bot) with this hour's leads: 40 redirects of which 15
    returning, 7 to the fallback link, 3 unserved; campaigns today. The pool's id."""
    hour = counts.hour_of(utcnow())
    async with transaction(driver.sessions) as session:
        await operators.get_or_create(session, OPERATOR, language)
        pool = await pools.create(session, OPERATOR, name="Red", slug="red1")
        bot = await bots.register(
            session, driver.cipher, OPERATOR, telegram_id=81, username="alpha_bot",
            token=f"81:{'B' * 35}",
        )  # fmt: skip
        await members.add(session, OPERATOR, pool.id, bot.id, max_per_pool=10)
        await session.execute(
            insert(RedirectCount),
            [{"pool_id": pool.id, "bot_id": bot.id, "hour": hour, "count": 40,
              "returning_leads": 15}],
        )  # fmt: skip
        await session.execute(
            insert(OutcomeCount),
            [
                {"pool_id": pool.id, "hour": hour, "outcome": FALLBACK_LINK, "count": 7},
                {"pool_id": pool.id, "hour": hour, "outcome": UNSERVED, "count": 3},
            ],
        )
        campaigns = [("camp_x", 12), ("camp_y", 5)] + [(f"c{n:02}", 1) for n in range(12)]
        await session.execute(
            insert(CampaignCount),
            [{"pool_id": pool.id, "hour": hour, "campaign": c, "count": n} for c, n in campaigns]
            + [{"pool_id": pool.id, "hour": hour, "campaign": OTHER, "count": 2}],
        )
        return pool.id


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "pt-BR",
            [
                "↩️ Leads que voltaram: 15 na última hora · 15 em 24 h",
                "🔗 Para o link reserva: 7 na última hora · 7 em 24 h",
                "🚫 Sem atendimento (503): 3 na última hora · 3 em 24 h",
            ],
        ),
        (
            "en",
            [
                "↩️ Returning leads: 15 in the last hour · 15 in 24 h",
                "🔗 Sent to the fallback link: 7 in the last hour · 7 in 24 h",
                "🚫 Unserved (503): 3 in the last hour · 3 in 24 h",
            ],
        ),
    ],
)
async def test_pool_stats_count_returning_fallback_link_and_unserved_leads(
    control_bot: ControlBotDriver, language: str, lines: list[str]
) -> None:
    await seed(control_bot, language)

    sent = await control_bot.send(OPERATOR, "/stats red1")
    shown = (await control_bot.wait_reply(OPERATOR, "red1", after=sent))["text"].splitlines()

    for line in lines:
        assert line in shown
    sent = await control_bot.send(OPERATOR, "/stats")
    overview = await control_bot.wait_reply(OPERATOR, "red1", after=sent)
    assert "15" in overview["text"] and "503 3" in overview["text"]


@pytest.mark.parametrize(
    ("language", "button", "expected", "other"),
    [
        ("pt-BR", "Campanhas", ["    camp_x: 12", "    camp_y: 5"], "    outras: 6"),
        ("en", "Campaigns", ["    camp_x: 12", "    camp_y: 5"], "    other: 6"),
    ],
)
async def test_the_campaigns_view_shows_todays_top_campaigns_and_other(
    control_bot: ControlBotDriver, language: str, button: str, expected: list[str], other: str
) -> None:
    await seed(control_bot, language)
    sent = await control_bot.send(OPERATOR, "/stats red1")
    stats = await control_bot.wait_reply(OPERATOR, "red1", after=sent)

    view = await control_bot.tap(OPERATOR, stats, button)

    shown = view["text"].splitlines()
    today = utcnow().date().isoformat()
    assert f"{today}: 31 lead(s)" in shown  # 12 + 5 + 12 x 1 + 2 counted as other
    day = shown.index(f"{today}: 31 lead(s)")
    assert shown[day + 1 : day + 3] == expected
    # Ten campaigns are shown per day: c08..c11 and the counter's 2 add up as other.
    assert other in shown
    assert sum(1 for line in shown if line.startswith("    c")) == 10  # camp_x, camp_y, c00..c07


async def test_campaigns_of_another_operators_pool_are_not_shown(
    control_bot: ControlBotDriver,
) -> None:
    pool_id = await seed(control_bot, "en")
    async with transaction(control_bot.sessions) as session:
        await operators.get_or_create(session, OTHER_OPERATOR, "en")
        await pools.create(session, OTHER_OPERATOR, name="Theirs", slug="theirs")
    sent = await control_bot.send(OTHER_OPERATOR, "/stats")
    screen = await control_bot.wait_reply(OTHER_OPERATOR, after=sent)
    forged = StatsCb(action=StatsAction.CAMPAIGNS, pool_id=pool_id)
    forge(control_bot, OTHER_OPERATOR, screen, forged.pack())

    answered = await control_bot.press(OTHER_OPERATOR, screen, "forged")

    assert answered["text"] == "Pool not found."
    assert answered["show_alert"] is True
    texts = await control_bot.sent_texts(OTHER_OPERATOR)
    assert not any("camp_x" in text for text in texts)


async def test_no_campaigns_yet_says_how_to_get_them(control_bot: ControlBotDriver) -> None:
    async with transaction(control_bot.sessions) as session:
        await operators.get_or_create(session, OPERATOR, "en")
        await pools.create(session, OPERATOR, name="Empty", slug="empty")
    sent = await control_bot.send(OPERATOR, "/stats empty")
    stats = await control_bot.wait_reply(OPERATOR, "empty", after=sent)

    view = await control_bot.tap(OPERATOR, stats, "Campaigns")

    assert "?start=campaign_name" in view["text"]
    assert "No campaigns in the last 7 days" in view["text"]
