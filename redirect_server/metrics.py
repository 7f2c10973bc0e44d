"""/metrics: figures kept as plain numbers by the hot path and turned into Prometheus
families only when scraped, through one collector in a registry of the app's own."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, GCCollector, PlatformCollector, ProcessCollector
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from redirect_server.counter import RedirectCounter
from redirect_server.routing import RoutingTable

LATENCY_BUCKETS = (
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
)  # fmt: skip


class Latency:
    """A histogram without locks: the event loop is its only writer."""

    __slots__ = ("bounds", "counts", "sum")

    def __init__(self, bounds: tuple[float, ...] = LATENCY_BUCKETS) -> None:
        self.bounds = bounds
        self.counts = [0] * (len(bounds) + 1)
        self.sum = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(self.bounds, seconds)] += 1
        self.sum += seconds

    def buckets(self) -> list[tuple[str, int]]:
        cumulative, running = [], 0
        for bound, n in zip((*map(str, self.bounds), "+Inf"), self.counts, strict=True):
            running += n
            cumulative.append((bound, running))
        return cumulative


class GoFigures:
    """What /go counts besides redirects: errors by status, uncounted previews, latency."""

    __slots__ = ("errors", "previews", "latency")

    def __init__(self) -> None:
        self.errors = {404: 0, 429: 0, 503: 0}
        self.previews = 0
        self.latency = Latency()


class BotpoolCollector(Collector):
    def __init__(self, figures: GoFigures, table: RoutingTable, counter: RedirectCounter) -> None:
        self._figures = figures
        self._table = table
        self._counter = counter

    def collect(self) -> Iterator[Metric]:
        figures, table, counter = self._figures, self._table, self._counter
        counter.add(table.take_counts())  # so that the totals include the last second
        forget_removed(table, counter)
        redirects = CounterMetricFamily(
            "botpool_redirects",
            "Leads sent to a bot, by the pool that served them and the bot.",
            labels=["pool", "bot"],
        )
        for served, n in counter.totals.items():
            slug, username = table.labels.get(served, (str(served[0]), str(served[1])))
            redirects.add_metric([slug, username], n)
        yield redirects
        returning = CounterMetricFamily(
            "botpool_returning_redirects",
            "Of botpool_redirects, the leads that came back with a sticky cookie.",
            labels=["pool", "bot"],
        )
        for served, n in counter.returning_totals.items():
            slug, username = table.labels.get(served, (str(served[0]), str(served[1])))
            returning.add_metric([slug, username], n)
        yield returning
        outcomes = CounterMetricFamily(
            "botpool_leads_without_bot",
            "Leads of a link that no bot took, by outcome: fallback_link (sent to the"
            " pool's fallback URL) or unserved (the 503 page).",
            labels=["pool", "outcome"],
        )
        for (pool_id, outcome), n in counter.outcome_totals.items():
            pool = table.pools.get(pool_id)
            outcomes.add_metric([pool.slug if pool is not None else str(pool_id), outcome], n)
        yield outcomes
        errors = CounterMetricFamily(
            "botpool_go_errors", "/go answers other than a redirect, by status.", labels=["code"]
        )
        for code, n in figures.errors.items():
            errors.add_metric([str(code)], n)
        yield errors
        yield CounterMetricFamily(
            "botpool_go_previews",
            "Redirects given to HEAD requests and link-preview crawlers (not counted).",
            value=figures.previews,
        )
        latency = figures.latency
        yield HistogramMetricFamily(
            "botpool_go_request_duration_seconds",
            "Time /go spends answering a request, from handler entry to response.",
            buckets=latency.buckets(),
            sum_value=latency.sum,
        )
        bots = GaugeMetricFamily("botpool_bots", "Bots by health status.", labels=["status"])
        for status, n in table.bot_statuses.items():
            bots.add_metric([status], n)
        yield bots
        yield from self._upkeep()

    def _upkeep(self) -> Iterator[Metric]:
        table, counter = self._table, self._counter
        yield GaugeMetricFamily(
            "botpool_redirects_unflushed",
            "Leads counted in memory and not yet written to the database.",
            value=counter.unflushed_batch().leads(),
        )
        yield CounterMetricFamily(
            "botpool_count_flush_failures",
            "Batches of redirect counts that could not be written (kept and retried).",
            value=counter.flush_failures,
        )
        yield CounterMetricFamily(
            "botpool_routing_reload_failures",
            "Routing table reloads that failed (the previous table kept serving).",
            value=table.reload_failures,
        )
        if table.loaded_at is not None:
            yield GaugeMetricFamily(
                "botpool_routing_table_age_seconds",
                "Seconds since the routing table was last loaded from the database.",
                value=time.monotonic() - table.loaded_at,
            )


def forget_removed(table: RoutingTable, counter: RedirectCounter) -> None:
    """Drop the per pool and bot series, and their labels, of members the routing table
    no longer has (a pool or bot deleted, a bot removed from a pool): otherwise these
    tables grow with every pool and bot that ever existed."""
    present = {target.served for by_bot in table.targets.values() for target in by_bot.values()}
    for series in (table.labels, counter.totals, counter.returning_totals):
        for served in [served for served in series if served not in present]:
            del series[served]
    outcomes = counter.outcome_totals
    for mark in [mark for mark in outcomes if mark[0] not in table.pools]:
        del outcomes[mark]


def create_registry(
    figures: GoFigures, table: RoutingTable, counter: RedirectCounter
) -> CollectorRegistry:
    """A registry per app (tests build several); process figures included."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(BotpoolCollector(figures, table, counter))
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    GCCollector(registry=registry)
    return registry
