"""The pool card shows the seed's dashboard: health bar and %, online/total, redirects in
the last hour, capacity used, the public link and one line per bot."""

from __future__ import annotations

import pytest

from storage.db import transaction
from storage.models import utcnow
from storage.repos import bots, counts, members, operators, pools
from tests.plugins.control_bot import OPERATOR, ControlBotDriver

BOTS = [
    ("inss_001", 418, 50.4),
    ("inss_002", 432, 45.0),
    ("inss_003", 0, None),
    ("inss_004", 397, 52.0),
]


async def seed_dashboard(driver: ControlBotDriver, language: str) -> None:
    """The seed's example: four bots, @inss_003 banned, 1,247 redirects this hour."""
    now = utcnow()
    async with transaction(driver.sessions) as session:
        await operators.get_or_create(session, OPERATOR, language)
        pool = await pools.create(session, OPERATOR, name="INSS_PRINCIPAL", slug="red1")
        increments = {}
        for index, (username, redirects, latency) in enumerate(BOTS):
            bot = await bots.register(
                session,
                driver.cipher,
                OPERATOR,
                telegram_id=9000 + index,
                username=username,
                token=f"{9000 + index}:{'A' * 35}",
            )
            bot.latency_ms = latency
            if username == "inss_003":
                bot.status = "banned"
            await members.add(session, OPERATOR, pool.id, bot.id, max_per_pool=10)
            if redirects:
                increments[(pool.id, bot.id, now)] = redirects
        await counts.add(session, increments)


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "pt-BR",
            [
                "📦 INSS_PRINCIPAL (red1) — 🟢 ATIVO",
                "Saúde: 75% ▰▰▰▰▰▰▰▰▱▱ (3/4 online)",
                "Tráfego: 1.247 redirects na última hora",
                "Capacidade: 1.247/6.750 por hora (18,5%)",
                "Link público: http://botpool.test/go/red1",
                "✅ @inss_001 │ 418 │ 50ms │ peso 1 · normal",
                "⛔ @inss_003 │ 0 │ -- │ peso 1 · normal │ banido",
            ],
        ),
        (
            "en",
            [
                "📦 INSS_PRINCIPAL (red1) — 🟢 ACTIVE",
                "Health: 75% ▰▰▰▰▰▰▰▰▱▱ (3/4 online)",
                "Traffic: 1,247 redirects in the last hour",
                "Capacity: 1,247/6,750 per hour (18.5%)",
                "Public link: http://botpool.test/go/red1",
                "✅ @inss_002 │ 432 │ 45ms │ weight 1 · normal",
                "⛔ @inss_003 │ 0 │ -- │ weight 1 · normal │ banned",
            ],
        ),
    ],
)
async def test_card_shows_the_seed_dashboard_figures(
    control_bot: ControlBotDriver, language: str, lines: list[str]
) -> None:
    await seed_dashboard(control_bot, language)
    sent = await control_bot.send(OPERATOR, "/pool red1")
    card = await control_bot.wait_reply(OPERATOR, "red1", after=sent)
    shown = card["text"].splitlines()
    for line in lines:
        assert line in shown
