"""How fast `botpool redirect` answers /healthz after start, and its memory at rest.

    .venv/bin/python bench/replica.py [--starts 3] [--rest-s 3] [--pools 0]

Each start spawns `botpool redirect` over one SQLite database in a temporary directory
(the first start creates the schema), polls /healthz every 10 ms from the moment the
process is spawned, and prints the time to the first 200. Then it waits `--rest-s`
seconds with no traffic and prints the process's resident memory (VmRSS and VmHWM,
the peak, from /proc: Linux only). One more start, not timed, runs under
`python -X importtime` to list what the replica imports: aiogram must not be in it,
nor Alembic once the schema is up to date. `--pools N` seeds N pools of ten bots
first, so that the routing table has something in it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BOTPOOL = Path(sys.executable).with_name("botpool")
OWNER = 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_kb(pid: int) -> dict[str, int]:
    figures = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            figures[name] = int(value.split()[0])
    return figures


async def seed(url: str, directory: Path, n_pools: int) -> None:
    from storage.crypto import cipher_for
    from storage.db import create_engine, create_sessions, transaction
    from storage.migrate import upgrade
    from storage.repos import bots, members, operators, pools

    engine = create_engine(url)
    try:
        await upgrade(engine)
        cipher = cipher_for(None, directory / "botpool.db")
        async with transaction(create_sessions(engine)) as session:
            await operators.get_or_create(session, OWNER)
            for p in range(n_pools):
                pool = await pools.create(session, OWNER, name=f"Pool {p}", slug=f"pool-{p}")
                for b in range(10):
                    telegram_id = 1_000_000 + p * 10 + b
                    bot = await bots.register(
                        session,
                        cipher,
                        OWNER,
                        telegram_id=telegram_id,
                        username=f"bench_{telegram_id}_bot",
                        token=f"{telegram_id}:{'A' * 35}",
                    )
                    await members.add(session, OWNER, pool.id, bot.id, max_per_pool=10)
    finally:
        await engine.dispose()


async def one_start(
    env: dict[str, str], directory: Path, rest_s: float, *, trace: bool = False
) -> dict[str, object]:
    port = free_port()
    env = {**env, "BOTPOOL_HTTP_PORT": str(port)}
    if trace:
        env["PYTHONPROFILEIMPORTTIME"] = "1"
    log = directory / f"stderr-{port}.txt"
    with log.open("w") as stderr:
        started = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            str(BOTPOOL),
            "redirect",
            env=env,
            cwd=directory,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=stderr,
        )
        try:
            healthz = None
            async with aiohttp.ClientSession() as http:
                deadline = started + 60
                while time.perf_counter() < deadline:
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                            if response.status == 200:
                                healthz = time.perf_counter() - started
                                break
                    except aiohttp.ClientError:
                        pass
                    if proc.returncode is not None:
                        raise SystemExit(f"botpool redirect exited with {proc.returncode}")
                    await asyncio.sleep(0.01)
            if healthz is None:
                raise SystemExit("no /healthz answer within 60 s")
            await asyncio.sleep(rest_s)
            memory = memory_kb(proc.pid)
        finally:
            proc.terminate()
            await asyncio.wait_for(proc.wait(), 10)
    imported = {
        line.rsplit("|", 1)[-1].strip()
        for line in log.read_text().splitlines()
        if line.startswith("import time:")
    }
    return {
        "healthz_s": healthz,
        "rss_mb": memory["VmRSS"] / 1024,
        "peak_mb": memory["VmHWM"] / 1024,
        "modules": imported,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--starts", type=int, default=3)
    parser.add_argument("--rest-s", type=float, default=3.0)
    parser.add_argument("--pools", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="botpool-bench-") as tmp:
        directory = Path(tmp)
        url = f"sqlite+aiosqlite:///{directory / 'botpool.db'}"
        if args.pools:
            await seed(url, directory, args.pools)
        env = {k: v for k, v in os.environ.items() if not k.startswith("BOTPOOL_")}
        env.update(BOTPOOL_DATABASE_URL=url, BOTPOOL_HTTP_HOST="127.0.0.1")
        print(f"botpool redirect over SQLite, {args.pools} pools of 10 bots, {os.cpu_count()} CPUs")
        runs = []
        for n in range(1, args.starts + 1):
            run = await one_start(env, directory, args.rest_s)
            runs.append(run)
            print(
                f"start {n}: /healthz after {run['healthz_s']:.2f} s; at rest after "
                f"{args.rest_s:g} s: RSS {run['rss_mb']:.1f} MB (peak {run['peak_mb']:.1f} MB)"
            )
        print(
            f"median: /healthz after {statistics.median(r['healthz_s'] for r in runs):.2f} s, "
            f"RSS at rest {statistics.median(r['rss_mb'] for r in runs):.1f} MB "
            f"(load average {os.getloadavg()[0]:.1f})"
        )
        modules = (await one_start(env, directory, 0, trace=True))["modules"]
        for name in ("aiogram", "alembic", "apscheduler", "bot_manager.runner"):
            loaded = any(m == name or m.startswith(name + ".") for m in modules)
            print(f"imports {name}: {'YES' if loaded else 'no'}")


if __name__ == "__main__":
    asyncio.run(main())
