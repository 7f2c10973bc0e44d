"""Traffic charts as PNG (SPEC §13): redirects per hour stacked by bot, the pool's
hourly capacity as a line, and the moments bots went offline, were banned or came back.
Sized and lettered for a phone. matplotlib is imported here only, on the Agg backend,
and every render runs in a worker thread so the event loop (and /go) never waits."""

from __future__ import annotations

import asyncio
import io
import threading
from dataclasses import dataclass
from datetime import tzinfo

from core.reports import CHART_BOTS, HOUR, OTHERS_ID, MarkerKind, TrafficSeries, keep_busiest

WIDTH_IN, HEIGHT_IN, DPI = 10, 6.5, 120
CHART_SIZE = (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))  # pixels of every chart
FONT_PT = 15
# Okabe-Ito: distinguishable with colour blindness, and on a dim phone screen.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442")
OTHERS_COLOUR = "#B0B0B0"
MARKER_STYLE = {
    MarkerKind.OFFLINE: ("#D55E00", "x"),
    MarkerKind.BANNED: ("#B00020", "v"),
    MarkerKind.RECOVERED: ("#009E73", "^"),
}
BARS_UP_TO_HOURS = 48
CAPACITY_OFF_SCALE = 3.0  # draw the capacity line only within 3x the busiest hour
MAX_RENDERS = 2  # charts drawn at once: the machine's other work keeps a core

_renders = threading.BoundedSemaphore(MAX_RENDERS)


@dataclass(frozen=True, slots=True)
class ChartTexts:
    """Every word on a chart, in the operator's language."""

    title: str
    y_axis: str
    capacity: str  # "{value}" is replaced by the capacity per hour
    capacity_off_scale: str
    others: str
    no_traffic: str
    markers: dict[MarkerKind, str]
    thousands: str = ","  # the separator of the operator's language

    def number(self, value: int) -> str:
        return f"{value:,}".replace(",", self.thousands)


async def render(series: TrafficSeries, texts: ChartTexts, tz: tzinfo) -> bytes:
    """The chart's PNG, drawn in a worker thread."""
    return await asyncio.to_thread(render_sync, series, texts, tz)


def render_sync(series: TrafficSeries, texts: ChartTexts, tz: tzinfo) -> bytes:
    with _renders:
        return _draw(series, texts, tz)


def _draw(series: TrafficSeries, texts: ChartTexts, tz: tzinfo) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    figure = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.09, 0.30, 0.88, 0.60))
    starts = [moment.astimezone(tz) for moment in series.hour_starts()]
    width = (HOUR * 0.85).total_seconds() / 86400  # matplotlib dates count in days
    bottoms = [0] * series.hours
    bots = keep_busiest(series.bots, CHART_BOTS, texts.others)
    edges = [*starts, (series.start + series.hours * HOUR).astimezone(tz)]
    for index, bot in enumerate(bots):
        others = bot.bot_id == OTHERS_ID
        colour = OTHERS_COLOUR if others else PALETTE[index % len(PALETTE)]
        label = texts.others if others else "@" + bot.username
        tops = [b + c for b, c in zip(bottoms, bot.counts, strict=True)]
        if series.hours <= BARS_UP_TO_HOURS:
            axes.bar(
                starts,
                bot.counts,
                width=width,
                bottom=bottoms,
                align="edge",
                color=colour,
                label=label,
            )
        else:  # a week of bars is 1,000+ patches: one stepped band per bot draws faster
            axes.fill_between(
                edges,
                [*bottoms, bottoms[-1]],
                [*tops, tops[-1]],
                step="post",
                color=colour,
                label=label,
                lw=0,
            )
        bottoms = tops
    busiest = max(bottoms, default=0)
    top = max(busiest * 1.25, 10)
    peak_capacity = max(series.capacity, default=0)
    handles, labels = axes.get_legend_handles_labels()
    if 0 < peak_capacity <= max(busiest, 1) * CAPACITY_OFF_SCALE:
        top = max(top, peak_capacity * 1.1)
        values = [*series.capacity, series.capacity[-1]]
        (line,) = axes.step(edges, values, where="post", color="#222222", lw=2.5, ls="--")
        handles.append(line)
        labels.append(texts.capacity.format(value=texts.number(series.capacity[-1])))
    elif peak_capacity:
        note = texts.capacity_off_scale.format(value=texts.number(peak_capacity))
        axes.text(0.01, 0.97, note, transform=axes.transAxes, va="top", fontsize=FONT_PT - 2)
    axes.set_ylim(0, top)
    seen: set[MarkerKind] = set()
    for marker in series.markers:
        colour, symbol = MARKER_STYLE[marker.kind]
        at = marker.at.astimezone(tz)
        axes.axvline(at, color=colour, lw=1.5, ls=":")
        axes.plot([at], [top * 0.96], marker=symbol, color=colour, ms=13, mew=3, clip_on=False)
        seen.add(marker.kind)
    for kind in MarkerKind:
        if kind in seen:
            colour, symbol = MARKER_STYLE[kind]
            handles.append(Line2D([], [], color=colour, marker=symbol, ls=":", ms=11, mew=3))
            labels.append(texts.markers[kind])
    if not series.total:
        axes.text(
            0.5,
            0.5,
            texts.no_traffic,
            transform=axes.transAxes,
            ha="center",
            fontsize=FONT_PT + 3,
            color="#666666",
        )
    axes.set_title(texts.title, fontsize=FONT_PT + 5, loc="left", pad=12)
    axes.set_ylabel(texts.y_axis, fontsize=FONT_PT)
    axes.tick_params(labelsize=FONT_PT - 1)
    axes.grid(axis="y", color="#DDDDDD")
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    daily = series.hours > 48
    locator = mdates.DayLocator(tz=tz) if daily else mdates.HourLocator(interval=3, tz=tz)
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.DateFormatter("%d/%m" if daily else "%H:%M", tz=tz))
    axes.set_xlim(starts[0], (series.start + series.hours * HOUR).astimezone(tz))
    if handles:
        figure.legend(
            handles,
            labels,
            loc="lower center",
            ncols=4,
            fontsize=FONT_PT - 1,
            frameon=False,
            bbox_to_anchor=(0.5, 0.0),
        )
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI, facecolor="white")
    return out.getvalue()
