"""`botpool run`, `botpool redirect` or the health monitor alone for bench/scale.py,
with probes added from outside the product code (nothing on the /go path changes):

- the event loop's lag: a task that sleeps LAG_TICK_S and notes how late it wakes; every
  second a line `LAG <unix time> <max ms over that second>` goes to stderr;
- health passes (in `run`, or in `monitor` with --monitor-apart): each
  HealthMonitor.run_pass writes a line
  `PASS <start unix> <end unix> <probed> <changes> <store s>` to stderr;
- each garbage collection over GC_REPORT_MS: `GC <unix> <generation> <ms> <collected>
  <cpu ms> <tracked>`;
- with SCALE_GC_CENSUS=1, every 20 s what the collector's oldest generation holds, by
  type, and its largest containers (`CENSUS`, `BIG`);
- each write transaction over TX_REPORT_MS: `TX <unix> <ms> <caller>`;
- with SCALE_SQL=1, each statement over SQL_REPORT_MS: `SQL <unix> <ms> <statement>`;
- with SCALE_STALL_DUMP=1, a watchdog thread prints the main thread's stack while the
  loop is late by more than STALL_S, 0.15 s or SCALE_STALL_S (the cause of a stall,
  not only its length).

    python bench/scale_proc.py run|redirect|monitor      (environment as for botpool)
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LAG_TICK_S = 0.005
LAG_REPORT_S = 1.0


# A loop this late has the watchdog print what it is running.
STALL_S = float(os.environ.get("SCALE_STALL_S", "0.15"))
heartbeat = time.perf_counter()


def watchdog(main_thread: int) -> None:
    """From a thread: while the loop is late by more than STALL_S, print the main
    thread's stack every STALL_S (`STALL <unix time> <late ms>` and the stack)."""
    while True:
        time.sleep(STALL_S / 3)
        late = time.perf_counter() - heartbeat
        if late > STALL_S:
            frame = sys._current_frames().get(main_thread)
            stack = "".join(ours(traceback.extract_stack(frame))) if frame else ""
            line = f"STALL {time.time():.3f} {late * 1000:.0f}"
            print(f"{line}\n{stack}", file=sys.stderr, flush=True)
            time.sleep(STALL_S)


def ours(frames: traceback.StackSummary) -> list[str]:
    """botpool's own frames of a stack, and the innermost few (where the time goes)."""
    kept = [
        f
        for f in frames[:-4]
        if "site-packages" not in f.filename and "lib/python" not in f.filename
    ]
    return traceback.format_list(kept + frames[-4:])


GC_REPORT_MS = 20.0
_gc_started = _gc_cpu_started = 0.0


def time_gc(phase: str, info: dict[str, int]) -> None:
    """A gc.callbacks hook: `GC <unix time> <generation> <ms> <collected> <cpu ms>
    <tracked>` for every collection longer than GC_REPORT_MS (cpu: the main thread's
    CPU time in it; tracked: what the collector tracks after it)."""
    global _gc_started, _gc_cpu_started
    if phase == "start":
        _gc_started, _gc_cpu_started = time.perf_counter(), time.thread_time()
        return
    spent = (time.perf_counter() - _gc_started) * 1000
    if spent >= GC_REPORT_MS:
        cpu = (time.thread_time() - _gc_cpu_started) * 1000
        tracked = sum(gc.get_count()) + len(gc.get_objects(generation=2))
        print(
            f"GC {time.time():.3f} {info['generation']} {spent:.1f} {info['collected']} "
            f"{cpu:.1f} {tracked}",
            file=sys.stderr,
            flush=True,
        )


async def census() -> None:
    """SCALE_GC_CENSUS=1, a diagnosis: every 20 s, how many objects the collector's
    oldest generation holds and of which types (`CENSUS <unix> <n> <type:count>...`)."""
    from collections import Counter

    while True:
        await asyncio.sleep(20)
        objects = gc.get_objects(generation=2)
        top = Counter(type(o).__qualname__ for o in objects).most_common(25)
        kinds = " ".join(f"{name}:{count}" for name, count in top)
        print(f"CENSUS {time.time():.3f} {len(objects)} {kinds}", file=sys.stderr, flush=True)
        sized = sorted(
            (o for o in objects if isinstance(o, dict | list | set | tuple | frozenset)),
            key=len,
            reverse=True,
        )[:12]
        for o in sized:
            sample = next(iter(o.items() if isinstance(o, dict) else o), None)
            line = f"BIG {type(o).__name__} {len(o)} {repr(sample)[:150]}"
            print(line, file=sys.stderr, flush=True)
        del objects


async def watch_lag() -> None:
    global heartbeat
    gc.callbacks.append(time_gc)
    if os.environ.get("SCALE_GC_CENSUS"):
        asyncio.get_running_loop().create_task(census())
    if os.environ.get("SCALE_STALL_DUMP"):
        threading.Thread(target=watchdog, args=(threading.get_ident(),), daemon=True).start()
    # perf_counter, not loop.time(): uvloop's clock counts whole milliseconds.
    worst = 0.0
    reported = time.perf_counter()
    while True:
        before = time.perf_counter()
        await asyncio.sleep(LAG_TICK_S)
        now = heartbeat = time.perf_counter()
        worst = max(worst, now - before - LAG_TICK_S)
        if now - reported >= LAG_REPORT_S:
            print(f"LAG {time.time():.3f} {worst * 1000:.2f}", file=sys.stderr, flush=True)
            worst, reported = 0.0, now


