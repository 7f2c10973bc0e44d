"""Load botpool's /go and a bare aiohttp 302 with wrk, side by side.

    .venv/bin/python bench/redirect.py [--rounds 6] [--duration 5] [--loops asyncio uvloop]
        [--funnel [--sticky-share 0.5] [--hourly-cap N]]

Each server runs as a separate one-worker process, on each loop: botpool and bare on
asyncio, and on uvloop when it is installed. botpool is the real create_app over
a temporary SQLite database holding one round-robin pool of four bots, with every
feature of SPEC §7 on: the rate limit (100 per minute per client, as shipped),
metrics, the crawler check, counting with batched flushes. wrk reaches it as a trusted
proxy (127.0.0.1/32) and gives each request one of 65,536 X-Forwarded-For addresses
per thread, so the limiter tracks real clients and none of them reaches 100 a minute.
Its pool keeps leads (sticky, 30 days: the default), so each lead wrk sends, which
never sends a cookie back, is a new one and gets a Set-Cookie. With `--funnel`, the
funnel routing of issue 17 is on as an operator would have it: a share of the requests
(`--sticky-share`, default half) carries a valid cookie of the link, as returning leads
do (spread over the four bots), every member has an hourly cap (`--hourly-cap`, default
high enough that none is reached: the check runs on every lead, the spill is not
measured) and the pool has a fallback link.
The bare server is a web.Application whose one route answers a 302 to the same
Location from a handler that does nothing else; it gets the very same requests.
botpool's server answers /go ahead of that application layer (`GoFirst`, in
redirect_server/resource.py), which is why, with all its work, it can serve more.

All servers are up at once and each round loads every one of them in turn with
`wrk -t2 -c64 -d<duration>s`, in an order that reverses from round to round, so that
every figure, the cross-loop one included, is measured in the same stretch of time on
this noisy machine; medians over rounds are reported. Then a paced latency run at
500 req/s per server (wrk2 is not available: a Lua `delay()` paces 10 connections at
50 req/s each). At the end the botpool servers are shut down cleanly and the
redirects they counted compared with the 302s wrk received.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SLUG = "bench"
LOCATION = "https://t.me/bench_a_bot?start=acesso"
FALLBACK_URL = "https://example.com/bench-fallback"
USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
)

LUA = """
local n, i, reqs = 65536, 0, {}
function setup(thread)
  thread:set("tid", _tid or 0)
  _tid = (_tid or 0) + 1
