"""The health monitor of SPEC §6: getMe probes on a schedule, through the core state
machine, stored in small transactions as they come back; then the routing table reloads
and owners are told. A pass in which most bots fail at once is an outage of the path to
Telegram (SPEC §11, core.outage): states are kept and operators told once.

Backend health (SPEC §12, core.backend) rides on the same passes: a bot whose getMe
answered, and whose backend check is due (every BOTPOOL_WEBHOOK_CHECK_EVERY passes, each
bot at its own offset in that interval so a fleet's checks spread over it), gets one
getWebhookInfo right after, stored with its probe."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.monitor_alerts import plan_alerts
from bot_manager.monitor_outage import FailureGate, OutageWatch
from bot_manager.probe import Prober
from bot_manager.testhooks import ALERTS_COMMITTED, crash_point
from core.alerts import AlertKind, backend_alert
from core.backend import BackendRules, BackendState, assess
from core.backend import worth_storing as backend_worth_storing
from core.domain import BotStatus
from core.errors import NotFound
from core.health import (
    HealthRules,
    ProbeKind,
    ProbeOutcome,
    StatusChange,
    is_undecryptable,
    transition,
    undecryptable,
    worth_storing,
)
from core.outage import Verdict
from core.settings import Settings
from core.tokens import redact
from storage.crypto import TokenCipher
from storage.db import Sessions, changed, mark_changed, transaction
from storage.models import Bot, utcnow
from storage.repos import bots as bots_repo
from storage.repos import history

log = logging.getLogger(__name__)

JOB_ID = "botpool.health"
STORE_EVERY_S = 0.25  # outcomes that change something are stored at most this late
DECRYPT_SLICE = 500
PROBE_GRACE_S = 2.0
SPREAD = 0.6180339887  # golden ratio: bot ids spread evenly over the check interval
STOP_GRACE_S = 10.0

OnChange = Callable[[], Awaitable[None]]


class AlertSink(Protocol):
    """Where alerts go: the Notifier, which queues them off the monitor's path."""

    async def send(self, chat_id: int, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class BotResult:
    """One probed bot: what getMe said and where the state machine took it."""

    bot_id: int
    outcome: ProbeOutcome
    status: BotStatus
    change: StatusChange | None
    # The backend's alert when this check started or ended a failure (core.alerts).
    backend: AlertKind | None = None


@dataclass(frozen=True, slots=True)
class PassReport:
    """One pass: `duration_s` from start to alerts queued, of which `probes_s` probing
    and `store_s` the transaction (with the routing reload)."""

    started_at: datetime
    duration_s: float
    probes_s: float
    store_s: float
    results: tuple[BotResult, ...]
    skipped: int
    alerts: int
    verdict: Verdict = Verdict.NORMAL  # an outage kind: the failures were not applied
    backend_checks: int = 0  # getWebhookInfo calls of the pass

    @property
    def probed(self) -> int:
        return len(self.results)

    @property
    def changes(self) -> list[BotResult]:
        return [result for result in self.results if result.change is not None]


@dataclass(frozen=True, slots=True)
class _Probed:
    bot_id: int
    outcome: ProbeOutcome
    at: datetime
    backend: BackendState | None = None  # a backend check made with the probe


class HealthMonitor:
    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        cipher: TokenCipher,
        prober: Prober,
        notifier: AlertSink | None,
        on_change: OnChange | None,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._cipher = cipher
        self._prober = prober
        self._notifier = notifier
        self._on_change = on_change
        self._rules = HealthRules.from_settings(settings)
        self._backend_rules = BackendRules.from_settings(settings)
        # Each bot's last backend check as seen (exact counts: the row is written only
        # when it changes enough, core.backend.worth_storing) and when the next is due.
        self._backend_seen: dict[int, BackendState] = {}
        self._backend_due: dict[int, datetime] = {}
        self._tokens: dict[int, tuple[bytes, str]] = {}  # bot id -> (stored, decrypted)
        self._outage = OutageWatch(sessions)
        self._pass_lock = asyncio.Lock()
        # Passes and re-checks store one at a time, so a pool's alert level is read and
        # written by one of them at once and an alert is never sent twice.
        self._store_lock = asyncio.Lock()
        self._job_id: str | None = None
        self._scheduler: AsyncIOScheduler | None = None
        self._tick_task: asyncio.Task[None] | None = None
        self._stopping = False

    async def run_pass(self) -> PassReport:
        """Probe every due bot once. Outcomes that change something are stored as they
        arrive, a small transaction every STORE_EVERY_S, each followed by the routing
        reload and its alerts: failover never waits for the slowest probe of the fleet.
        A probe that changes nothing (an online bot still online) writes nothing.
        Failures are held back only until the outcomes so far rule out an outage
        (core.outage.verdict): with most of the fleet healthy, once a share of it
        (1 - BOTPOOL_OUTAGE_THRESHOLD) has answered. If the pass ends an outage they are
        dropped and every state is kept."""
        async with self._pass_lock:
            started_at = utcnow()
            clock = time.perf_counter()
            async with self._sessions() as session:
                due, total = await bots_repo.due_for_probe(session, started_at)
            targets, locked = await self._tokens_of(due)
            stored: list[BotResult] = []
            alerts = 0
            if locked:
                stored, alerts = await self._store((), undecryptable=locked)
            batches = _Batches(self._store, STORE_EVERY_S)
            quiet: list[BotResult] = []
            backend_checks = 0
            gate: FailureGate[tuple[bots_repo.DueBot, _Probed]] = FailureGate(
                len(targets),
                self._settings.outage_threshold,
                self._outage.ongoing,
                lambda held: batches.add(held[1]),
            )

            async def prober() -> None:  # one of health_concurrency workers
                nonlocal backend_checks
                for bot, token in queue:
                    item = await self._probe(bot.bot_id, token)
                    if gate.hold((bot, item), item.outcome):
                        continue
                    new, events = transition(bot.state, item.outcome, item.at, self._rules)
                    if item.outcome.kind is ProbeKind.OK and self._backend_due_now(bot, item.at):
                        backend_checks += 1
                        item = await self._check_backend(bot, token, item)
                    backend_news = item.backend is not None and backend_worth_storing(
                        bot.backend, item.backend
                    )
                    if worth_storing(bot.state, new, events) or backend_news:
                        batches.add(item)
                    else:
                        quiet.append(BotResult(bot.bot_id, item.outcome, new.status, None))

            queue = iter(targets)
            workers = min(self._settings.health_concurrency, len(targets))
            await asyncio.gather(*(prober() for _ in range(workers)))
            probed_at = time.perf_counter()
            verdict = gate.close()
            kept = [BotResult(b.bot_id, i.outcome, b.state.status, None) for b, i in gate.held]
            results, stored_alerts, store_s = await batches.close()
            failures = [(bot.owner_id, item.outcome) for bot, item in gate.held]
            messages = await self._outage.follow(verdict, failures, len(targets), started_at)
            await self._send(messages)
            alerts += stored_alerts + len(messages)
            done = time.perf_counter()
            report = PassReport(
                started_at=started_at,
                duration_s=done - clock,
                probes_s=probed_at - clock,
                store_s=store_s,
                results=tuple(stored + results + quiet + kept),
                skipped=total - len(due),
                alerts=alerts,
                verdict=verdict,
                backend_checks=backend_checks,
            )
            # The pass's working lists go now, not with its frame: a reference cycle
            # through the probe workers kept two or three passes of a 10,000-bot fleet
            # (30,000 rows each) for the cyclic collector, whose full collections then
            # walked them, 80-160 ms each (bench/scale.py, SCALE_GC_CENSUS=1).
            for working in (due, targets, quiet, gate.held):
                working.clear()
            return report

    async def recheck(self, owner_id: int, bot_id: int) -> BotStatus:
        """Probe one of the owner's bots now, banned or in its breaker (NotFound otherwise)."""
        async with self._sessions() as session:
            bot = await bots_repo.get_owned(session, owner_id, bot_id)
            try:
                token: str | None = bots_repo.token_of(self._cipher, bot)
            except ValueError:
                token = None
        if token is None:
            results, _ = await self._store((), undecryptable=[bot_id])
        else:
            results, _ = await self._store([await self._probe(bot_id, token)])
        if not results:
            raise NotFound("bot", bot_id=bot_id)
        return results[0].status

    def start(self, scheduler: AsyncIOScheduler) -> None:
        """Run a pass now and every BOTPOOL_HEALTH_INTERVAL_S; an overrunning pass is
        never stacked on the next one (max_instances=1, coalesce)."""
        interval = self._settings.health_interval_s
        self._stopping = False
        self._scheduler = scheduler
        self._job_id = scheduler.add_job(
            self._tick,
            "interval",
            seconds=interval,
            id=JOB_ID,
            name="health pass",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=max(1, int(interval)),
            next_run_time=datetime.now(UTC),
            replace_existing=True,
        ).id

    async def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """Remove the job and let a running pass finish (cancel it after `grace_s`).
        Call before scheduler.shutdown(), which would cancel it mid-write."""
        self._stopping = True
        if self._scheduler is not None and self._job_id is not None:
            with suppress(JobLookupError):
                self._scheduler.remove_job(self._job_id)
        self._scheduler = self._job_id = None
        task = self._tick_task
        if task is None or task.done():
            return
        done, _ = await asyncio.wait({task}, timeout=grace_s)
        if not done:
            log.warning("health pass still running after %.1fs: cancelling it", grace_s)
            task.cancel()
            await asyncio.wait({task})

    async def _tick(self) -> None:
        if self._stopping:
            return
        self._tick_task = asyncio.current_task()
        try:
            report = await self.run_pass()
            log.debug(
                "health pass: %d probed, %d skipped, %d changes in %.2fs",
                report.probed,
                report.skipped,
                len(report.changes),
                report.duration_s,
            )
        except asyncio.CancelledError:
            if not self._stopping:
                raise
            log.info("health pass cancelled at shutdown")
        except Exception:
            log.exception("health pass failed")
        finally:
            self._tick_task = None

    async def _tokens_of(
        self, due: Sequence[bots_repo.DueBot]
    ) -> tuple[list[tuple[bots_repo.DueBot, str]], list[int]]:
        """The bots to probe with their tokens, decrypted once per stored value (not once
        per pass), and the bots newly found with a token this server cannot decrypt.
        One already taken out of rotation for it is left alone: its owner was told.
        The loop gets a turn every DECRYPT_SLICE decryptions (a first pass decrypts the
        whole fleet: 10,000 tokens held /go for about half a second)."""
        targets: list[tuple[bots_repo.DueBot, str]] = []
        locked: list[int] = []
        decrypted = 0
        for bot in due:
            known = self._tokens.get(bot.bot_id)
            if known is not None and known[0] == bot.token_encrypted:
                targets.append((bot, known[1]))
                continue
            decrypted += 1
            if decrypted % DECRYPT_SLICE == 0:
                await asyncio.sleep(0)
            try:
                token = self._cipher.decrypt(bot.token_encrypted)
            except ValueError as exc:
                if not is_undecryptable(bot.state):
                    log.error("bot %s taken out of rotation: %s", bot.bot_id, exc)
                    locked.append(bot.bot_id)
                continue
            self._tokens[bot.bot_id] = (bot.token_encrypted, token)
            targets.append((bot, token))
        return targets, locked

    async def _probe(self, bot_id: int, token: str) -> _Probed:
        """One getMe that cannot raise: whatever goes wrong is a transient outcome."""
        limit = self._settings.health_timeout_s
        try:
            async with asyncio.timeout(limit + PROBE_GRACE_S):
                outcome = await self._prober.probe(token)
        except TimeoutError:
            outcome = ProbeOutcome(
                ProbeKind.TRANSIENT, f"timeout after {limit:g}s", unreachable=True
            )
        except Exception as exc:
            detail = redact(f"{type(exc).__name__}: {exc}")[:300]
            log.warning("probe of bot %s raised %s", bot_id, detail)
            outcome = ProbeOutcome(ProbeKind.TRANSIENT, f"probe error: {type(exc).__name__}")
        return _Probed(bot_id, outcome, utcnow())

    def _backend_due_now(self, bot: bots_repo.DueBot, now: datetime) -> bool:
        """Whether the bot's backend check is due, and if so the next one scheduled. A
        bot first seen is due at its own offset in the interval (after its last stored
        check when there is one), so a fleet's checks spread over the interval rather
        than all falling on one pass."""
        interval = self._settings.backend_check_interval_s
        if interval <= 0:
            return False
        every = timedelta(seconds=interval)
        due = self._backend_due.get(bot.bot_id)
        if due is None:
            checked = bot.backend.checked_at
            offset = every * ((bot.bot_id * SPREAD) % 1.0)
            due = checked + every if checked is not None else now + offset
        if now < due:
            self._backend_due[bot.bot_id] = due
            return False
        self._backend_due[bot.bot_id] = now + every
        return True

    async def _check_backend(self, bot: bots_repo.DueBot, token: str, item: _Probed) -> _Probed:
        """One getWebhookInfo judged against the previous check (core.backend). When
        Telegram could not tell, nothing is concluded and nothing stored."""
        limit = self._settings.health_timeout_s
        try:
            async with asyncio.timeout(limit + PROBE_GRACE_S):
                info = await self._prober.webhook_info(token)
        except Exception as exc:
            log.warning("backend check of bot %s raised %s", bot.bot_id, type(exc).__name__)
            info = None
        if info is None:
            return item
        previous = self._backend_seen.get(bot.bot_id, bot.backend)
        state = assess(previous, info, utcnow(), self._backend_rules)
        self._backend_seen[bot.bot_id] = state
        return replace(item, backend=state)

    async def _store(
        self, probed: Sequence[_Probed], undecryptable: Sequence[int] = ()
    ) -> tuple[list[BotResult], int]:
        """Apply the outcomes, and the tokens found undecryptable, to the bots' current
        states (read afresh, held until commit) and write their alerts to the outbox in
        one transaction, then reload routing. The alert delivery sends them, grouped."""
        async with self._store_lock:
            async with transaction(self._sessions) as session:
                ids = [item.bot_id for item in probed] + list(undecryptable)
                bots = await bots_repo.lock_many(session, ids)
                results = list(self._apply(session, bots, probed))
                results += self._lock_out(session, bots, undecryptable)
                await session.flush()
                alerts = await plan_alerts(
                    session,
                    [(bots[r.bot_id], r.change) for r in results if r.change],
                    utcnow(),
                    kinds=dict.fromkeys(undecryptable, AlertKind.BOT_UNDECRYPTABLE),
                    backend=[(bots[r.bot_id], r.backend) for r in results if r.backend],
                )
                routing_changed = changed(session)
            if alerts:
                crash_point(ALERTS_COMMITTED)
            if routing_changed and self._on_change is not None:
                await self._reload_routing()
        return results, alerts

    def _apply(
        self, session: AsyncSession, bots: dict[int, Bot], probed: Iterable[_Probed]
    ) -> Iterable[BotResult]:
        for item in probed:
            bot = bots.get(item.bot_id)
            if bot is None:  # deleted while it was being probed: the others still count
                continue
            old = bots_repo.health_of(bot)
            new, events = transition(old, item.outcome, item.at, self._rules)
            renamed = item.outcome.username and item.outcome.username != bot.username
            bots_repo.apply_health(bot, new, item.outcome.username)
            history.record(session, bot.id, item.at, events, item.outcome.latency_ms)
            change = next((e for e in events if isinstance(e, StatusChange)), None)
            if change or renamed or old.breaker_until != new.breaker_until:
                mark_changed(session, bots=[bot.id])
            backend = self._apply_backend(session, bot, item)
            yield BotResult(bot.id, item.outcome, new.status, change, backend)

    def _apply_backend(self, session: AsyncSession, bot: Bot, item: _Probed) -> AlertKind | None:
        """Store the backend check made with the probe. A change of the backend's error
        changes routing (an online bot with one is routed as degraded), is recorded in
        the health history and, when it starts or ends a failure, alerts the owner."""
        if item.backend is None:
            return None
        old = bot.backend_error
        bots_repo.apply_backend(bot, item.backend)
        if old == item.backend.error:
            return None
        history.record_backend(session, bot.id, item.at, old, item.backend.error)
        mark_changed(session, bots=[bot.id])
        if item.backend.error is not None:
            log.warning("backend of bot %s failing: %s", bot.id, item.backend.error)
        else:
            log.info("backend of bot %s answering again", bot.id)
        return backend_alert(old, item.backend.error)

    def _lock_out(
        self, session: AsyncSession, bots: dict[int, Bot], bot_ids: Iterable[int]
    ) -> Iterable[BotResult]:
        """Take bots whose token cannot be decrypted out of rotation (never fail open).
        The change is reported even when the status stays offline: its cause is new."""
        now = utcnow()
        for bot_id in bot_ids:
            bot = bots.get(bot_id)
            if bot is None:
                continue
            old = bots_repo.health_of(bot)
            new, events = undecryptable(old)
            change = None
            if events:
                bots_repo.apply_health(bot, new)
                history.record(session, bot.id, now, events, None)
                mark_changed(session, bots=[bot.id])
                change = StatusChange(old.status, new.status)
            yield BotResult(
                bot.id, ProbeOutcome(ProbeKind.TRANSIENT, new.last_error or ""), new.status, change
            )

    async def _reload_routing(self) -> None:
        try:
            await self._on_change()  # type: ignore[misc]
        except Exception:
            log.exception("routing table reload failed after a health change")

    async def _send(self, messages: Sequence[tuple[int, str]]) -> None:
        if self._notifier is None:
            return
        for chat_id, text in messages:
            try:
                await self._notifier.send(chat_id, text)
            except Exception:
                log.exception("alert to chat %s could not be queued", chat_id)


class _Batches:
    """Outcomes to store, gathered for `delay_s` and stored together by `store` (which
    serializes itself), so a pass writes in small transactions as probes come back."""

    def __init__(
        self,
        store: Callable[[Sequence[_Probed]], Awaitable[tuple[list[BotResult], int]]],
        delay_s: float,
    ) -> None:
        self._store = store
        self._delay_s = delay_s
        self._waiting: list[_Probed] = []
        self._tasks: list[asyncio.Task[tuple[list[BotResult], int, float]]] = []

    def add(self, item: _Probed) -> None:
        if not self._waiting:
            self._tasks.append(asyncio.create_task(self._store_soon()))
        self._waiting.append(item)

    async def _store_soon(self) -> tuple[list[BotResult], int, float]:
        await asyncio.sleep(self._delay_s)
        batch, self._waiting = self._waiting, []
        started = time.perf_counter()
        results, alerts = await self._store(batch)
        return results, alerts, time.perf_counter() - started

    async def close(self) -> tuple[list[BotResult], int, float]:
        """Wait for every batch: all results, alerts queued, seconds spent storing."""
        results: list[BotResult] = []
        alerts = 0
        spent = 0.0
        for outcome in await asyncio.gather(*self._tasks):
            results += outcome[0]
            alerts += outcome[1]
            spent += outcome[2]
        return results, alerts, spent
