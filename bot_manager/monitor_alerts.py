"""Which alerts a health change sends, to whom and in which words (SPEC §6).

Bot alerts follow core.alerts.bot_alert on each status change; pool alerts compare the
level stored with each pool to the new one and store the new one, so an alert is sent
once per change and survives restarts."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.texts import t
from core.alerts import AlertKind, PoolLevel, bot_alert, pool_alert, pool_level
from core.domain import PoolHealth, PoolState, pool_health
from core.health import StatusChange
from core.outage import Verdict
from core.reports import zone
from storage.models import Bot, Pool
from storage.repos import operators, pools

Message = tuple[int, str]


async def plan_alerts(
    session: AsyncSession,
    changes: Sequence[tuple[Bot, StatusChange]],
    now: datetime,
    public_url: str,
    kinds: Mapping[int, AlertKind] | None = None,
) -> list[Message]:
    """The (chat id, text) pairs to send for these changes, in the owners' languages;
    `kinds` names the alert of a bot whose change says less than its cause (a token that
    cannot be decrypted). Updates the stored alert level of every pool these bots are in,
    whether or not it alerts (their rows held until commit: a pool deleted meanwhile is
    simply left out)."""
    states = await pools.states_with_bots(session, [bot.id for bot, _ in changes], lock=True)
    health = {pool.id: pool_health(state, now) for pool, state in states}
    drafts: list[tuple[int, AlertKind, Bot | Pool]] = []
    for bot, change in changes:
        kind = (kinds or {}).get(bot.id) or bot_alert(change)
        if kind is not None:
            drafts.append((bot.owner_id, kind, bot))
    for pool, _state in states:
        old, new = PoolLevel(pool.alert_level), pool_level(health[pool.id])
        if old is new:
            continue
        pool.alert_level = new.value
        kind = pool_alert(old, new)
        if kind is not None and pool.is_active:
            drafts.append((pool.owner_id, kind, pool))
    messages: list[Message] = []
    languages: dict[int, str | None] = {}
    for owner_id, kind, subject in drafts:
        if owner_id not in languages:
            operator = await operators.get(session, owner_id)
            enabled = operator is not None and operator.alerts_enabled
            languages[owner_id] = operator.language if enabled else None  # type: ignore[union-attr]
        language = languages[owner_id]
        if language is None:
            continue
        if isinstance(subject, Bot):
            text = bot_text(language, kind, subject.username, _pools_of(subject.id, states, health))
        else:
            text = pool_text(language, kind, subject, health[subject.id], public_url)
        messages.append((owner_id, text))
    return messages


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


def _pools_of(
    bot_id: int, states: Sequence[tuple[Pool, PoolState]], health: dict[int, PoolHealth]
) -> list[tuple[str, PoolHealth]]:
    return [
        (pool.name, health[pool.id])
        for pool, state in states
        if any(m.bot_id == bot_id and m.is_enabled for m in state.members)
    ]


def _figures(figures: PoolHealth) -> dict[str, int]:
    return {"health": figures.percent, "online": figures.online, "total": figures.total}


def bot_text(
    language: str, kind: AlertKind, username: str, pool_lines: Sequence[tuple[str, PoolHealth]]
) -> str:
    """A bot alert: with one pool, named in the first line and its health below; with
    several, one health line each."""
    if len(pool_lines) == 1:
        name, figures = pool_lines[0]
        of_pool = t(language, "alert.of_pool", pool=name)
        lines = t(language, "alert.pool_health", **_figures(figures))
    else:
        of_pool = ""
        lines = "\n".join(
            t(language, "alert.pool_line", pool=name, **_figures(figures))
            for name, figures in pool_lines
        ) or t(language, "alert.no_pool")
    return t(language, f"alert.{kind.value}", bot=username, of_pool=of_pool, health=lines)


def pool_text(
    language: str, kind: AlertKind, pool: Pool, figures: PoolHealth, public_url: str
) -> str:
    link = f"{public_url}/go/{pool.slug}"
    return t(language, f"alert.{kind.value}", pool=pool.name, link=link, **_figures(figures))
