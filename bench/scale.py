"""A large fleet (issue 16): N pools of five members drawn from N bots, served by a real
`botpool run` and a `botpool redirect` replica, measured from outside over HTTP.

    .venv/bin/python bench/scale.py [--pools 400 2000 10000] [--engine sqlite|postgres]
                                    [--seconds 60] [--database-url URL]
                                    [--go-on run|replica] [--monitor-apart]
                                    [--keep-logs DIR]
    bash .ci/with-postgres .venv/bin/python bench/scale.py --engine postgres

For each N: a sandbox (`python -m sandbox`, its own process) holds N bots whose getMe
answers after 100 ms (one bulk fault) and a control bot. The installation is seeded
in transactions of 1,000 rows, as the repositories store them but in bulk INSERTs (the
repositories read every row back: 50,000 members one by one take minutes); pool i has
the bots i, i+N/5, ..., i+4N/5 (mod N), so each bot is in five pools. A fresh SQLite
file, or a fresh PostgreSQL database made beside BOTPOOL_TEST_DATABASE_URL's.

Then `botpool run` and `botpool redirect` (through bench/scale_proc.py, which adds an
event-loop lag probe and a log line per health pass, without touching /go) start on it
with the shipped settings (health pass every 15 s, 50 probes in flight), except the rate
limit, off, since all traffic comes from 127.0.0.1. For `--seconds`, at once:

- /go load: a separate process sends 500 req/s open-loop (each request at its scheduled
  time whatever the answers, so a stall is not hidden; latency counted from the
  scheduled time) to random pools of `botpool run` (with --go-on replica, of the
  replica, which runs no health monitor), over up to 200 keep-alive connections;
- changes: every second a pool is paused or resumed through the REST API, and /go on
  the server and on the replica is polled every 2 ms until it answers accordingly
  (time counted from the moment the PATCH was sent);
- health passes: 1 % of the bots fail getMe (502) from the start, another 1 % instead
  from half time, so every pass stores changes; a ban: one bot is banned in the sandbox,
  and its pools' /go are polled every 10 ms to see when it last got a lead after the
  sandbox received the getMe that saw the ban;
- a writer: a small transaction (the operator's language) every 50 ms from this
  process, each timed from BEGIN to commit (on SQLite it waits for the write lock).

--monitor-apart, an experiment: the health monitor runs in a process of its own
(`scale_proc.py monitor`) and `botpool run` runs none, to measure what splitting it
out of `botpool run` would give before building it.

After it: REST API member adds (five more bots to each of the first pools) by ten
concurrent clients, 1,000 of them or as many as 20 s allow. RSS of both processes from
/proc, and the CPU every process used during the load (the machine's cores are shared by
all of them). One table per engine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

SELF = Path(__file__).resolve()
ROOT = SELF.parent.parent
sys.path.insert(0, str(ROOT))

OWNER = 1
MEMBERS = 5
CHUNK = 1000
SLOW_MS = 100
RATE = 500
WRITER_EVERY_S = 0.05
CHANGE_EVERY_S = 1.0
POLL_S = 0.002
SEEN_LIMIT_S = 5.0
FAILING_SHARE = 0.01
ADDS = 1000
ADD_CLIENTS = 10
ADDS_LIMIT_S = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def cpu_s(pid: int) -> float:
    """CPU time (user + system) a process has used so far, from /proc (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


# The paced /go client, run as its own process: `scale.py _paced URL N RATE SECONDS`


async def paced(base: str, n_pools: int, rate: int, seconds: float) -> dict[str, Any]:
    clock = time.perf_counter  # not loop.time(): uvloop counts whole milliseconds
    connector = aiohttp.TCPConnector(limit=200)
    from_schedule: list[float] = []
    from_send: list[float] = []
    statuses: Counter[str] = Counter()
    lateness = 0.0
    cpu_started = time.process_time()
    headers = {"User-Agent": "Mozilla/5.0 (bench) Chrome/124.0"}
    async with aiohttp.ClientSession(connector=connector) as http:

        async def one(at: float, slug: str) -> None:
            start = clock()
            try:
                async with http.get(
                    f"{base}/go/{slug}", allow_redirects=False, headers=headers
                ) as response:
                    await response.read()
                    statuses[str(response.status)] += 1
            except Exception as exc:
                statuses[type(exc).__name__] += 1
                return
            end = clock()
            from_schedule.append(end - at)
            from_send.append(end - start)

        tasks: set[asyncio.Task[None]] = set()
        t0 = clock() + 0.1
        for i in range(int(rate * seconds)):
            at = t0 + i / rate
            delay = at - clock()
            if delay > 0:
                await asyncio.sleep(delay)
            else:
                lateness = max(lateness, -delay)
            task = asyncio.create_task(one(at, f"pool-{random.randrange(n_pools)}"))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        await asyncio.gather(*tasks)
    ms = 1000
    return {
        "requests": len(from_schedule),
        "statuses": dict(statuses),
        "p50_ms": pct(from_schedule, 0.50) * ms,
        "p99_ms": pct(from_schedule, 0.99) * ms,
        "max_ms": max(from_schedule, default=float("nan")) * ms,
        "send_p99_ms": pct(from_send, 0.99) * ms,
        "send_max_ms": max(from_send, default=float("nan")) * ms,
        "client_late_ms": lateness * ms,
        "cpu_s": time.process_time() - cpu_started,
    }


# Database and seeding


@contextlib.asynccontextmanager
async def database(engine_name: str, base_url: str | None, tmp: Path, n: int) -> AsyncIterator[str]:
    if engine_name == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / f'scale-{n}.db'}"
        return
    import asyncpg
    from sqlalchemy.engine import make_url

    if not base_url:
        raise SystemExit("postgres: set BOTPOOL_TEST_DATABASE_URL or pass --database-url")
    url = make_url(base_url)
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"botpool_scale_{n}_{os.getpid()}"
    connection = await asyncpg.connect(admin)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        connection = await asyncpg.connect(admin)
        try:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await connection.close()


