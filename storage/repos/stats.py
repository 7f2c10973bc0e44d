"""Figures for /stats (the seed's "Métricas e analytics"): traffic and health of an
operator's pools and bots. Every query is owner-scoped; another operator's pool or bot
is NotFound."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import BotStatus, PoolHealth, pool_health
from storage.models import Bot, HealthRecord, OutcomeCount, Pool, RedirectCount
from storage.repos import bots, counts, history, pools
from storage.repos.campaigns import FALLBACK_LINK, UNSERVED

HOUR = timedelta(hours=1)
DAY = timedelta(hours=24)
FAILURES_SHOWN = 10
PerBot = dict[tuple[int, int], int]  # (pool id, bot id) -> redirects
PerOutcome = dict[tuple[int, str], int]  # (pool id, FALLBACK_LINK or UNSERVED) -> leads


@dataclass(frozen=True, slots=True)
class BotFigures:
    """One member of a pool: its traffic in this pool and its own health."""

    bot_id: int
    username: str
    status: BotStatus
    is_enabled: bool
    redirects_hour: int
    redirects_day: int
    returning_hour: int  # of the redirects, leads that came back to this bot (sticky)
    returning_day: int
    uptime_percent: float
    latency_ms: float | None
    failed_probes_day: int
    drops_day: int  # status changes away from online

    @property
    def trouble(self) -> int:
        return self.failed_probes_day + self.drops_day


@dataclass(frozen=True, slots=True)
class PoolSummary:
    pool_id: int
    slug: str
    name: str
    is_active: bool
    health: PoolHealth
    redirects_hour: int
    redirects_day: int
    returning_hour: int = 0  # of the redirects, leads that came back (a sticky cookie)
    returning_day: int = 0
    fallback_link_hour: int = 0  # leads no bot took, sent to the pool's fallback link
    fallback_link_day: int = 0
    unserved_hour: int = 0  # leads no bot took and nothing else could (the 503 page)
    unserved_day: int = 0


@dataclass(frozen=True, slots=True)
class Windows:
    """What the figures of some pools need, read once: per bot and per outcome, over the
    last hour and the last 24 hours."""

    hour: PerBot
    day: PerBot
    returning_hour: PerBot
    returning_day: PerBot
    outcomes_hour: PerOutcome
    outcomes_day: PerOutcome


@dataclass(frozen=True, slots=True)
class PoolFigures:
    summary: PoolSummary
    bots: tuple[BotFigures, ...]

    @property
    def most_used(self) -> BotFigures | None:
        """The member with most redirects in 24 h (then in 1 h); None while none has any."""
        best = max(self.bots, key=lambda b: (b.redirects_day, b.redirects_hour), default=None)
        return best if best is not None and best.redirects_day else None

    @property
    def most_troubled(self) -> BotFigures | None:
        """The member with most failed probes and drops in 24 h; None while all are clean."""
        worst = max(self.bots, key=lambda b: (b.trouble, b.drops_day), default=None)
        return worst if worst is not None and worst.trouble else None


async def per_bot_last_day(session: AsyncSession, now: datetime, pool_ids: Iterable[int]) -> PerBot:
    """(pool id, bot id) -> redirects in the last 24 hours, approximated from hour buckets
    as counts.per_bot_last_hour does: whole buckets since, plus the still-inside share of
    the bucket 24 hours ago."""
    pool_ids = list(pool_ids)
    oldest = counts.hour_of(now - DAY)
    whole = await counts.per_bot_since(session, oldest + timedelta(hours=1), pool_ids)
    _current, _previous, share = counts.last_hour_weights(now)
    rows = await session.execute(
        select(RedirectCount.pool_id, RedirectCount.bot_id, RedirectCount.count).where(
            RedirectCount.hour == oldest, RedirectCount.pool_id.in_(pool_ids)
        )
    )
    totals = {key: float(n) for key, n in whole.items()}
    for pool_id, bot_id, count in rows:
        totals[(pool_id, bot_id)] = totals.get((pool_id, bot_id), 0.0) + count * share
    return {key: round(value) for key, value in totals.items()}


def _share_inside(hour: datetime, now: datetime, span: timedelta) -> float:
    """How much of the hour bucket starting at `hour` falls inside the `span` before now
    (the sliding approximation of counts.last_hour_weights, for any span)."""
    return max(0.0, min(1.0, (hour + HOUR - (now - span)) / HOUR))


async def returning_within(
    session: AsyncSession, now: datetime, span: timedelta, pool_ids: Iterable[int]
) -> PerBot:
    """(pool id, bot id) -> returning leads (redirect_counts.returning_leads) in the `span`
    before now, approximated from hour buckets."""
    statement = select(
        RedirectCount.pool_id, RedirectCount.bot_id, RedirectCount.hour,
        RedirectCount.returning_leads,
    ).where(
        RedirectCount.hour >= counts.hour_of(now - span),
        RedirectCount.pool_id.in_(list(pool_ids)),
        RedirectCount.returning_leads > 0,
    )  # fmt: skip
    totals: dict[tuple[int, int], float] = {}
    for pool_id, bot_id, hour, n in await session.execute(statement):
        key = (pool_id, bot_id)
        totals[key] = totals.get(key, 0.0) + n * _share_inside(hour, now, span)
    return {key: round(value) for key, value in totals.items()}


async def member_last_hour(
    session: AsyncSession, pool_id: int, bot_id: int, now: datetime
) -> tuple[int, int]:
    """One member's redirects and returning leads in the last hour, in one query: the
    figures pool_last_hour and counts.pool_last_hour give it, without the pool's others."""
    statement = select(
        RedirectCount.hour, RedirectCount.count, RedirectCount.returning_leads
    ).where(
        RedirectCount.pool_id == pool_id,
        RedirectCount.bot_id == bot_id,
        RedirectCount.hour >= counts.hour_of(now - HOUR),
    )
    redirects = returning = 0.0
    for hour, n, back in await session.execute(statement):
        share = _share_inside(hour, now, HOUR)
        redirects += n * share
        returning += back * share
    return round(redirects), round(returning)


