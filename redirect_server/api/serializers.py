"""The JSON shapes of SPEC §8. A bot's token never leaves storage."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from core.figures import PoolStatus
from storage.models import Bot, Member, Pool

Json = dict[str, Any]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def bot_json(bot: Bot) -> Json:
    return {
        "id": bot.id,
        "telegram_id": bot.telegram_id,
        "username": bot.username,
        "status": bot.status,
        "last_check": _iso(bot.last_check),
        "latency_ms": round(bot.latency_ms, 1) if bot.latency_ms is not None else None,
        "last_error": bot.last_error,
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
        "link": link(public_url, pool.slug),
        "created_at": _iso(pool.created_at),
    }


def member_json(member: Member, redirects_hour: int) -> Json:
    return {
        "bot_id": member.bot_id,
        "username": member.bot.username,
        "weight": member.weight,
        "priority": member.priority,
        "is_enabled": member.is_enabled,
        "status": member.bot.status,
        "redirects_hour": redirects_hour,
    }


def members_json(pool: Pool, redirects: Mapping[int, int]) -> list[Json]:
    return [member_json(m, redirects.get(m.bot_id, 0)) for m in pool.members]


def pool_with_members_json(pool: Pool, public_url: str, redirects: Mapping[int, int]) -> Json:
    return {**pool_json(pool, public_url), "members": members_json(pool, redirects)}


def status_json(pool: Pool, figures: PoolStatus) -> Json:
    return {
        "health": figures.health,
        "online_bots": figures.online_bots,
        "total_bots": figures.total_bots,
        "redirects_hour": figures.redirects_hour,
        "capacity_hour": figures.capacity_hour,
        "capacity_used": figures.capacity_used,
        "bots": members_json(pool, figures.bot_redirects),
    }
