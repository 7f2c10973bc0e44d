"""The JSON shapes of SPEC §8 and §12. A bot's token never leaves storage."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from core.domain import BotStatus, routed_status
from core.figures import PoolStatus
from storage.models import Bot, Member, Pool
from storage.repos.campaigns import FALLBACK_LINK, UNSERVED

Json = dict[str, Any]
OTHER_CAMPAIGNS = "other"  # how the campaigns past a day's top are named in answers


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _status(bot: Bot) -> str:
    return routed_status(bot.status, bot.backend_error).value


def bot_json(bot: Bot) -> Json:
    """A failing backend shows as SPEC §12 says: `degraded`, `last_error` saying why."""
    backend_failing = bot.backend_error is not None and bot.status == BotStatus.ONLINE
    return {
        "id": bot.id,
        "telegram_id": bot.telegram_id,
        "username": bot.username,
        "status": _status(bot),
        "last_check": _iso(bot.last_check),
        "latency_ms": round(bot.latency_ms, 1) if bot.latency_ms is not None else None,
        "last_error": bot.backend_error if backend_failing else bot.last_error,
        "backend_error": bot.backend_error,
        "recovered_at": _iso(bot.recovered_at),
        "created_at": _iso(bot.created_at),
    }


def link(public_url: str, slug: str) -> str:
    return f"{public_url}/go/{slug}"


def pool_json(pool: Pool, public_url: str) -> Json:
    return {
        "id": pool.id,
        "name": pool.name,
        "slug": pool.slug,
        "strategy": pool.strategy,
        "is_active": pool.is_active,
        "start_param": pool.start_param,
        "fallback_pool_id": pool.fallback_pool_id,
        "fallback_url": pool.fallback_url,
        "sticky_days": pool.sticky_days,
        "link": link(public_url, pool.slug),
        "created_at": _iso(pool.created_at),
    }


def member_json(
    member: Member, redirects_hour: int, *, returning_hour: int = 0, ramping_up: bool = False
) -> Json:
    return {
        "bot_id": member.bot_id,
        "username": member.bot.username,
        "weight": member.weight,
        "priority": member.priority,
        "is_enabled": member.is_enabled,
        "hourly_cap": member.hourly_cap,
        "status": _status(member.bot),
        "backend_error": member.bot.backend_error,
        "ramping_up": ramping_up,
        "redirects_hour": redirects_hour,
        "returning_hour": returning_hour,
    }


def members_json(
    pool: Pool,
    redirects: Mapping[int, int],
    returning: Mapping[int, int] | None = None,
    ramping: Collection[int] = (),
) -> list[Json]:
    """`redirects`, `returning`: bot id -> leads of the last hour; `ramping`: the bot ids
    that slow start still holds below their full share."""
    returning = returning or {}
    return [
        member_json(
            m,
            redirects.get(m.bot_id, 0),
            returning_hour=returning.get(m.bot_id, 0),
            ramping_up=m.bot_id in ramping,
        )
        for m in pool.members
    ]


def pool_with_members_json(
    pool: Pool,
    public_url: str,
    redirects: Mapping[int, int],
    returning: Mapping[int, int] | None = None,
    ramping: Collection[int] = (),
) -> Json:
    return {
        **pool_json(pool, public_url),
        "members": members_json(pool, redirects, returning, ramping),
    }


def status_json(
    pool: Pool,
    figures: PoolStatus,
    returning: Mapping[int, int],
    unrouted: Mapping[str, int],
    ramping: Collection[int],
) -> Json:
    """`returning`: bot id -> returning leads of the last hour (bots that left the pool
    included); `unrouted`: outcome -> leads of the last hour that no bot took."""
    return {
        "health": figures.health,
        "online_bots": figures.online_bots,
        "total_bots": figures.total_bots,
        "redirects_hour": figures.redirects_hour,
        "returning_hour": sum(returning.values()),
        "fallback_link_hour": unrouted.get(FALLBACK_LINK, 0),
        "unserved_hour": unrouted.get(UNSERVED, 0),
        "capacity_hour": figures.capacity_hour,
        "capacity_used": figures.capacity_used,
        "bots": members_json(pool, figures.bot_redirects, returning, ramping),
    }


def campaigns_json(top: list[tuple[str, int]], other: int) -> list[Json]:
    """The top campaigns, then "other" when any lead is left (a campaign really named
    "other" is added to it)."""
    answer = [{"start": name, "redirects": n} for name, n in top if name != OTHER_CAMPAIGNS]
    other += sum(n for name, n in top if name == OTHER_CAMPAIGNS)
    if other:
        answer.append({"start": OTHER_CAMPAIGNS, "redirects": other})
    return answer
