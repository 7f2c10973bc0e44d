"""How long a traffic chart of 50 bots x 7 days takes, and what it costs /go meanwhile.

    .venv/bin/python bench/charts.py [--bots 50] [--days 7] [--renders 5] [--requests 2000]

A temporary SQLite database holds one pool of `--bots` online bots with a count in
every hour of `--days` days, and a few incidents. Printed:

1. the chart's query (storage.repos.reports.traffic) and its render
   (bot_manager.charts.render, in a worker thread), each `--renders` times;
2. /go latency from the real create_app served on 127.0.0.1 (port from the OS) in
   this same event loop, as `botpool run` serves it beside the control bot:
   `--requests` sequential GETs with nothing else running, then GETs for as long as
   `--renders` charts are drawn one after another: in worker threads (the way the
   control bot draws them), with the chart's query before each (the handler's whole
   path), and *on the loop* (what the worker thread prevents), for comparison.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402

from bot_manager import charts  # noqa: E402
from bot_manager.views.reports import chart_texts  # noqa: E402
from core import reports  # noqa: E402
from core.domain import BotStatus  # noqa: E402
from core.health import StatusChange  # noqa: E402
from core.settings import load_settings  # noqa: E402
from redirect_server.app import create_app, serve  # noqa: E402
from storage.crypto import cipher_for  # noqa: E402
from storage.db import create_engine, create_sessions, sqlite_path, transaction  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import utcnow  # noqa: E402
from storage.repos import bots, counts, history, members, pools  # noqa: E402
from storage.repos import reports as repo  # noqa: E402

OWNER = 1
SLUG = "bench"
MAX_EXTRA_REQUESTS = 100_000  # bound on the "while rendering" loops


async def seed(sessions, cipher, n_bots: int, hours: int) -> int:
    rng = random.Random(18)
    now = counts.hour_of(utcnow())
    async with transaction(sessions) as session:
        pool = await pools.create(session, OWNER, name="Bench", slug=SLUG)
        ids = []
        for i in range(n_bots):
            bot = await bots.register(
                session,
                cipher,
                OWNER,
                telegram_id=10_000 + i,
                username=f"funnel_{i:02d}_bot",
                token=f"{10_000 + i}:AAbench",
                status=BotStatus.ONLINE,
            )
            bot.created_at = now - timedelta(days=30)
            await members.add(session, OWNER, pool.id, bot.id, max_per_pool=n_bots)
            ids.append(bot.id)
        increments = {
            (pool.id, bot_id, now - h * reports.HOUR): rng.randint(5, 60)
            for bot_id in ids
            for h in range(hours)
        }
        await counts.add(session, increments)
        for k, bot_id in enumerate(ids[:6]):
            at = now - (10 + 20 * k) * reports.HOUR
            history.record(
                session, bot_id, at, [StatusChange(BotStatus.ONLINE, BotStatus.OFFLINE)], None
            )
            history.record(
                session,
                bot_id,
                at + 2 * reports.HOUR,
                [StatusChange(BotStatus.OFFLINE, BotStatus.ONLINE)],
                None,
            )
        return pool.id


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return f"n={len(values)}  p50={p(0.50):.2f} ms  p99={p(0.99):.2f} ms  max={ordered[-1]:.2f} ms"


async def go_latencies(session: aiohttp.ClientSession, url: str, until, limit: int) -> list[float]:
    """Sequential GET /go until `until()` is true (or `limit` requests); milliseconds."""
    out = []
    while not until() and len(out) < limit:
        started = time.perf_counter()
        async with session.get(url, allow_redirects=False) as response:
            await response.read()
            assert response.status == 302, response.status
        out.append((time.perf_counter() - started) * 1000)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bots", type=int, default=50)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--renders", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    hours = args.days * 24

    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        settings = load_settings(database_url=db_url, rate_limit_per_min=0)
        engine = create_engine(db_url)
        await upgrade(engine)
        sessions = create_sessions(engine)
        cipher = cipher_for(None, sqlite_path(db_url))
        pool_id = await seed(sessions, cipher, args.bots, hours)
        start, _end = reports.recent_range(hours, utcnow())
        tz = reports.zone("America/Sao_Paulo")

        async def chart_data():
            async with sessions() as session:
                pool = await pools.get_owned(session, OWNER, pool_id)
                series = await repo.traffic(session, pool, start, hours, 2250, reports.CHART_BOTS)
            return series, chart_texts("en", pool, hours)

        series, texts = await chart_data()  # warm up: imports, font cache
        png = await charts.render(series, texts, tz)
        print(
            f"chart: {args.bots} bots x {args.days} days = {hours} hours, "
            f"{len(png):,} bytes PNG, {charts.CHART_SIZE[0]}x{charts.CHART_SIZE[1]} px"
        )

        query_ms, render_ms = [], []
        for _ in range(args.renders):
            t0 = time.perf_counter()
            series, texts = await chart_data()
            t1 = time.perf_counter()
            await charts.render(series, texts, tz)
            t2 = time.perf_counter()
            query_ms.append((t1 - t0) * 1000)
            render_ms.append((t2 - t1) * 1000)
        print(
            f"query  (repos.reports.traffic): median {statistics.median(query_ms):7.1f} ms  "
            f"min {min(query_ms):.1f}  max {max(query_ms):.1f}"
        )
        print(
            f"render (worker thread)        : median {statistics.median(render_ms):7.1f} ms  "
            f"min {min(render_ms):.1f}  max {max(render_ms):.1f}"
        )

        app = create_app(settings, sessions, cipher)
        runner = await serve(app, "127.0.0.1", 0, shutdown_timeout=2)
        host, port = runner.addresses[0][:2]
        url = f"http://{host}:{port}/go/{SLUG}"
        try:
            async with aiohttp.ClientSession() as client:
                await go_latencies(client, url, lambda: False, 200)  # warm up
                idle = await go_latencies(client, url, lambda: False, args.requests)
                print(f"/go idle                                 : {summary(idle)}")

                async def draw(mode: str) -> None:
                    data, words = series, texts
                    for _ in range(args.renders):
                        if mode == "query+thread":
                            data, words = await chart_data()
                        if mode == "loop":
                            charts.render_sync(data, words, tz)
                        else:
                            await charts.render(data, words, tz)
                        await asyncio.sleep(0)

                for mode, label in (
                    ("thread", "render in a worker thread    "),
                    ("query+thread", "query + render (the handler) "),
                    ("loop", "render ON THE LOOP (avoided) "),
                ):
                    task = asyncio.create_task(draw(mode))
                    busy = await go_latencies(client, url, task.done, MAX_EXTRA_REQUESTS)
                    await task
                    print(f"/go during {label}: {summary(busy)}")
        finally:
            await runner.cleanup()
            await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