@dataclass
class Fleet:
    """What the bench knows of the installation it seeded."""

    pool_ids: list[int]  # by index i: the pool slugged pool-i
    bot_ids: list[int]  # by index j: the database id of sandbox bot j
    usernames: list[str]
    members: list[list[int]]  # pool index -> bot indexes
    api_key: str = ""
    seed_s: float = 0.0


def member_indexes(i: int, n: int) -> list[int]:
    stride = max(1, n // MEMBERS)
    return [(i + k * stride) % n for k in range(MEMBERS)]


async def seed(url: str, secret_key: str, sandbox_bots: list[Any]) -> Fleet:
    """Bots, pools and members as bots.register, pools.create and members.add store them,
    but in bulk INSERTs of CHUNK rows (those repositories read each row back, which makes
    50,000 members take minutes); the operator and the API key through the repositories."""
    from sqlalchemy import insert

    from core.domain import BotStatus
    from storage.crypto import TokenCipher
    from storage.db import create_engine, create_sessions, transaction
    from storage.migrate import upgrade
    from storage.models import Bot, Member, Pool, utcnow
    from storage.repos import apikeys, operators

    n = len(sandbox_bots)
    started = time.perf_counter()
    engine = create_engine(url)
    try:
        await upgrade(engine)
        sessions = create_sessions(engine)
        cipher = TokenCipher(secret_key)
        fleet = Fleet([], [], [], [member_indexes(i, n) for i in range(n)])
        async with transaction(sessions) as session:
            await operators.get_or_create(session, OWNER, "en")
            _row, fleet.api_key = await apikeys.create(session, OWNER, "bench")
        for start in range(0, n, CHUNK):
            now = utcnow()
            chunk = sandbox_bots[start : start + CHUNK]
            rows = [
                {
                    "owner_id": OWNER,
                    "telegram_id": bot.id,
                    "username": bot.username,
                    "token_encrypted": cipher.encrypt(bot.token),
                    "status": BotStatus.ONLINE.value,
                    "last_check": now,
                }
                for bot in chunk
            ]
            async with transaction(sessions) as session:
                statement = insert(Bot).returning(Bot.id, sort_by_parameter_order=True)
                fleet.bot_ids += list(await session.scalars(statement, rows))
            fleet.usernames += [bot.username for bot in chunk]
        for start in range(0, n, CHUNK):
            indexes = range(start, min(n, start + CHUNK))
            rows = [{"owner_id": OWNER, "name": f"Pool {i}", "slug": f"pool-{i}"} for i in indexes]
            async with transaction(sessions) as session:
                statement = insert(Pool).returning(Pool.id, sort_by_parameter_order=True)
                fleet.pool_ids += list(await session.scalars(statement, rows))
                now = utcnow()
                members = [
                    {
                        "pool_id": fleet.pool_ids[i],
                        "bot_id": fleet.bot_ids[j],
                        "weight": 1,
                        "priority": 0,
                        "is_enabled": True,
                        "added_at": now,
                    }
                    for i in indexes
                    for j in fleet.members[i]
                ]
                await session.execute(insert(Member), members)
    finally:
        await engine.dispose()
    fleet.seed_s = time.perf_counter() - started
    return fleet


# Processes


@dataclass
class Proc:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    url: str

    def lines(self, tag: str, fields: int) -> list[list[float]]:
        """The probes' lines `tag` with `fields` numbers (a line the watchdog's output cut
        in two is skipped)."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            parts = line.split()
            if parts[:1] == [tag] and len(parts) == fields + 1:
                with contextlib.suppress(ValueError):
                    found.append([float(part) for part in parts[1:]])
        return found


def spawn(args: list[str], env: dict[str, str], log: Path, url: str, name: str) -> Proc:
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            args,
            env=env,
            cwd=log.parent,
            stdin=subprocess.DEVNULL,
            stdout=stderr,
            stderr=stderr,
            start_new_session=True,
        )
    return Proc(name, process, log, url)


def stop(proc: Proc) -> None:
    if proc.process.poll() is None:
        proc.process.send_signal(signal.SIGTERM)
        try:
            proc.process.wait(20)
        except subprocess.TimeoutExpired:
            proc.process.kill()
            proc.process.wait(5)


async def wait_until(http: aiohttp.ClientSession, url: str, proc: Proc, limit_s: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < limit_s:
        if proc.process.poll() is not None:
            tail = proc.log.read_text(errors="replace")[-2000:]
            raise SystemExit(f"{proc.name} exited with {proc.process.returncode}:\n{tail}")
        with contextlib.suppress(aiohttp.ClientError, OSError):
            async with http.get(url, allow_redirects=False) as response:
                if response.status == 302:
                    return time.perf_counter() - started
        await asyncio.sleep(0.05)
    raise SystemExit(f"{proc.name}: no 302 from {url} within {limit_s:.0f} s")


# The measured phase


@dataclass
class Figures:
    changes_local: list[float] = field(default_factory=list)
    changes_replica: list[float] = field(default_factory=list)
    change_api: list[float] = field(default_factory=list)
    change_misses: int = 0
    writer_busy: int = 0
    writes: list[tuple[float, float]] = field(default_factory=list)  # (start unix, seconds)
    failover_s: float | None = None
    failover_note: str = ""
    rss: dict[str, float] = field(default_factory=dict)


async def go_status(http: aiohttp.ClientSession, base: str, slug: str) -> tuple[int, str]:
    async with http.get(f"{base}/go/{slug}", allow_redirects=False) as response:
        await response.read()
        return response.status, response.headers.get("Location", "")


async def seen_after(
    http: aiohttp.ClientSession, base: str, slug: str, want: int, since: float
) -> float | None:
    while time.perf_counter() - since < SEEN_LIMIT_S:
        status, _ = await go_status(http, base, slug)
        if status == want:
            return time.perf_counter() - since
        await asyncio.sleep(POLL_S)
    return None


async def changer(
    http: aiohttp.ClientSession,
    server: Proc,
    replica: Proc,
    fleet: Fleet,
    pool_indexes: list[int],
    figures: Figures,
    until: float,
) -> None:
    auth = {"Authorization": f"Bearer {fleet.api_key}"}
    active = dict.fromkeys(pool_indexes, True)
    turn = 0
    while time.perf_counter() < until - SEEN_LIMIT_S:
        i = pool_indexes[turn % len(pool_indexes)]
        turn += 1
        active[i] = not active[i]
        want = 302 if active[i] else 404
        url = f"{server.url}/api/redirect-pools/{fleet.pool_ids[i]}"
        sent = time.perf_counter()

        async def patch(url: str = url, value: bool = active[i], sent: float = sent) -> float:
            async with http.patch(url, json={"is_active": value}, headers=auth) as response:
                await response.read()
                if response.status != 200:
                    figures.change_misses += 1
            return time.perf_counter() - sent

        api_s, local_s, replica_s = await asyncio.gather(
            patch(),
            seen_after(http, server.url, f"pool-{i}", want, sent),
            seen_after(http, replica.url, f"pool-{i}", want, sent),
        )
        figures.change_api.append(api_s)
        for seen, into in ((local_s, figures.changes_local), (replica_s, figures.changes_replica)):
            if seen is None:
                figures.change_misses += 1
            else:
                into.append(seen)
        await asyncio.sleep(max(0.0, CHANGE_EVERY_S - (time.perf_counter() - sent)))
    for i, is_active in active.items():  # leave every pool as it was
        if not is_active:
            url = f"{server.url}/api/redirect-pools/{fleet.pool_ids[i]}"
            async with http.patch(url, json={"is_active": True}, headers=auth) as response:
                await response.read()


async def writer(url: str, figures: Figures, until: float) -> None:
    from core.errors import StorageBusy
    from storage.db import create_engine, create_sessions, transaction
    from storage.repos import operators

    engine = create_engine(url)
    sessions = create_sessions(engine)
    try:
        flip = False
        while time.perf_counter() < until:
            flip = not flip
            at, started = time.time(), time.perf_counter()
            try:
                async with transaction(sessions) as session:
                    await operators.set_language(session, OWNER, "en" if flip else "pt-BR")
            except StorageBusy:  # waited the whole busy timeout: counted as such
                figures.writer_busy += 1
            figures.writes.append((at, time.perf_counter() - started))
            await asyncio.sleep(WRITER_EVERY_S)
    finally:
        await engine.dispose()


async def ban_watch(
    http: aiohttp.ClientSession,
    sandbox: Any,
    server: Proc,
    fleet: Fleet,
    bot_index: int,
    sandbox_id: int,
    figures: Figures,
    until: float,
) -> None:
    """Ban one bot; the failover is the time from the sandbox's receipt of the first getMe
    answered 401 to the last lead /go gave the bot (0 if none came after the probe)."""
    username = fleet.usernames[bot_index]
    slugs = [f"pool-{i}" for i, members in enumerate(fleet.members) if bot_index in members]
    banned_at = time.time()
    await sandbox.ban(sandbox_id)
    last_lead = 0.0
    probe_at: float | None = None
    turn = 0
    next_look = 0.0
    while time.perf_counter() < until:
        now = time.time()
        if probe_at is None and now >= next_look:
            next_look = now + 0.1
            log = (await sandbox._call("GET", f"/sandbox/bots/{sandbox_id}/requests"))["log"]
            seen = [e["at"] for e in log if e["method"] == "getMe" and e["status"] == 401]
            seen = [at for at in seen if at >= banned_at]
            if seen:
                probe_at = min(seen)
        elif probe_at is not None and now > probe_at + 5.0:
            break
        _, location = await go_status(http, server.url, slugs[turn % len(slugs)])
        turn += 1
        if f"t.me/{username}?" in location:
            last_lead = time.time()
        await asyncio.sleep(0.01)
    if probe_at is None:
        figures.failover_note = "no probe reached the banned bot in the phase"
        return
    figures.failover_s = max(0.0, last_lead - probe_at)
    figures.failover_note = f"probe {probe_at - banned_at:.1f} s after the ban"
    await sandbox.restore(sandbox_id)
    await sandbox.slow(sandbox_id, SLOW_MS, methods=["getMe"])


async def faults_schedule(
    sandbox: Any, first: list[int], second: list[int], half_s: float, until: float
) -> None:
    await sandbox.add_fault_many("error", bots=first, methods=["getMe"], status=502)
    await asyncio.sleep(half_s)
    for start in range(0, len(first), 100):
        await asyncio.gather(*(sandbox.clear_faults(b) for b in first[start : start + 100]))
    await sandbox.add_fault_many("slow", bots=first, methods=["getMe"], delay_ms=SLOW_MS)
    await sandbox.add_fault_many("error", bots=second, methods=["getMe"], status=502)


async def rss_sampler(procs: list[Proc], figures: Figures, until: float) -> None:
    while time.perf_counter() < until:
        for proc in procs:
            figures.rss[proc.name] = max(figures.rss.get(proc.name, 0.0), rss_mb(proc.process.pid))
        await asyncio.sleep(1.0)


async def member_adds(
    http: aiohttp.ClientSession, server: Proc, fleet: Fleet, n: int
) -> tuple[float, int, str, float]:
    """Adds per second, adds made, adds refused by status, p99 latency (ms)."""
    stride = max(1, n // MEMBERS)
    work = [
        (fleet.pool_ids[i], fleet.bot_ids[(i + stride // 2 + k * stride) % n])
        for i in range(min(n, ADDS // MEMBERS))
        for k in range(MEMBERS)
    ]
    auth = {"Authorization": f"Bearer {fleet.api_key}"}
    queue = iter(work)
    latencies: list[float] = []
    refused: Counter[str] = Counter()

    async def client() -> None:
        for pool_id, bot_id in queue:
            if time.perf_counter() - begun > ADDS_LIMIT_S:
                return
            started = time.perf_counter()
            url = f"{server.url}/api/redirect-pools/{pool_id}/bots"
            async with http.post(url, json={"bot_id": bot_id}, headers=auth) as response:
                await response.read()
                if response.status != 201:
                    refused[str(response.status)] += 1
            latencies.append(time.perf_counter() - started)

    begun = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(ADD_CLIENTS)))
    elapsed = time.perf_counter() - begun
    failed = sum(refused.values())
    why = " ".join(f"{k}x{v}" for k, v in sorted(refused.items()))
    done = len(latencies)
    return done / elapsed, done - failed, why or "0", pct(latencies, 0.99) * 1000


async def run_paced_process(base: str, n: int, seconds: float) -> dict[str, Any]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SELF),
        "_paced",
        base,
        str(n),
        str(RATE),
        str(seconds),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    return json.loads(out.decode().strip().splitlines()[-1])


async def one_size(n: int, args: argparse.Namespace, tmp: Path) -> dict[str, str]:
    from cryptography.fernet import Fernet

    from sandbox import SandboxClient

    secret_key = Fernet.generate_key().decode()
    procs: list[Proc] = []
    work = tmp / f"n{n}"
    work.mkdir()
    try:
        sandbox_port = free_port()
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        procs.append(
            spawn(
                [sys.executable, "-m", "sandbox", "--port", str(sandbox_port)],
                {**os.environ, "PYTHONPATH": str(ROOT)},
                work / "sandbox.log",
                sandbox_url,
                "sandbox",
            )
        )
        async with (
            database(args.engine, args.database_url, tmp, n) as url,
            SandboxClient(sandbox_url, timeout_s=120) as sandbox,
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=64), timeout=aiohttp.ClientTimeout(total=30)
            ) as http,
        ):
            for _ in range(200):
                with contextlib.suppress(aiohttp.ClientError, OSError):
                    await sandbox.bots()
                    break
                await asyncio.sleep(0.05)
            fleet_bots = await sandbox.create_bots(n)
            control = await sandbox.create_bot()
            await sandbox.add_fault_many(
                "slow", bots=[b.id for b in fleet_bots], methods=["getMe"], delay_ms=SLOW_MS
            )
            fleet = await seed(url, secret_key, fleet_bots)
            print(f"  N={n}: seeded in {fleet.seed_s:.1f} s", flush=True)

            env = {k: v for k, v in os.environ.items() if not k.startswith("BOTPOOL_")}
            env.update(
                BOTPOOL_DATABASE_URL=url,
                BOTPOOL_TELEGRAM_API_URL=sandbox_url,
                BOTPOOL_CONTROL_BOT_TOKEN=control.token,
                BOTPOOL_SECRET_KEY=secret_key,
                BOTPOOL_HTTP_HOST="127.0.0.1",
                BOTPOOL_RATE_LIMIT_PER_MIN="0",
                BOTPOOL_LOG_LEVEL="WARNING",
            )
            script = str(ROOT / "bench" / "scale_proc.py")
            port = free_port()
            apart = {"SCALE_NO_MONITOR": "1"} if args.monitor_apart else {}
            server = spawn(
                [sys.executable, script, "run"],
                {**env, **apart, "BOTPOOL_HTTP_PORT": str(port)},
                work / "server.log",
                f"http://127.0.0.1:{port}",
                "server",
            )
            procs.append(server)
            ready_s = await wait_until(http, f"{server.url}/go/pool-0", server, 300)
            monitor = server
            if args.monitor_apart:
                monitor = spawn(
                    [sys.executable, script, "monitor"], env, work / "monitor.log", "", "monitor"
                )
                procs.append(monitor)
            port = free_port()
            replica = spawn(
                [sys.executable, script, "redirect"],
                {**env, "BOTPOOL_HTTP_PORT": str(port)},
                work / "replica.log",
                f"http://127.0.0.1:{port}",
                "replica",
            )
            procs.append(replica)
            replica_ready_s = await wait_until(http, f"{replica.url}/go/pool-0", replica, 300)
            print(
                f"  N={n}: server serving after {ready_s:.1f} s, replica after "
                f"{replica_ready_s:.1f} s; {args.seconds:g} s of paced load",
                flush=True,
            )

            rng = random.Random(n)
            ban_index = n // 2
            ban_pools = {i for i, m in enumerate(fleet.members) if ban_index in m}
            others = [j for j in range(n) if j != ban_index]
            failing = rng.sample(others, 2 * max(1, int(n * FAILING_SHARE)))
            first, second = failing[: len(failing) // 2], failing[len(failing) // 2 :]
            change_pools = [i for i in rng.sample(range(n), min(n, 40)) if i not in ban_pools]

            figures = Figures()
            cpu_before = {proc.name: cpu_s(proc.process.pid) for proc in procs}
            cpu_before["bench"] = time.process_time()
            phase_start = time.time()
            until = time.perf_counter() + args.seconds
            served = server if args.go_on == "run" else replica
            paced_task = asyncio.create_task(run_paced_process(served.url, n, args.seconds))
            await asyncio.gather(
                changer(http, server, replica, fleet, change_pools, figures, until),
                writer(url, figures, until),
                faults_schedule(
                    sandbox,
                    [fleet_bots[j].id for j in first],
                    [fleet_bots[j].id for j in second],
                    args.seconds / 2,
                    until,
                ),
                ban_watch(
                    http,
                    sandbox,
                    server,
                    fleet,
                    ban_index,
                    fleet_bots[ban_index].id,
                    figures,
                    until,
                ),
                rss_sampler(
                    [server, replica, *([monitor] if monitor is not server else [])], figures, until
                ),
            )
            load = await paced_task
            phase_end = time.time()
            cpu = {proc.name: cpu_s(proc.process.pid) - cpu_before[proc.name] for proc in procs}
            cpu["bench"] = time.process_time() - cpu_before["bench"]
            cpu["load"] = load["cpu_s"]
            adds = await member_adds(http, server, fleet, n)
            load["on"] = args.go_on
            return summarize(
                n,
                fleet,
                ready_s,
                figures,
                load,
                adds,
                server,
                replica,
                phase_start,
                phase_end,
                monitor,
                cpu,
            )
    finally:
        for proc in reversed(procs):
            stop(proc)


def summarize(
    n: int,
    fleet: Fleet,
    ready_s: float,
    figures: Figures,
    load: dict[str, Any],
    adds: tuple[float, int, str, float],
    server: Proc,
    replica: Proc,
    phase_start: float,
    phase_end: float,
    monitor: Proc,
    cpu: dict[str, float],
) -> dict[str, str]:
    def lag_max(proc: Proc) -> float:
        values = [v for at, v in proc.lines("LAG", 2) if phase_start <= at <= phase_end]
        return max(values, default=float("nan"))

    passes = [(a, b, int(p), int(c)) for a, b, p, c, _ in monitor.lines("PASS", 5)]
    durations = [b - a for a, b, _, _ in passes]
    in_pass = [
        s for at, s in figures.writes if any(a <= at + s and at <= b for a, b, _, _ in passes)
    ]
    ms = 1000
    local, remote = figures.changes_local, figures.changes_replica
    statuses = ", ".join(f"{k}:{v}" for k, v in sorted(load["statuses"].items()))
    failover = "-" if figures.failover_s is None else f"{figures.failover_s:.2f} s"
    return {
        "members / bots": f"{n * MEMBERS} / {n}",
        "seed (bulk INSERTs)": f"{fleet.seed_s:.1f} s",
        "botpool run serving after": f"{ready_s:.1f} s",
        "change -> /go, same process": (
            f"med {statistics.median(local) * ms:.0f} / max {max(local) * ms:.0f} ms"
            if local
            else "-"
        ),
        "change -> /go, replica": (
            f"med {statistics.median(remote) * ms:.0f} / max {max(remote) * ms:.0f} ms"
            if remote
            else "-"
        ),
        "changes (unseen in 5 s)": f"{len(figures.change_api)} ({figures.change_misses})",
        "PATCH answered": f"p50 {pct(figures.change_api, 0.5) * ms:.0f} / max "
        f"{max(figures.change_api, default=0) * ms:.0f} ms",
        "loop stall max, run / replica": f"{lag_max(server):.0f} / {lag_max(replica):.0f} ms",
        f"/go p50 / p99 / max (on {load['on']})": f"{load['p50_ms']:.1f} / {load['p99_ms']:.1f} / "
        f"{load['max_ms']:.0f} ms",
        "/go from send: p99 / max": f"{load['send_p99_ms']:.1f} / {load['send_max_ms']:.0f} ms",
        "/go answers": f"{load['requests']} ({statuses})",
        "/go client lateness max": f"{load['client_late_ms']:.0f} ms",
        "health passes: n, med, max": (
            f"{len(durations)}, {statistics.median(durations):.1f} s, {max(durations):.1f} s"
            if durations
            else "-"
        ),
        "writer max wait: in a pass / any": f"{max(in_pass, default=0) * ms:.0f} / "
        f"{max((s for _, s in figures.writes), default=0) * ms:.0f} ms"
        + (f" ({figures.writer_busy} busy)" if figures.writer_busy else ""),
        "ban -> last lead": f"{failover} ({figures.failover_note})",
        "API member adds (10 clients)": f"{adds[0]:.0f}/s ({adds[1]} ok, {adds[2]} refused, "
        f"p99 {adds[3]:.0f} ms)",
        "CPU cores used under load": " ".join(
            f"{name} {seconds / (phase_end - phase_start):.2f}" for name, seconds in cpu.items()
        )
        + f" (of {os.cpu_count()})",
        "RSS max, run / replica": f"{figures.rss.get('server', 0):.0f} / "
        f"{figures.rss.get('replica', 0):.0f} MB"
        + (f" (monitor {figures.rss['monitor']:.0f} MB)" if "monitor" in figures.rss else ""),
    }


def print_table(engine: str, results: dict[int, dict[str, str]]) -> None:
    sizes = list(results)
    rows = list(next(iter(results.values())))
    label_w = max(len(r) for r in rows)
    widths = {n: max(len(f"N={n} pools"), *(len(results[n][r]) for r in rows)) for n in sizes}
    print(f"\n{engine}: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(" " * label_w + "  " + "  ".join(f"N={n} pools".ljust(widths[n]) for n in sizes))
    for row in rows:
        cells = "  ".join(results[n][row].ljust(widths[n]) for n in sizes)
        print(f"{row.ljust(label_w)}  {cells}")


async def main(args: argparse.Namespace) -> None:
    results: dict[int, dict[str, str]] = {}
    with tempfile.TemporaryDirectory(prefix="botpool-scale-") as tmp:
        for n in args.pools:
            try:
                results[n] = await one_size(n, args, Path(tmp))
            except (Exception, SystemExit) as exc:
                print(f"  N={n}: failed: {exc}", flush=True)
            if results:
                print_table(args.engine, results)
            if args.keep_logs:
                keep_logs(Path(tmp) / f"n{n}", Path(args.keep_logs), f"{args.engine}-{n}-")


def keep_logs(source: Path, target: Path, prefix: str) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for log in source.glob("*.log"):
        (target / (prefix + log.name)).write_bytes(log.read_bytes())


def cli() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_paced":
        base, n, rate, seconds = sys.argv[2:6]
        runner = asyncio.run
        with contextlib.suppress(ImportError):
            import uvloop

            runner = uvloop.run
        print(json.dumps(runner(paced(base, int(n), int(rate), float(seconds)))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pools", type=int, nargs="+", action="extend")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--database-url", default=os.environ.get("BOTPOOL_TEST_DATABASE_URL"))
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the processes' logs here")
    parser.add_argument(
        "--monitor-apart",
        action="store_true",
        help="an experiment: the health monitor in a process of its own (bench/scale_proc.py "
        "monitor), none in botpool run",
    )
    parser.add_argument(
        "--go-on",
        choices=["run", "replica"],
        default="run",
        help="which process the paced /go load goes to (default: botpool run)",
    )
    args = parser.parse_args()
    args.pools = args.pools or [400, 2000, 10000]
    asyncio.run(main(args))


if __name__ == "__main__":
    cli()