end
function init(args)
  local path, delay_ms = args[1], tonumber(args[2])
  local cookie_pct, cookies = tonumber(args[3] or "0"), {}
  for cookie in string.gmatch(args[4] or "", "[^|]+") do cookies[#cookies + 1] = cookie end
  if delay_ms > 0 then delay = function() return delay_ms end end
  for k = 0, n - 1 do
    local headers = {
      ["X-Forwarded-For"] = string.format("198.%d.%d.%d", 18 + tid, math.floor(k / 256), k % 256),
      ["User-Agent"] = "@USER_AGENT@",
      ["Accept-Language"] = "pt-BR,pt;q=0.9,en;q=0.8",
    }
    if #cookies > 0 and k % 100 < cookie_pct then
      headers["Cookie"] = "_ga=GA1.1.1234567890.1700000000; " .. cookies[(k % #cookies) + 1]
    end
    reqs[k] = wrk.format("GET", path, headers)
  end
end
function request()
  i = (i + 1) % n
  return reqs[i]
end
function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"status_errors": %d, "socket_errors": %d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
""".replace("@USER_AGENT@", USER_AGENT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def seed(db_url: str, *, hourly_cap: int | None = None) -> tuple[int, list[int]]:
    """The pool and its four bots; `hourly_cap`: the funnel's caps and fallback link."""
    from sqlalchemy import update

    from core.domain import BotStatus
    from storage.crypto import cipher_for
    from storage.db import create_engine, create_sessions, sqlite_path, transaction
    from storage.migrate import upgrade
    from storage.models import Member, Pool
    from storage.repos import bots, members, pools

    engine = create_engine(db_url)
    await upgrade(engine)
    sessions = create_sessions(engine)
    cipher = cipher_for(None, sqlite_path(db_url))
    owner = 1
    bot_ids = []
    async with transaction(sessions) as session:
        pool = await pools.create(session, owner, name="Bench", slug=SLUG)
        for i, letter in enumerate("abcd"):
            bot = await bots.register(
                session,
                cipher,
                owner,
                telegram_id=900 + i,
                username=f"bench_{letter}_bot",
                token=f"{900 + i}:AAbench",
                status=BotStatus.ONLINE,
            )
            await members.add(session, owner, pool.id, bot.id, max_per_pool=10)
            bot_ids.append(bot.id)
        if hourly_cap is not None:
            await session.execute(
                update(Member).where(Member.pool_id == pool.id).values(hourly_cap=hourly_cap)
            )
            await session.execute(
                update(Pool).where(Pool.id == pool.id).values(fallback_url=FALLBACK_URL)
            )
    await engine.dispose()
    return pool.id, bot_ids


def returning_cookies(db_url: str, pool_id: int, bot_ids: list[int]) -> list[str]:
    """A valid cookie of the link for each bot, issued today, as returning leads bring."""
    from core.settings import load_settings
    from redirect_server.sticky import DAY_S, StickyCookies, cookie_name
    from storage.crypto import cipher_for
    from storage.db import sqlite_path

    public_url = load_settings(database_url=db_url).public_url
    cookies = StickyCookies.for_installation(cipher_for(None, sqlite_path(db_url)), public_url)
    today = int(time.time()) // DAY_S
    return [f"{cookie_name(SLUG)}={cookies.value(pool_id, b, today)}" for b in bot_ids]


async def count_redirects(db_url: str) -> tuple[int, int]:
    """Redirects counted in the database, and the returning leads among them."""
    from datetime import UTC, datetime

    from storage.db import create_engine, create_sessions
    from storage.repos import counts

    engine = create_engine(db_url)
    try:
        async with create_sessions(engine)() as session:
            returning = await counts.returning_since(session, datetime(2000, 1, 1, tzinfo=UTC))
            return await counts.total(session), sum(returning.values())
    finally:
        await engine.dispose()


async def serve_botpool(db_url: str, port: int) -> None:
    from core.settings import load_settings
    from redirect_server.app import create_app, serve
    from storage.crypto import cipher_for
    from storage.db import create_engine, create_sessions, sqlite_path

    settings = load_settings(
        database_url=db_url, rate_limit_per_min=100, trusted_proxies="127.0.0.1/32"
    )
    engine = create_engine(db_url)
    app = create_app(settings, create_sessions(engine), cipher_for(None, sqlite_path(db_url)))
    runner = await serve(app, "127.0.0.1", port)
    try:
        await until_signalled()
    finally:
        await runner.cleanup()
        await engine.dispose()


async def serve_bare(port: int) -> None:
    from aiohttp import hdrs, web
    from multidict import CIMultiDict

    from redirect_server.app import serve

    async def redirect(request: web.Request) -> web.Response:
        return web.Response(
            status=302,
            headers=CIMultiDict(((hdrs.LOCATION, LOCATION), (hdrs.CACHE_CONTROL, "no-store"))),
        )

    app = web.Application()
    app.router.add_get("/go/{slug}", redirect)
    runner = await serve(app, "127.0.0.1", port)
    try:
        await until_signalled()
    finally:
        await runner.cleanup()


async def until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print("ready", flush=True)
    await stop.wait()


def run_server(kind: str, loop_name: str, port: int, db_url: str) -> None:
    main = serve_botpool(db_url, port) if kind == "botpool" else serve_bare(port)
    if loop_name == "uvloop":
        import uvloop

        uvloop.run(main)
    else:
        asyncio.run(main)


class Server:
    def __init__(self, kind: str, loop_name: str, db_url: str) -> None:
        self.kind, self.loop_name, self.port = kind, loop_name, free_port()
        command = [sys.executable, __file__, "--serve", kind, "--loop", loop_name]
        command += ["--port", str(self.port), "--db", db_url]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout is not None
        if self.process.stdout.readline().strip() != "ready":
            raise SystemExit(f"{kind} server did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(
    port: int, script: Path, duration: int, *, paced: bool, leads: tuple[str, str] = ("0", "")
) -> dict[str, float]:
    """`leads`: the share of requests in percent that carry a cookie, and the cookies."""
    if paced:  # 10 connections x one request per 20 ms = 500 req/s
        options, delay_ms = ["-t1", "-c10"], "20"
    else:
        options, delay_ms = ["-t2", "-c64"], "0"
    command = ["wrk", *options, f"-d{duration}s", "--latency", "-s", str(script)]
    command += [f"http://127.0.0.1:{port}", "--", f"/go/{SLUG}", delay_ms, *leads]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def show(label: str, results: list[dict[str, float]]) -> dict[str, float]:
    rps = statistics.median(r["rps"] for r in results)
    p50 = statistics.median(r["p50_us"] for r in results) / 1000
    p99 = statistics.median(r["p99_us"] for r in results) / 1000
    errors = sum(r["status_errors"] + r["socket_errors"] for r in results)
    each = ", ".join(f"{r['rps']:,.0f}" for r in results)
    print(
        f"  {label:<22} {rps:>9,.0f} req/s  p50 {p50:5.2f} ms  p99 {p99:5.2f} ms"
        f"  errors {errors}  (rounds: {each})"
    )
    return {"rps": rps, "p50": p50, "p99": p99}


def bench(
    loops: list[str],
    db_url: str,
    script: Path,
    args: argparse.Namespace,
    leads: tuple[str, str] = ("0", ""),
) -> None:
    served_before = asyncio.run(count_redirects(db_url))
    servers = [Server(kind, loop, db_url) for loop in loops for kind in ("botpool", "bare")]
    runs: dict[Server, list[dict[str, float]]] = {server: [] for server in servers}
    paced: dict[Server, list[dict[str, float]]] = {server: [] for server in servers}
    try:
        for server in servers:  # warm-up
            wrk(server.port, script, 2, paced=False, leads=leads)
        for round_ in range(args.rounds):
            for server in servers if round_ % 2 == 0 else servers[::-1]:
                result = wrk(server.port, script, args.duration, paced=False, leads=leads)
                runs[server].append(result)
        for server in servers:
            paced[server].append(wrk(server.port, script, 10, paced=True, leads=leads))
    finally:
        for server in servers:
            server.stop()
    rps: dict[tuple[str, str], float] = {}
    for loop in loops:
        print(f"\n{loop}: wrk -t2 -c64 -d{args.duration}s, {args.rounds} rounds (median)")
        mine = [server for server in servers if server.loop_name == loop]
        for server in mine:
            rps[server.kind, loop] = show(server.kind, runs[server])["rps"]
        print(f"  ratio botpool/bare     {rps['botpool', loop] / rps['bare', loop]:.3f}")
        print(f"{loop}: paced at 500 req/s (wrk -t1 -c10, 20 ms delay per connection)")
        for server in mine:
            show(server.kind, paced[server])
    if "uvloop" in loops and "asyncio" in loops:
        ratio = rps["botpool", "uvloop"] / rps["bare", "asyncio"]
        print(f"\nbotpool on uvloop / bare on asyncio: {ratio:.3f}")
    served, returning = asyncio.run(count_redirects(db_url))
    served -= served_before[0]
    returning -= served_before[1]
    received = sum(
        r["requests"] for server in servers if server.kind == "botpool"
        for r in runs[server] + paced[server]
    )  # fmt: skip
    print(
        f"botpool counted {served:,} redirects ({returning:,} of returning leads) in its"
        f" database; wrk received {received:,}"
    )
    print("(warm-up requests are counted too; wrk drops the ones in flight at each end)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--loops", nargs="+", default=["asyncio", "uvloop"])
    parser.add_argument(
        "--funnel", action="store_true", help="returning leads' cookies, hourly caps, fallback link"
    )
    parser.add_argument("--sticky-share", type=float, default=0.5)
    parser.add_argument("--hourly-cap", type=int, default=1_000_000_000)
    parser.add_argument("--serve", choices=["botpool", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--loop", default="asyncio", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        run_server(args.serve, args.loop, args.port, args.db)
        return
    loops = [name for name in args.loops if name != "uvloop" or _has_uvloop()]
    with tempfile.TemporaryDirectory(prefix="botpool-bench-") as tmp:
        db_url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        pool_id, bot_ids = asyncio.run(
            seed(db_url, hourly_cap=args.hourly_cap if args.funnel else None)
        )
        leads = ("0", "")
        if args.funnel:
            cookies = returning_cookies(db_url, pool_id, bot_ids)
            leads = (str(round(args.sticky_share * 100)), "|".join(cookies))
        script = Path(tmp) / "go.lua"
        script.write_text(LUA)
        print(f"{os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M')}; servers: 1 process each")
        if args.funnel:
            print(
                f"funnel: {leads[0]} % of requests bring a returning lead's cookie; hourly cap"
                f" {args.hourly_cap:,} per bot; a fallback link"
            )
        bench(loops, db_url, script, args, leads)


def _has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
