"""The pool card of SPEC §9 (the seed's dashboard) and the pools list."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot_manager.texts import t
from bot_manager.views.format import decimal, health_bar, latency, number, status_emoji
from core.domain import BotStatus, PoolHealth, Priority, pool_health
from core.figures import capacity_used, hourly_capacity, is_ramping
from core.settings import Settings
from core.tokens import redact
from storage.models import Member, Pool, utcnow
from storage.repos import counts, pools


def public_link(settings: Settings, slug: str) -> str:
    return f"{settings.public_url}/go/{slug}"


def priority_name(lang: str, priority: int) -> str:
    return t(lang, f"priority.{int(Priority(priority))}")


def health_of(pool: Pool, now: datetime) -> PoolHealth:
    return pool_health(pools.state_of(pool), now)


async def render_card(session: AsyncSession, settings: Settings, lang: str, pool: Pool) -> str:
    """The card as it stands now: health, traffic, capacity, link and one line per bot."""
    now = utcnow()
    per_bot = await counts.per_bot_last_hour(session, now, [pool.id])
    fallback = await session.get(Pool, pool.fallback_pool_id) if pool.fallback_pool_id else None
    return card_text(settings, lang, pool, per_bot, fallback, now)


def card_text(
    settings: Settings,
    lang: str,
    pool: Pool,
    per_bot: Mapping[tuple[int, int], int],
    fallback: Pool | None,
    now: datetime,
) -> str:
    state = pools.state_of(pool)
    health = pool_health(state, now)
    redirects = sum(per_bot.get((pool.id, m.bot_id), 0) for m in pool.members)
    capacity_hour = hourly_capacity(state, now, settings.bot_hourly_capacity)
    used = capacity_used(redirects, capacity_hour)
    active = t(lang, "card.active" if pool.is_active else "card.paused")
    lines = [
        t(lang, "card.title", name=pool.name, slug=pool.slug, state=active),
        t(
            lang,
            "card.health",
            percent=health.percent,
            bar=health_bar(health.percent),
            online=health.online,
            total=health.total,
        ),
        t(lang, "card.traffic", redirects=number(lang, redirects)),
        t(
            lang,
            "card.capacity",
            redirects=number(lang, redirects),
            capacity=number(lang, capacity_hour),
            used=decimal(lang, used),
        ),
        t(lang, "card.strategy", strategy=t(lang, f"strategy.{pool.strategy}")),
        t(
            lang,
            "card.fallback",
            fallback=fallback.slug if fallback else t(lang, "card.fallback_none"),
        ),
        t(lang, "card.fallback_link", link=fallback_link(lang, pool)),
        t(lang, "card.sticky", days=sticky_window(lang, pool.sticky_days)),
        t(lang, "card.link", link=public_link(settings, pool.slug)),
    ]
    if not pool.is_active:
        lines.append(t(lang, "card.paused_note"))
    lines += ["", t(lang, "card.bots")]
    lines += member_lines(lang, pool.members, per_bot) or [t(lang, "card.no_bots")]
    return "\n".join(lines)


def fallback_link(lang: str, pool: Pool) -> str:
    return pool.fallback_url or t(lang, "card.fallback_link_none")


def sticky_window(lang: str, days: int) -> str:
    return t(lang, "card.sticky_days", days=days) if days else t(lang, "card.sticky_off")


def member_lines(
    lang: str,
    members: Sequence[Member],
    per_bot: Mapping[tuple[int, int], int],
) -> list[str]:
    lines = []
    for member in members:
        line = t(
            lang,
            "card.bot_line",
            emoji=status_emoji(member.bot.status),
            username=member.bot.username,
            redirects=number(lang, per_bot.get((member.pool_id, member.bot_id), 0)),
            latency=latency(member.bot.latency_ms),
            tuning=t(
                lang,
                "card.tuning",
                weight=member.weight,
                priority=priority_name(lang, member.priority),
            ),
        )
        if member.hourly_cap is not None:
            line += t(lang, "card.cap", cap=number(lang, member.hourly_cap))
        if member.bot.status != BotStatus.ONLINE:
            line += f" │ {t(lang, f'status.{member.bot.status}')}"
        elif member.bot.backend_error:
            line += t(lang, "card.backend_error", error=redact(member.bot.backend_error))
        lines.append(line + ("" if member.is_enabled else t(lang, "card.disabled")))
    return lines


def member_capacity(lang: str, member: Member, settings: Settings) -> str:
    """The member's hourly cap as the operator reads it: "500", or "2.250 (padrão)"."""
    if member.hourly_cap is not None:
        return number(lang, member.hourly_cap)
    default = number(lang, settings.bot_hourly_capacity)
    return t(lang, "funnel.cap_default_mark", cap=default)


def member_notes(lang: str, member: Member, settings: Settings, now: datetime) -> list[str]:
    """What the member screen adds about routing: the cap, a failing backend, slow start."""
    notes = [t(lang, "member.capacity", cap=member_capacity(lang, member, settings))]
    if member.bot.backend_error:
        notes.append(t(lang, "member.backend_error", error=redact(member.bot.backend_error)))
    ramp_from = pools.ramp_from(member)
    if is_ramping(ramp_from, now, settings.slow_start_s):
        until = ramp_from + timedelta(seconds=settings.slow_start_s)
        notes.append(t(lang, "member.ramping", until=until.strftime("%H:%M UTC")))
    return notes