async def outcomes_within(
    session: AsyncSession, now: datetime, span: timedelta, pool_ids: Iterable[int]
) -> PerOutcome:
    """(pool id, outcome) -> leads no bot took (sent to the fallback link, or the 503
    page) in the `span` before now, approximated from hour buckets."""
    statement = select(
        OutcomeCount.pool_id, OutcomeCount.outcome, OutcomeCount.hour, OutcomeCount.count
    ).where(
        OutcomeCount.hour >= counts.hour_of(now - span),
        OutcomeCount.pool_id.in_(list(pool_ids)),
    )
    totals: dict[tuple[int, str], float] = {}
    for pool_id, outcome, hour, n in await session.execute(statement):
        key = (pool_id, outcome)
        totals[key] = totals.get(key, 0.0) + n * _share_inside(hour, now, span)
    return {key: round(value) for key, value in totals.items()}


async def windows(session: AsyncSession, now: datetime, pool_ids: Iterable[int]) -> Windows:
    ids = list(pool_ids)
    return Windows(
        hour=await counts.per_bot_last_hour(session, now, ids),
        day=await per_bot_last_day(session, now, ids),
        returning_hour=await returning_within(session, now, HOUR, ids),
        returning_day=await returning_within(session, now, DAY, ids),
        outcomes_hour=await outcomes_within(session, now, HOUR, ids),
        outcomes_day=await outcomes_within(session, now, DAY, ids),
    )


def _pool_total(per_bot: PerBot, pool_id: int) -> int:
    """Every redirect of the pool, including those of bots no longer in it."""
    return sum(n for (p, _b), n in per_bot.items() if p == pool_id)


def _summary(pool: Pool, now: datetime, seen: Windows) -> PoolSummary:
    return PoolSummary(
        pool_id=pool.id,
        slug=pool.slug,
        name=pool.name,
        is_active=pool.is_active,
        health=pool_health(pools.state_of(pool), now),
        redirects_hour=_pool_total(seen.hour, pool.id),
        redirects_day=_pool_total(seen.day, pool.id),
        returning_hour=_pool_total(seen.returning_hour, pool.id),
        returning_day=_pool_total(seen.returning_day, pool.id),
        fallback_link_hour=seen.outcomes_hour.get((pool.id, FALLBACK_LINK), 0),
        fallback_link_day=seen.outcomes_day.get((pool.id, FALLBACK_LINK), 0),
        unserved_hour=seen.outcomes_hour.get((pool.id, UNSERVED), 0),
        unserved_day=seen.outcomes_day.get((pool.id, UNSERVED), 0),
    )


