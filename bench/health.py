"""How long one health pass takes over many bots.

    .venv/bin/python bench/health.py [--bots 1000] [--delay-ms 100] [--concurrency 50]
                                     [--passes 3] [--loop asyncio|uvloop] [--in-process]

The sandbox runs as a separate process by default (`python -m sandbox`), so that its
1,000 slow getMe answers do not share the monitor's CPU; `--in-process` runs it on the
monitor's own loop instead. Every bot answers getMe after `--delay-ms`. The bots are
registered in a temporary SQLite database (one operator, pools of ten bots) and one
HealthMonitor probes them through aiogram with the given concurrency.

Printed: each full pass (probes, then the one transaction that stores states, history
and pool levels), the probes alone (the same getMe calls through the same Prober,
without the monitor), the floor bots / concurrency × delay, and aiogram's cost of one
getMe to a bot that answers at once, sequentially and with `--concurrency` in flight.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402

from bot_manager.monitor import HealthMonitor  # noqa: E402
from bot_manager.probe import Prober  # noqa: E402
from core.health import ProbeKind  # noqa: E402
from core.settings import load_settings  # noqa: E402
from sandbox import SandboxBot, SandboxClient, run_sandbox  # noqa: E402
from storage.crypto import TokenCipher  # noqa: E402
from storage.db import create_engine, create_sessions, transaction  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.repos import bots, members, operators, pools  # noqa: E402

OWNER = 1
POOL_SIZE = 10


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def sandbox_process() -> AsyncIterator[str]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox",
        "--port",
        str(port),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                await writer.wait_closed()
                break
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("the sandbox did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        await process.wait()


@contextlib.asynccontextmanager
async def sandbox_url(in_process: bool) -> AsyncIterator[str]:
    if in_process:
        async with run_sandbox() as running:
            yield running.url
    else:
        async with sandbox_process() as url:
            yield url


async def make_bots(client: SandboxClient, count: int, delay_ms: int) -> list[SandboxBot]:
    fleet = await client.create_bots(count)
    for start in range(0, count, 100):
        await asyncio.gather(
            *(client.slow(bot, delay_ms, methods=["getMe"]) for bot in fleet[start : start + 100])
        )
    return fleet


async def register(sessions, cipher, fleet: list[SandboxBot]) -> None:  # type: ignore[no-untyped-def]
    async with transaction(sessions) as session:
        await operators.get_or_create(session, OWNER, "en")
        ids = [
            (
                await bots.register(
                    session,
                    cipher,
                    OWNER,
                    telegram_id=bot.id,
                    username=bot.username,
                    token=bot.token,
                )
            ).id
            for bot in fleet
        ]
        for number, start in enumerate(range(0, len(ids), POOL_SIZE)):
            pool = await pools.create(session, OWNER, name=f"Pool {number}", slug=f"p{number}")
            for bot_id in ids[start : start + POOL_SIZE]:
                await members.add(session, OWNER, pool.id, bot_id, max_per_pool=POOL_SIZE)


async def probes_alone(prober: Prober, tokens: list[str], concurrency: int) -> float:
    semaphore = asyncio.Semaphore(concurrency)

    async def one(token: str) -> None:
        async with semaphore:
            await prober.probe(token)

    started = time.perf_counter()
    await asyncio.gather(*(one(token) for token in tokens))
    return time.perf_counter() - started


async def getme_cost(
    client: SandboxClient, prober: Prober, concurrency: int
) -> tuple[float, float]:
    """Milliseconds per getMe to a bot that answers at once: one at a time, then with
    `concurrency` in flight (wall time / calls)."""
    quick = await client.create_bot()
    for _ in range(20):
        await prober.probe(quick.token)
    calls = 300
    started = time.perf_counter()
    for _ in range(calls):
        await prober.probe(quick.token)
    sequential = (time.perf_counter() - started) * 1000 / calls
    elapsed = await probes_alone(prober, [quick.token] * 2000, concurrency)
    return sequential, elapsed * 1000 / 2000


async def main(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url_db = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        async with sandbox_url(args.in_process) as api_url:
            settings = load_settings(
                database_url=url_db,
                telegram_api_url=api_url,
                health_concurrency=args.concurrency,
                secret_key=Fernet.generate_key().decode(),
            )
            engine = create_engine(settings.database_url)
            await upgrade(engine)
            sessions = create_sessions(engine)
            cipher = TokenCipher(settings.secret_key)  # type: ignore[arg-type]
            prober = Prober(api_url, settings.health_timeout_s)
            try:
                async with SandboxClient(api_url) as client:
                    fleet = await make_bots(client, args.bots, args.delay_ms)
                    await register(sessions, cipher, fleet)
                    monitor = HealthMonitor(settings, sessions, cipher, prober, None, None)
                    where = "in this process" if args.in_process else "in a separate process"
                    print(
                        f"{args.bots} bots answering getMe after {args.delay_ms} ms, sandbox "
                        f"{where}, concurrency {args.concurrency}, loop {args.loop}"
                    )
                    durations = []
                    for number in range(1, args.passes + 1):
                        report = await monitor.run_pass()
                        assert report.probed == args.bots, report.probed
                        failed = [r for r in report.results if r.outcome.kind is not ProbeKind.OK]
                        assert not failed, f"{len(failed)} probes failed: {failed[0].outcome}"
                        durations.append(report.duration_s)
                        print(
                            f"  pass {number}: {report.duration_s:.2f} s "
                            f"(probes {report.probes_s:.2f} s, DB write {report.store_s:.2f} s)"
                        )
                    alone = await probes_alone(
                        prober, [bot.token for bot in fleet], args.concurrency
                    )
                    floor = args.bots / args.concurrency * args.delay_ms / 1000
                    print(f"  median pass: {statistics.median(durations):.2f} s")
                    print(f"  probes alone (same calls, no monitor): {alone:.2f} s")
                    print(
                        f"  floor {args.bots}/{args.concurrency} x {args.delay_ms} ms: {floor:.2f}s"
                    )
                    sequential, parallel = await getme_cost(client, prober, args.concurrency)
                    print(
                        f"  aiogram getMe to an instant bot: {sequential:.2f} ms one at a time, "
                        f"{parallel:.2f} ms/call with {args.concurrency} in flight"
                    )
            finally:
                await prober.close()
                await engine.dispose()


def cli() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bots", type=int, default=1000)
    parser.add_argument("--delay-ms", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--passes", type=int, default=3)
    parser.add_argument("--loop", choices=["asyncio", "uvloop"], default="asyncio")
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    os.environ.pop("BOTPOOL_SECRET_KEY", None)
    if args.loop == "uvloop":
        import uvloop

        uvloop.run(main(args))
    else:
        asyncio.run(main(args))


if __name__ == "__main__":
    cli()