def with_lag_probe(main: Any) -> Any:
    async def wrapped(*args: Any, **kwargs: Any) -> int:
        probe = asyncio.create_task(watch_lag())
        try:
            return await main(*args, **kwargs)
        finally:
            probe.cancel()

    return wrapped


def freeze_after_start(serving: Any) -> Any:
    """SCALE_GC_FREEZE=1, an experiment: once the server serves (its routing table
    loaded), move every object alive to the collector's permanent generation."""

    @contextlib.asynccontextmanager
    async def wrapped(*args: Any, **kwargs: Any) -> Any:
        async with serving(*args, **kwargs) as runner:
            gc.collect()
            gc.freeze()
            print(f"FROZE {time.time():.3f} {gc.get_freeze_count()}", file=sys.stderr, flush=True)
            yield runner

    return wrapped


TX_REPORT_MS = 100.0


def time_transactions() -> None:
    """Every storage.db.transaction (write unit) longer than TX_REPORT_MS, from its call
    to its commit (BEGIN IMMEDIATE's wait included): `TX <unix> <ms> <caller>`. Installed
    before the modules that import it by name are imported."""
    import storage.db

    transaction = storage.db.transaction

    @contextlib.asynccontextmanager
    async def timed(*args: Any, **kwargs: Any) -> Any:
        caller = sys._getframe(2)
        where = f"{Path(caller.f_code.co_filename).stem}.{caller.f_code.co_name}"
        started = time.perf_counter()
        async with transaction(*args, **kwargs) as session:
            yield session
        spent = (time.perf_counter() - started) * 1000
        if spent >= TX_REPORT_MS:
            print(f"TX {time.time():.3f} {spent:.0f} {where}", file=sys.stderr, flush=True)

    storage.db.transaction = timed


SQL_REPORT_MS = 20.0


def time_statements() -> None:
    """SCALE_SQL=1, a diagnosis: every statement slower than SQL_REPORT_MS, from the
    cursor's execute to its return (`SQL <unix> <ms> <statement>`)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    @event.listens_for(Engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault("started", []).append(time.perf_counter())

    @event.listens_for(Engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        spent = (time.perf_counter() - conn.info["started"].pop()) * 1000
        if spent >= SQL_REPORT_MS:
            flat = " ".join(statement.split())[:300]
            print(f"SQL {time.time():.3f} {spent:.0f} {flat}", file=sys.stderr, flush=True)


def instrument() -> None:
    time_transactions()
    if os.environ.get("SCALE_SQL"):
        time_statements()
    from bot_manager import replica, runner
    from bot_manager.monitor import HealthMonitor

    if os.environ.get("SCALE_GC_FREEZE"):
        runner.serving = freeze_after_start(runner.serving)
        replica.serving = freeze_after_start(replica.serving)

    runner.run_all = with_lag_probe(runner.run_all)
    replica.run_redirect = with_lag_probe(replica.run_redirect)
    run_pass = HealthMonitor.run_pass

    async def timed_pass(self: HealthMonitor) -> Any:
        started = time.time()
        report = await run_pass(self)
        print(
            f"PASS {started:.3f} {time.time():.3f} {report.probed} {len(report.changes)} "
            f"{report.store_s:.3f}",
            file=sys.stderr,
            flush=True,
        )
        return report

    HealthMonitor.run_pass = timed_pass  # type: ignore[method-assign]


async def monitor_alone() -> int:
    """`scale_proc.py monitor`, for --monitor-apart: the health monitor as `botpool run`
    wires it (its passes, their stores and alerts to the outbox), alone in a process
    over the same database; `botpool run` beside it runs none (SCALE_NO_MONITOR=1). What
    a split of `botpool run` would give, measured before it is built. Outage messages,
    which go straight to Telegram, are not sent from here."""
    from contextlib import AsyncExitStack

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot_manager.monitor import HealthMonitor
    from bot_manager.probe import Prober
    from bot_manager.process import open_storage, wait_for_stop_signal
    from core.settings import load_settings

    settings = load_settings()
    async with AsyncExitStack() as stack:
        store = await stack.enter_async_context(open_storage(settings))
        prober = Prober(
            settings.telegram_api_url, settings.health_timeout_s, limit=settings.health_concurrency
        )
        stack.push_async_callback(prober.close)
        monitor = HealthMonitor(settings, store.sessions, store.cipher, prober, None, None)
        scheduler = AsyncIOScheduler()
        scheduler.start()
        stack.callback(scheduler.shutdown, wait=False)
        monitor.start(scheduler)
        stack.push_async_callback(monitor.stop)
        await wait_for_stop_signal()
    return 0


if __name__ == "__main__":
    from bot_manager.cli import main

    instrument()
    if os.environ.get("SCALE_NO_MONITOR"):
        from bot_manager.monitor import HealthMonitor

        HealthMonitor.start = lambda self, scheduler: None  # type: ignore[method-assign]
    if sys.argv[1:] == ["monitor"]:
        from bot_manager.process import run_forever

        sys.exit(run_forever(with_lag_probe(monitor_alone)()))
    sys.exit(main(sys.argv[1:]))
