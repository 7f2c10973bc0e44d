"""Words around pictures and reports: chart lettering, captions and the daily digest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot_manager.charts import ChartTexts
from bot_manager.texts import t
from bot_manager.views.format import decimal, number
from core.reports import MarkerKind, PoolDigest
from storage.models import Pool

MAX_TEXT = 4000


def period_name(lang: str, hours: int) -> str:
    key = {24: "24h", 24 * 7: "7d", 24 * 30: "30d"}.get(hours)
    return t(lang, f"reports.period.{key}") if key else f"{hours} h"


def yesterday(lang: str, day: date) -> str:
    return t(lang, "digest.chart_period", day=day.strftime("%d/%m"))


def chart_texts(lang: str, pool: Pool, hours: int, period: str | None = None) -> ChartTexts:
    """`period` names the span when it is not the last `hours` (the digest's yesterday)."""
    return ChartTexts(
        title=f"{pool.name} ({pool.slug}) · {period or period_name(lang, hours)}",
        y_axis=t(lang, "reports.chart_y"),
        capacity=t(lang, "reports.chart_capacity"),
        capacity_off_scale=t(lang, "reports.chart_capacity_off"),
        others=t(lang, "reports.chart_others"),
        no_traffic=t(lang, "reports.chart_empty"),
        markers={kind: t(lang, f"reports.marker.{kind.value}") for kind in MarkerKind},
        thousands="," if lang == "en" else ".",
    )


def chart_caption(lang: str, pool: Pool, hours: int, total: int, period: str | None = None) -> str:
    return t(
        lang,
        "reports.chart_caption",
        name=pool.name,
        slug=pool.slug,
        period=period or period_name(lang, hours),
        total=number(lang, total),
    )


def export_caption(
    lang: str, pool: Pool, start: datetime, end: datetime, rows: int, total: int
) -> str:
    return t(
        lang,
        "reports.export_caption",
        name=pool.name,
        slug=pool.slug,
        start=start.strftime("%Y-%m-%d %H:%M"),
        end=end.strftime("%Y-%m-%d %H:%M"),
        rows=number(lang, rows),
        total=number(lang, total),
    )


def _change(lang: str, digest: PoolDigest) -> str:
    percent = digest.change_percent
    if percent is None:
        return t(lang, "digest.change_none")
    if percent == 0:
        return t(lang, "digest.change_same")
    key = "digest.change_up" if percent > 0 else "digest.change_down"
    return t(lang, key, percent=decimal(lang, abs(percent)))


def digest_text(lang: str, day: date, digests: Sequence[PoolDigest], *, outages: int = 0) -> str:
    """Yesterday per pool: leads against the day before, incidents and uptime; and the
    outages of the way to Telegram, which concern every pool."""
    lines = [t(lang, "digest.title", day=day.strftime("%d/%m/%Y")), ""]
    if outages:
        lines += [t(lang, "digest.outages", count=outages), ""]
    if not digests:
        return "\n".join([*lines, t(lang, "digest.no_pools")])
    for digest in digests:
        uptime = digest.uptime_percent
        lines.append(
            t(
                lang,
                "digest.pool",
                name=digest.name,
                slug=digest.slug,
                leads=number(lang, digest.leads),
                change=_change(lang, digest),
                bans=digest.bans,
                drops=digest.drops,
                recoveries=digest.recoveries,
                uptime=f"{decimal(lang, uptime)}%" if uptime is not None else "--",
            )
        )
    leads = sum(d.leads for d in digests)
    before = sum(d.leads_before for d in digests)
    lines += [
        "",
        t(lang, "digest.total", leads=number(lang, leads), before=number(lang, before)),
        t(lang, "digest.footer"),
    ]
    text = "\n".join(lines)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"
