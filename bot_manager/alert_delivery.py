"""Alert delivery: reads the alert outbox, groups each operator's alerts into one
incident message (core.incidents), sends or edits it through the control bot and marks
the alerts delivered only once Telegram accepted. A failure leaves them in the outbox
with a later next attempt, so a restart delivers what was not delivered, once.

Only the process that runs the health monitor (`botpool run`, `botpool demo`) runs
this, so two processes never send the same alert. The open incidents live in memory:
after a restart, undelivered alerts open a new message."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import LinkPreviewOptions

from bot_manager.alert_message import compose
from core.alerts import AlertKind
from core.incidents import (
    SEVERITY,
    Decision,
    Incident,
    Pending,
    Policy,
    Severity,
    Step,
    Subject,
    decide,
    notifies,
    owed_severity,
    quiet_now,
    settled,
)
from core.reports import DEFAULT_TIME_ZONE
from core.settings import Settings
from storage.db import Sessions, transaction
from storage.models import AlertOutbox, Operator, utcnow
from storage.repos import operators, outbox

log = logging.getLogger(__name__)

POLL_S = 0.5
RETRY_S = 1.0  # first retry after a failed delivery; doubles up to MAX_RETRY_S
MAX_RETRY_S = 300.0
KEEP_DELIVERED = timedelta(days=7)
PRUNE_EVERY_S = 3600.0
NOT_MODIFIED = "message is not modified"


class AlertDelivery:
    def __init__(
        self,
        settings: Settings,
        sessions: Sessions,
        bot: Bot,
        *,
        poll_s: float = POLL_S,
        retry_s: float = RETRY_S,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._bot = bot
        self._poll_s = poll_s
        self._retry_s = retry_s
        self._policy = Policy(settings.alert_group_wait_s, settings.alert_repeat_s)
        self._incidents: dict[int, Incident] = {}
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="botpool-alerts")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def deliver_due(self, now: datetime | None = None) -> int:
        """One round over every operator with alerts due or a notification owed; returns
        the messages sent or edited."""
        now = now or utcnow()
        async with self._lock:
            async with self._sessions() as session:
                due = set(await outbox.due_operators(session, now))
            owing = {i for i, incident in self._incidents.items() if incident.owed is not None}
            done = 0
            for operator_id in sorted(due | owing):
                try:
                    done += await self._operator(operator_id, now)
                except Exception:
                    log.exception("alerts of operator %s: delivery failed", operator_id)
            return done

    async def _run(self) -> None:
        pruned_at: datetime | None = None
        while True:
            try:
                await self.deliver_due()
                now = utcnow()
                if pruned_at is None or now - pruned_at > timedelta(seconds=PRUNE_EVERY_S):
                    async with transaction(self._sessions) as session:
                        await outbox.prune(session, now - KEEP_DELIVERED)
                    pruned_at = now
            except Exception:
                log.exception("alert delivery round failed")
            await asyncio.sleep(self._poll_s)

    async def _operator(self, operator_id: int, now: datetime) -> int:
        incident = self._incidents.get(operator_id)
        async with self._sessions() as session:
            operator = await operators.get(session, operator_id)
            rows = list(await outbox.undelivered(session, operator_id))
            pending = [_pending(row) for row in rows]
            known = settled(pending, incident, now, self._policy)
            if known is not None and operator is not None and operator.alerts_enabled:
                return 0  # nothing to tell yet, whatever the pools' state now
            subjects = frozenset(p.subject for p in pending)
            if incident is not None:
                subjects |= incident.subjects
            situation = None
            if operator is not None and operator.alerts_enabled:
                url = self._settings.public_url
                situation = await compose(
                    session,
                    operator_id,
                    operator.language,
                    subjects,
                    now,
                    url,
                    hourly_capacity=self._settings.bot_hourly_capacity,
                )
        if operator is None or situation is None or situation.empty:
            # Alerts turned off, or every pool and bot named deleted since: nothing to tell.
            self._incidents.pop(operator_id, None)
            await self._mark([r.id for r in rows], now)
            return 0
        decision = decide(pending, incident, now, self._policy, all_clear=situation.all_clear)
        if decision.step in (Step.NOTHING, Step.WAIT):
            if incident is not None and not pending and situation.all_clear:
                self._incidents.pop(operator_id, None)  # cleared by hand, nothing to tell
            return 0
        ids = [row.id for row in rows]
        silent = not notifies(decision.severity, _quiet(operator, now))
        try:
            message_id = await self._tell(operator_id, decision, incident, situation.text, silent)
        except TelegramRetryAfter as exc:
            wait = min(float(exc.retry_after), MAX_RETRY_S)
            await self._postpone(operator_id, rows, now + timedelta(seconds=wait), "flood control")
            return 0
        except (TelegramNetworkError, TelegramServerError, ClientDecodeError) as exc:
            attempts = max((row.attempts for row in rows), default=0)
            wait = min(self._retry_s * 2**attempts, MAX_RETRY_S)
            until = now + timedelta(seconds=wait)
            await self._postpone(operator_id, rows, until, type(exc).__name__)
            return 0
        except TelegramAPIError as exc:  # blocked, chat gone: retrying will not help
            log.warning("alerts to chat %s rejected, dropped: %s", operator_id, exc.message)
            self._incidents.pop(operator_id, None)
            await self._mark(ids, now)
            return 0
        await self._mark(ids, now)
        self._remember(operator_id, decision, incident, pending, subjects, message_id, now)
        return 1

    async def _tell(
        self,
        chat_id: int,
        decision: Decision,
        incident: Incident | None,
        text: str,
        silent: bool,
    ) -> int:
        """Sends or edits; the id of the message that now tells the incident."""
        if decision.step is Step.EDIT and incident is not None:
            try:
                await self._bot.edit_message_text(
                    text,
                    chat_id=chat_id,
                    message_id=incident.message_id,
                    parse_mode=None,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                )
                return incident.message_id
            except TelegramBadRequest as exc:
                if NOT_MODIFIED in exc.message:
                    return incident.message_id
                log.info("alert message %s not editable (%s): sending it anew", chat_id, exc)
                silent = True
        message = await self._bot.send_message(
            chat_id,
            text,
            parse_mode=None,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            disable_notification=silent,
        )
        return message.message_id

    def _remember(
        self,
        operator_id: int,
        decision: Decision,
        incident: Incident | None,
        pending: list[Pending],
        subjects: frozenset[Subject],
        message_id: int,
        now: datetime,
    ) -> None:
        if decision.step is Step.RESOLVE:
            self._incidents.pop(operator_id, None)
        elif decision.step is Step.SEND:
            notified = decision.severity or Severity.RECOVERY
            if incident is not None:
                notified = max(notified, incident.severity)
            self._incidents[operator_id] = Incident(message_id, notified, now, subjects)
        elif incident is not None:
            owed = owed_severity(pending, incident)
            self._incidents[operator_id] = replace(
                incident, message_id=message_id, subjects=subjects, owed=owed
            )

    async def _mark(self, ids: list[int], now: datetime) -> None:
        if ids:
            async with transaction(self._sessions) as session:
                await outbox.mark_delivered(session, ids, now)

    async def _postpone(
        self, chat_id: int, rows: list[AlertOutbox], until: datetime, reason: str
    ) -> None:
        log.info("alerts to chat %s not delivered (%s): next attempt at %s", chat_id, reason, until)
        if rows:
            async with transaction(self._sessions) as session:
                await outbox.postpone(session, [row.id for row in rows], until)


def _pending(row: AlertOutbox) -> Pending:
    if row.pool_id is not None:
        subject: Subject = ("pool", row.pool_id)
    else:
        subject = ("bot", row.bot_id or 0)
    return Pending(row.created_at, SEVERITY[AlertKind(row.kind)], subject)


def _quiet(operator: Operator, now: datetime) -> bool:
    try:
        zone = ZoneInfo(operator.time_zone or DEFAULT_TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo(DEFAULT_TIME_ZONE)
    return quiet_now(now.astimezone(zone).hour, operator.quiet_from, operator.quiet_to)