async def overview(session: AsyncSession, owner_id: int, now: datetime) -> list[PoolSummary]:
    """Each of the operator's pools with its health and traffic, in creation order."""
    owned = await pools.list_owned(session, owner_id)
    seen = await windows(session, now, [pool.id for pool in owned])
    return [_summary(pool, now, seen) for pool in owned]


async def pool_summary(session: AsyncSession, pool: Pool, now: datetime) -> PoolSummary:
    """One pool's traffic figures (the API's status reads them)."""
    return _summary(pool, now, await windows(session, now, [pool.id]))


async def trouble_since(
    session: AsyncSession, bot_ids: Sequence[int], since: datetime
) -> dict[int, tuple[int, int]]:
    """bot id -> (failed probes, status changes away from online) since `since`."""
    is_change = HealthRecord.kind == history.STATUS_CHANGE
    drop = is_change & (HealthRecord.detail == BotStatus.ONLINE.value)
    statement = (
        select(
            HealthRecord.bot_id,
            func.sum(case((is_change, 0), else_=1)),
            func.sum(case((drop, 1), else_=0)),
        )
        .where(HealthRecord.bot_id.in_(list(bot_ids)), HealthRecord.at >= since)
        .group_by(HealthRecord.bot_id)
    )
    return {bot_id: (int(f), int(d)) for bot_id, f, d in await session.execute(statement)}


async def _figures(session: AsyncSession, pool: Pool, now: datetime) -> PoolFigures:
    seen = await windows(session, now, [pool.id])
    trouble = await trouble_since(session, [m.bot_id for m in pool.members], now - DAY)
    figures = []
    for member in pool.members:
        bot = member.bot
        status = BotStatus(bot.status)
        failed, drops = trouble.get(bot.id, (0, 0))
        key = (pool.id, bot.id)
        figures.append(
            BotFigures(
                bot_id=bot.id,
                username=bot.username,
                status=status,
                is_enabled=member.is_enabled,
                redirects_hour=seen.hour.get(key, 0),
                redirects_day=seen.day.get(key, 0),
                returning_hour=seen.returning_hour.get(key, 0),
                returning_day=seen.returning_day.get(key, 0),
                uptime_percent=await history.uptime_percent(session, bot.id, status, now, DAY),
                latency_ms=bot.latency_ms,
                failed_probes_day=failed,
                drops_day=drops,
            )
        )
    return PoolFigures(summary=_summary(pool, now, seen), bots=tuple(figures))


async def pool_figures(
    session: AsyncSession, owner_id: int, slug: str, now: datetime
) -> PoolFigures:
    """The pool's figures per bot; NotFound for an unknown slug or another's pool."""
    return await _figures(session, await pools.get_owned_by_slug(session, owner_id, slug), now)


async def pool_figures_by_id(
    session: AsyncSession, owner_id: int, pool_id: int, now: datetime
) -> PoolFigures:
    return await _figures(session, await pools.get_owned(session, owner_id, pool_id), now)


async def bot_failures(
    session: AsyncSession, owner_id: int, bot_id: int, limit: int = FAILURES_SHOWN
) -> tuple[Bot, Sequence[HealthRecord]]:
    """The bot and its latest failed probes, newest first; NotFound for another's bot."""
    bot = await bots.get_owned(session, owner_id, bot_id)
    return bot, await history.last_failures(session, bot.id, limit)


@dataclass(frozen=True, slots=True)
class LastHour:
    """One pool's leads of the last hour beyond its redirects per bot (the API's status)."""

    returning: dict[int, int]  # bot id -> returning leads (bots that left included)
    unrouted: dict[str, int]  # FALLBACK_LINK / UNSERVED -> leads no bot took


async def pool_last_hour(session: AsyncSession, pool_id: int, now: datetime) -> LastHour:
    returning = await returning_within(session, now, HOUR, [pool_id])
    unrouted = await outcomes_within(session, now, HOUR, [pool_id])
    return LastHour(
        returning={bot_id: n for (_pool, bot_id), n in returning.items()},
        unrouted={outcome: n for (_pool, outcome), n in unrouted.items()},
    )
