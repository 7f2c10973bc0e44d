"""/healthz and /metrics (behind a token, on a listener of its own)."""

from __future__ import annotations

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from core.domain import BotStatus
from redirect_server import keys
from redirect_server.keys import METRICS_LISTENER


async def scrape(client) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with client.get("/metrics") as response:
        assert response.status == 200
        assert response.content_type == "text/plain"
        text = await response.text()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_healthz_answers_ok(start_client):
    client = await start_client()
    async with client.get("/healthz") as response:
        assert response.status == 200
        assert await response.json() == {"status": "ok"}


async def test_metrics_show_redirects_by_pool_and_bot_errors_and_bots_by_status(seed, start_client):
    pool = await seed.pool("promo", ("a_bot", "b_bot", "c_bot"))
    await seed.set_status(pool.bot_ids["c_bot"], BotStatus.BANNED)
    client = await start_client()
    for path in ["/go/promo"] * 3 + ["/go/nope"]:
        async with client.get(path, allow_redirects=False):
            pass
    async with client.head("/go/promo", allow_redirects=False):
        pass
    samples = await scrape(client)
    assert samples[("botpool_redirects_total", (("bot", "a_bot"), ("pool", "promo")))] == 2
    assert samples[("botpool_redirects_total", (("bot", "b_bot"), ("pool", "promo")))] == 1
    assert samples[("botpool_go_errors_total", (("code", "404"),))] == 1
    assert samples[("botpool_go_errors_total", (("code", "503"),))] == 0
    assert samples[("botpool_go_previews_total", ())] == 1
    assert samples[("botpool_go_request_duration_seconds_count", ())] == 5
    assert samples[("botpool_bots", (("status", "online"),))] == 2
    assert samples[("botpool_bots", (("status", "banned"),))] == 1


async def test_each_app_has_its_own_metrics(seed, start_client):
    await seed.pool("promo", ("a_bot",))
    busy, idle = await start_client(), await start_client()
    async with busy.get("/go/promo", allow_redirects=False):
        pass
    assert ("botpool_redirects_total", (("bot", "a_bot"), ("pool", "promo"))) in await scrape(busy)
    assert not any(name == "botpool_redirects_total" for name, _ in await scrape(idle))


async def test_metrics_drop_the_series_of_deleted_pools_and_removed_members(seed, start_client):
    kept = await seed.pool("kept", ("a_bot", "b_bot"))
    gone = await seed.pool("gone", ("c_bot",))
    client = await start_client()
    for path in ["/go/kept", "/go/kept", "/go/gone"]:
        async with client.get(path, allow_redirects=False):
            pass
    assert ("botpool_redirects_total", (("bot", "c_bot"), ("pool", "gone"))) in await scrape(client)

    await seed.delete_pool(gone.pool_id)
    await seed.remove_member(kept.pool_id, kept.bot_ids["b_bot"])
    await client.app[keys.ROUTING].refresh()
    redirects = {
        labels: value
        for (name, labels), value in (await scrape(client)).items()
        if name == "botpool_redirects_total"
    }

    assert redirects == {(("bot", "a_bot"), ("pool", "kept")): 1}
    assert set(client.app[keys.ROUTING].labels) == {(kept.pool_id, kept.bot_ids["a_bot"])}


async def test_with_a_metrics_token_metrics_answer_401_to_anyone_without_it(settings, start_client):
    client = await start_client(settings=settings.model_copy(update={"metrics_token": "s3cret"}))
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
        async with client.get("/metrics", headers=headers) as response:
            assert response.status == 401
            assert response.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
            assert (await response.json())["error"]["code"] == "unauthorized"
            assert "botpool_" not in await response.text()
    async with client.get("/metrics", headers={"Authorization": "Bearer s3cret"}) as response:
        assert response.status == 200
        assert "botpool_go_errors_total" in await response.text()


async def test_with_a_metrics_port_metrics_are_served_there_and_not_on_the_public_listener(
    seed, settings, start_client
):
    await seed.pool("promo", ("a_bot",))
    update = {"metrics_port": 0, "metrics_token": "s3cret"}
    client = await start_client(settings=settings.model_copy(update=update))
    async with client.get("/go/promo", allow_redirects=False):
        pass
    async with client.get("/metrics", headers={"Authorization": "Bearer s3cret"}) as response:
        assert response.status == 404

    port = client.app[METRICS_LISTENER].port
    assert port is not None and port != client.port
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as metrics:
        async with metrics.get("/metrics") as response:
            assert response.status == 401
        bearer = {"Authorization": "Bearer s3cret"}
        async with metrics.get("/metrics", headers=bearer) as response:
            assert response.status == 200
            assert response.headers["Server"] == "botpool"
            text = await response.text()
    assert 'botpool_redirects_total{bot="a_bot",pool="promo"} 1.0' in text
