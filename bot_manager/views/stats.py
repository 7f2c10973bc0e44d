"""What /stats shows: the pools overview, one pool's figures per bot, a bot's failures."""

from __future__ import annotations

from collections.abc import Sequence

from bot_manager.texts import CATALOGUES, DEFAULT_LANGUAGE, t
from bot_manager.views.format import decimal, latency, moment, number, status_emoji
from core.tokens import redact
from storage.models import HealthRecord, Pool
from storage.repos.campaigns import DayCampaigns
from storage.repos.stats import FAILURES_SHOWN, BotFigures, PoolFigures, PoolSummary

MAX_TEXT = 4000  # under Telegram's 4096, leaving room for the "…" line
CAMPAIGNS_DAYS = 7  # days of campaigns shown in chat (the API goes back further)
CAMPAIGNS_SHOWN = 10  # campaigns per day shown in chat; the rest count as "other"


def fit(lines: Sequence[str]) -> str:
    """Join lines, stopping before Telegram's message limit (an operator with very many
    pools still gets every button)."""
    kept: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > MAX_TEXT:
            kept.append("…")
            break
        kept.append(line)
    return "\n".join(kept)


def _traffic(lang: str, summary: PoolSummary) -> dict[str, object]:
    return {
        "name": summary.name,
        "slug": summary.slug,
        "health": summary.health.percent,
        "online": summary.health.online,
        "total": summary.health.total,
        "hour": number(lang, summary.redirects_hour),
        "day": number(lang, summary.redirects_day),
    }


def overview_text(lang: str, summaries: Sequence[PoolSummary]) -> str:
    if not summaries:
        return t(lang, "stats.no_pools")
    lines = [t(lang, "stats.overview_title"), ""]
    for pool in summaries:
        paused = "" if pool.is_active else t(lang, "stats.paused")
        lines.append(t(lang, "stats.overview_line", paused=paused, **_traffic(lang, pool)))
        if pool.returning_day or pool.fallback_link_day or pool.unserved_day:
            lines.append(
                t(
                    lang,
                    "stats.overview_unrouted",
                    returning=number(lang, pool.returning_day),
                    link=number(lang, pool.fallback_link_day),
                    unserved=number(lang, pool.unserved_day),
                )
            )
    lines += ["", t(lang, "stats.overview_hint")]
    return fit(lines)


def _bot_line(lang: str, bot: BotFigures) -> str:
    return t(
        lang,
        "stats.bot_line",
        icon=status_emoji(bot.status),
        bot=bot.username,
        disabled="" if bot.is_enabled else t(lang, "stats.bot_disabled"),
        hour=number(lang, bot.redirects_hour),
        day=number(lang, bot.redirects_day),
        uptime=decimal(lang, bot.uptime_percent),
        latency=latency(bot.latency_ms),
    )


def _highlights(lang: str, figures: PoolFigures) -> list[str]:
    used, troubled = figures.most_used, figures.most_troubled
    return [
        t(lang, "stats.most_used", bot=used.username, day=number(lang, used.redirects_day))
        if used
        else t(lang, "stats.most_used_none"),
        t(
            lang,
            "stats.most_troubled",
            bot=troubled.username,
            failures=troubled.failed_probes_day,
            drops=troubled.drops_day,
        )
        if troubled
        else t(lang, "stats.most_troubled_none"),
    ]


def pool_text(lang: str, figures: PoolFigures) -> str:
    pool = figures.summary
    paused = "" if pool.is_active else t(lang, "stats.pool_paused")
    lines = [t(lang, "stats.pool_title", paused=paused, **_traffic(lang, pool))]
    lines += [*_leads(lang, pool), ""]
    if not figures.bots:
        return "\n".join([*lines, t(lang, "stats.no_bots", slug=pool.slug)])
    lines += _highlights(lang, figures)
    lines += ["", t(lang, "stats.bots_title")]
    lines += [_bot_line(lang, bot) for bot in figures.bots]
    return fit(lines)


def _leads(lang: str, pool: PoolSummary) -> list[str]:
    """Returning leads, and the leads no bot took: to the fallback link, or the 503."""
    return [
        t(lang, key, hour=number(lang, hour), day=number(lang, day))
        for key, hour, day in (
            ("stats.returning", pool.returning_hour, pool.returning_day),
            ("stats.fallback_link", pool.fallback_link_hour, pool.fallback_link_day),
            ("stats.unserved", pool.unserved_hour, pool.unserved_day),
        )
    ]


def campaigns_text(lang: str, pool: Pool, days: Sequence[DayCampaigns], span_days: int) -> str:
    """A pool's campaigns per UTC day, newest first: the day's top ones (at most
    CAMPAIGNS_SHOWN, the others folded into "other")."""
    title = t(lang, "stats.campaigns_title", name=pool.name, slug=pool.slug)
    if not days:
        return "\n".join([title, "", t(lang, "stats.campaigns_none", days=span_days)])
    lines = [title]
    for day in days:
        shown, folded = day.top[:CAMPAIGNS_SHOWN], day.top[CAMPAIGNS_SHOWN:]
        other = day.other + sum(n for _name, n in folded)
        total = other + sum(n for _name, n in shown)
        lines += ["", t(lang, "stats.campaigns_day", day=day.day.isoformat(), total=total)]
        lines += [
            t(lang, "stats.campaigns_line", start=name, count=number(lang, n)) for name, n in shown
        ]
        if other:
            lines.append(t(lang, "stats.campaigns_other", count=number(lang, other)))
    return fit(lines)


def _kind(lang: str, kind: str) -> str:
    key = f"stats.kind.{kind}"
    return t(lang, key) if key in CATALOGUES[DEFAULT_LANGUAGE] else kind


def failures_text(lang: str, username: str, failures: Sequence[HealthRecord]) -> str:
    if not failures:
        return t(lang, "stats.no_failures", bot=username)
    lines = [t(lang, "stats.failures_title", bot=username, limit=FAILURES_SHOWN)]
    lines += [
        t(
            lang,
            "stats.failure_line",
            at=moment(failure.at, ""),
            kind=_kind(lang, failure.kind),
            detail=f": {redact(failure.detail)}" if failure.detail else "",
        )
        for failure in failures
    ]
    return fit(lines)
