"""Which alerts a health change causes (SPEC §6), written to the alert outbox in the
transaction of the change, so none is lost between the commit and Telegram.

Bot alerts follow core.alerts.bot_alert on each status change; pool alerts compare the
level stored with each pool to the new one and store the new one, so an alert is
recorded once per change and survives restarts. The words and the grouping are the
alert delivery's (bot_manager.alert_delivery)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.texts import t
from core.alerts import AlertKind, PoolLevel, bot_alert, pool_alert, pool_level
from core.domain import pool_health
from core.health import StatusChange
from core.incidents import SEVERITY
from core.outage import Verdict
from core.reports import zone
from storage.models import AlertOutbox, Bot
from storage.repos import changes as routing
from storage.repos import operators, pools

Message = tuple[int, str]  # chat id, text: an outage alert, sent at once
Draft = tuple[int, AlertKind, int | None, int | None]  # owner, kind, pool id, bot id


async def plan_alerts(
    session: AsyncSession,
    changes: Sequence[tuple[Bot, StatusChange]],
    now: datetime,
    kinds: Mapping[int, AlertKind] | None = None,
    backend: Sequence[tuple[Bot, AlertKind]] = (),
) -> int:
    """Add to the outbox the alerts of these changes for owners who want alerts; returns
    how many. `kinds` names the alert of a bot whose change says less than its cause (a
    token that cannot be decrypted); `backend` are the bots whose backend started failing
    or recovered, with that alert. Updates the stored alert level of every pool these
    bots are in, whether or not it alerts (their rows held until commit: a pool deleted
    meanwhile is left out)."""
    levels = await pools.lock_alert_levels(session, [bot.id for bot, _ in changes])
    found = await routing.routing_states(session, [level.pool_id for level in levels])
    states = {state.pool_id: state for state in found}
    drafts: list[Draft] = []
    for bot, change in changes:
        kind = (kinds or {}).get(bot.id) or bot_alert(change)
        if kind is not None:
            drafts.append((bot.owner_id, kind, None, bot.id))
    drafts += [(bot.owner_id, kind, None, bot.id) for bot, kind in backend]
    new_levels: dict[int, str] = {}
    for pool in levels:
        state = states.get(pool.pool_id)
        if state is None:
            continue
        old, new = PoolLevel(pool.level), pool_level(pool_health(state, now))
        if old is new:
            continue
        new_levels[pool.pool_id] = new.value
        kind = pool_alert(old, new)
        if kind is not None and pool.is_active:
            drafts.append((pool.owner_id, kind, pool.pool_id, None))
    await pools.set_alert_levels(session, new_levels)
    return await record(session, drafts, now)


async def record(session: AsyncSession, drafts: Sequence[Draft], now: datetime) -> int:
    """Write these alerts to the outbox for the owners who want alerts; how many."""
    wanted: dict[int, bool] = {}
    recorded = 0
    for owner_id, kind, pool_id, bot_id in drafts:
        if owner_id not in wanted:
            operator = await operators.get(session, owner_id)
            wanted[owner_id] = operator is not None and operator.alerts_enabled
        if not wanted[owner_id]:
            continue
        session.add(
            AlertOutbox(
                operator_id=owner_id,
                created_at=now,
                kind=kind.value,
                severity=int(SEVERITY[kind]),
                pool_id=pool_id,
                bot_id=bot_id,
            )
        )
        recorded += 1
    return recorded


async def plan_outage_alerts(
    session: AsyncSession,
    owner_ids: Collection[int],
    verdict: Verdict,
    since: datetime,
    until: datetime | None = None,
    **figures: object,
) -> list[Message]:
    """An outage of the path to Telegram told to these operators: that it started
    (`until` None, with the pass's `figures`), or that it is over. Times in each
    operator's zone."""
    messages: list[Message] = []
    for owner_id in sorted(owner_ids):
        operator = await operators.get(session, owner_id)
        if operator is None or not operator.alerts_enabled:
            continue
        local = zone(operator.time_zone)
        at = {"since": _clock(since, local)}
        if until is None:
            key = f"alert.outage_{verdict.value}"
        else:
            key, at["until"] = "alert.outage_over", _clock(until, local)
        messages.append((owner_id, t(operator.language, key, **at, **figures)))
    return messages


def _clock(moment: datetime, local: ZoneInfo) -> str:
    return f"{moment.astimezone(local):%d/%m %H:%M} ({local.key})"
