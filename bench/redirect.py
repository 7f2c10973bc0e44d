"""Load botpool's /go and a bare aiohttp 302 with wrk, side by side.

    .venv/bin/python bench/redirect.py [--rounds 3] [--duration 10] [--loops asyncio uvloop]

Both servers run as separate one-worker processes. botpool is the real create_app over
a temporary SQLite database holding one round-robin pool of four bots, with every
feature of SPEC §7 on: the rate limit (100 per minute per client, as shipped),
metrics, the crawler check, counting with batched flushes. wrk reaches it as a trusted
proxy (127.0.0.1/32) and gives each request one of 65,536 X-Forwarded-For addresses
per thread, so the limiter tracks real clients and none of them reaches 100 a minute.
The bare server answers the same 302 from a handler that does nothing else; it gets
the very same requests. Rounds alternate which server goes first.

Per loop: `wrk -t2 -c64 -d<duration>s` throughput rounds, then a paced latency run at
500 req/s (wrk2 is not available: a Lua `delay()` paces 10 connections at 50 req/s
each). At the end botpool is shut down cleanly and its counted redirects compared with
the 302s wrk received.
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
  if delay_ms > 0 then delay = function() return delay_ms end end
  for k = 0, n - 1 do
    reqs[k] = wrk.format("GET", path, {
      ["X-Forwarded-For"] = string.format("198.%d.%d.%d", 18 + tid, math.floor(k / 256), k % 256),
      ["User-Agent"] = "@USER_AGENT@",
      ["Accept-Language"] = "pt-BR,pt;q=0.9,en;q=0.8",
    })
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


async def seed(db_url: str) -> None:
    from core.domain import BotStatus
    from storage.crypto import cipher_for
    from storage.db import create_engine, create_sessions, sqlite_path, transaction
    from storage.migrate import upgrade
    from storage.repos import bots, members, pools

    engine = create_engine(db_url)
    await upgrade(engine)
    sessions = create_sessions(engine)
    cipher = cipher_for(None, sqlite_path(db_url))
    owner = 1
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
    await engine.dispose()


async def count_redirects(db_url: str) -> int:
    from storage.db import create_engine, create_sessions
    from storage.repos import counts

    engine = create_engine(db_url)
    try:
        async with create_sessions(engine)() as session:
            return await counts.total(session)
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


def wrk(port: int, script: Path, duration: int, *, paced: bool) -> dict[str, float]:
    if paced:  # 10 connections x one request per 20 ms = 500 req/s
        options, delay_ms = ["-t1", "-c10"], "20"
    else:
        options, delay_ms = ["-t2", "-c64"], "0"
    command = ["wrk", *options, f"-d{duration}s", "--latency", "-s", str(script)]
    command += [f"http://127.0.0.1:{port}", "--", f"/go/{SLUG}", delay_ms]
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


def bench_loop(loop_name: str, db_url: str, script: Path, args: argparse.Namespace) -> dict:
    botpool = Server("botpool", loop_name, db_url)
    bare = Server("bare", loop_name, db_url)
    served_before = asyncio.run(count_redirects(db_url))
    runs: dict[str, list[dict[str, float]]] = {"botpool": [], "bare": []}
    paced: dict[str, list[dict[str, float]]] = {"botpool": [], "bare": []}
    try:
        wrk(bare.port, script, 2, paced=False)  # warm-up, both
        wrk(botpool.port, script, 2, paced=False)
        for round_ in range(args.rounds):
            order = [botpool, bare] if round_ % 2 == 0 else [bare, botpool]
            for server in order:
                runs[server.kind].append(wrk(server.port, script, args.duration, paced=False))
        for server in (botpool, bare):
            paced[server.kind].append(wrk(server.port, script, args.duration, paced=True))
    finally:
        botpool.stop()
        bare.stop()
    print(f"\n{loop_name}: wrk -t2 -c64 -d{args.duration}s, {args.rounds} rounds (median)")
    figures = {kind: show(kind, runs[kind]) for kind in ("botpool", "bare")}
    ratio = figures["botpool"]["rps"] / figures["bare"]["rps"]
    print(f"  ratio botpool/bare     {ratio:.3f}")
    print(f"{loop_name}: paced at 500 req/s (wrk -t1 -c10, 20 ms delay per connection)")
    for kind in ("botpool", "bare"):
        show(kind, paced[kind])
    served = asyncio.run(count_redirects(db_url)) - served_before
    received = sum(r["requests"] for r in runs["botpool"] + paced["botpool"])
    print(f"  botpool counted {served:,} redirects in its database; wrk received {received:,}")
    print("  (warm-up requests are counted too; wrk drops the ones in flight at each end)")
    return {"ratio": ratio, **{f"{k}_rps": v["rps"] for k, v in figures.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--loops", nargs="+", default=["asyncio", "uvloop"])
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
        asyncio.run(seed(db_url))
        script = Path(tmp) / "go.lua"
        script.write_text(LUA)
        print(f"{os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M')}; servers: 1 process each")
        results = {name: bench_loop(name, db_url, script, args) for name in loops}
    if "uvloop" in results and "asyncio" in results:
        uv, bare = results["uvloop"]["botpool_rps"], results["asyncio"]["bare_rps"]
        print(f"\nbotpool on uvloop / bare on asyncio: {uv / bare:.3f}")


def _has_uvloop() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    main()
