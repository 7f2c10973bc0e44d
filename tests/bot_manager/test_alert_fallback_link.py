"""The alert of a pool with no bot left says where its leads go: to the pool's fallback
link when it has one, otherwise that every visit is failing."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from storage.db import transaction
from storage.models import Pool

OWNER = 7501
FALLBACK = "https://t.me/canal_reserva"


@pytest.mark.parametrize("language", ["en", "pt-BR"])
async def test_an_empty_pool_with_a_fallback_link_says_leads_go_there(monitor_world, language):
    world = monitor_world
    await world.operator(OWNER, language)
    fleet = [await world.bot(OWNER), await world.bot(OWNER)]
    pool_id = await world.pool(OWNER, "funil", fleet)
    async with transaction(world.sessions) as session:
        await session.execute(update(Pool).where(Pool.id == pool_id).values(fallback_url=FALLBACK))
    await world.bystanders(6)
    for bot in fleet:
        await world.client.ban(bot)

    await world.passes(world.settings.ban_after_failures + 1)

    (told,) = await world.alerts(OWNER)
    link = f"{world.settings.public_url}/go/funil"
    if language == "en":
        assert told.startswith("🆘 A pool has no bot left: its visits are going to the fallback")
        assert f"visits to {link} are going to the fallback link {FALLBACK}" in told
        assert "is failing" not in told
    else:
        assert told.startswith("🆘 Pool sem nenhum bot disponível: os acessos estão indo")
        assert f"os acessos a {link} estão indo para o link reserva {FALLBACK}" in told
        assert "falhando" not in told


async def test_an_empty_pool_without_one_still_says_every_visit_fails(monitor_world):
    world = monitor_world
    await world.operator(OWNER)
    fleet = [await world.bot(OWNER)]
    await world.pool(OWNER, "funil", fleet)
    await world.bystanders(6)
    await world.client.ban(fleet[0])

    await world.passes(world.settings.ban_after_failures + 1)

    (told,) = await world.alerts(OWNER)
    assert told.startswith("🆘 A pool has no bot left: every visit to its link is failing.")
    assert "fallback" not in told
