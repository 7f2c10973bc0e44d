"""Per-pool hourly counts of what is not a bot's redirect: leads by campaign (the
`start` they brought) and leads no bot took (sent to the fallback link, or the 503)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import dialect_insert
from storage.models import CampaignCount, OutcomeCount
from storage.repos.counts import hour_of

OTHER = ""  # the campaigns past a pool's daily budget, shown as "other"
TOP_PER_DAY = 20  # campaigns shown per pool and day; the rest add up into "other"
# Distinct campaigns a process writes per pool and UTC day; later ones count as OTHER, so
# that junk `start` values cannot grow the table without limit.
CAMPAIGNS_PER_DAY = 100
FALLBACK_LINK, UNSERVED = "fallback_link", "unserved"

Key = tuple[int, datetime, str]  # pool id, moment (bucketed to its hour), campaign/outcome


async def _upsert(
    session: AsyncSession, model: type, column: str, increments: Mapping[Key, int]
) -> None:
    buckets: dict[tuple[int, datetime, str], int] = {}
    for (pool_id, moment, name), n in increments.items():
        key = (pool_id, hour_of(moment), name)
        buckets[key] = buckets.get(key, 0) + n
    rows = [
        {"pool_id": pool_id, "hour": hour, column: name, "count": n}
        for (pool_id, hour, name), n in buckets.items()
        if n
    ]
    if not rows:
        return
    statement = dialect_insert(session, model)
    statement = statement.on_conflict_do_update(
        index_elements=["pool_id", "hour", column],
        set_={"count": model.count + statement.excluded.count},  # type: ignore[attr-defined]
    )
    await session.execute(statement, rows)


async def add(session: AsyncSession, increments: Mapping[Key, int]) -> None:
    """Add leads by (pool id, moment, campaign); OTHER for those past the budget."""
    await _upsert(session, CampaignCount, "campaign", increments)


async def add_outcomes(session: AsyncSession, increments: Mapping[Key, int]) -> None:
    """Add leads by (pool id, moment, FALLBACK_LINK or UNSERVED)."""
    await _upsert(session, OutcomeCount, "outcome", increments)


@dataclass(frozen=True, slots=True)
class DayCampaigns:
    day: date  # UTC
    top: list[tuple[str, int]]  # most leads first, at most TOP_PER_DAY
    other: int  # leads of every other campaign that day


async def by_day(
    session: AsyncSession, pool_id: int, since: datetime, until: datetime | None = None
) -> list[DayCampaigns]:
    """A pool's campaigns per UTC day from `since`'s hour on, newest day first."""
    statement = select(CampaignCount.hour, CampaignCount.campaign, CampaignCount.count).where(
        CampaignCount.pool_id == pool_id, CampaignCount.hour >= hour_of(since)
    )
    if until is not None:
        statement = statement.where(CampaignCount.hour < until)
    days: dict[date, dict[str, int]] = {}
    for hour, campaign, n in await session.execute(statement):
        per = days.setdefault(hour.date(), {})
        per[campaign] = per.get(campaign, 0) + n
    result = []
    for day in sorted(days, reverse=True):
        per = days[day]
        other = per.pop(OTHER, 0)
        ranked = sorted(per.items(), key=lambda item: (-item[1], item[0]))
        other += sum(n for _name, n in ranked[TOP_PER_DAY:])
        result.append(DayCampaigns(day, ranked[:TOP_PER_DAY], other))
    return result


async def top_since(
    session: AsyncSession, pool_id: int, since: datetime
) -> tuple[list[tuple[str, int]], int]:
    """A pool's top TOP_PER_DAY campaigns in the hour buckets from `since`'s hour on,
    most leads first, and the leads of every other campaign (OTHER included)."""
    statement = (
        select(CampaignCount.campaign, func.sum(CampaignCount.count))
        .where(CampaignCount.pool_id == pool_id, CampaignCount.hour >= hour_of(since))
        .group_by(CampaignCount.campaign)
    )
    per = {name: int(n) for name, n in await session.execute(statement)}
    other = per.pop(OTHER, 0)
    ranked = sorted(per.items(), key=lambda item: (-item[1], item[0]))
    return ranked[:TOP_PER_DAY], other + sum(n for _name, n in ranked[TOP_PER_DAY:])


async def outcomes_since(
    session: AsyncSession, since: datetime, pool_ids: Iterable[int] | None = None
) -> dict[tuple[int, str], int]:
    """(pool id, outcome) -> leads in whole hour buckets from `since`'s hour on."""
    statement = (
        select(OutcomeCount.pool_id, OutcomeCount.outcome, func.sum(OutcomeCount.count))
        .where(OutcomeCount.hour >= hour_of(since))
        .group_by(OutcomeCount.pool_id, OutcomeCount.outcome)
    )
    if pool_ids is not None:
        statement = statement.where(OutcomeCount.pool_id.in_(list(pool_ids)))
    return {(p, o): int(n) for p, o, n in await session.execute(statement)}


async def delete_before(session: AsyncSession, cutoff: datetime, limit: int) -> int:
    """Delete up to `limit` campaign and outcome buckets that start before `cutoff`,
    oldest first; the number deleted."""
    deleted = 0
    for model, column in (
        (CampaignCount, CampaignCount.campaign),
        (OutcomeCount, OutcomeCount.outcome),
    ):
        key = (model.pool_id, model.hour, column)
        oldest = select(*key).where(model.hour < cutoff).order_by(model.hour).limit(limit - deleted)
        if deleted >= limit:
            break
        result = await session.execute(delete(model).where(tuple_(*key).in_(oldest)))
        deleted += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return deleted
