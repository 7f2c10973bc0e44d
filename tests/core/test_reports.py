"""core.reports: ranges, hourly series, capacity and markers, CSV, and when a digest is
due. Pure functions, no event loop."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import reports
from core.errors import Invalid
from core.reports import (
    HOUR,
    CountRow,
    MarkerKind,
    PoolDigest,
    StatusChange,
    capacity_series,
    digest_due,
    export_range,
    hour_range,
    keep_busiest,
    markers,
    series_per_bot,
)

SP = ZoneInfo("America/Sao_Paulo")
T0 = datetime(2026, 11, 20, 0, tzinfo=UTC)


def test_hour_range_widens_to_whole_hours():
    start = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    end = datetime(2026, 11, 20, 12, 1, tzinfo=UTC)
    assert hour_range(start, end) == (T0 + 10 * HOUR, T0 + 13 * HOUR)
    assert hour_range(T0, T0 + HOUR) == (T0, T0 + HOUR)


@pytest.mark.parametrize(
    ("start", "end"),
    [(T0, T0), (T0 + HOUR, T0), (T0, T0 + timedelta(days=94))],
)
def test_hour_range_refuses_empty_reversed_and_too_long_ranges(start, end):
    with pytest.raises(Invalid):
        hour_range(start, end)


def test_export_range_reads_spans_and_local_dates():
    now = datetime(2026, 11, 20, 15, 20, tzinfo=UTC)
    assert export_range(["7d"], now, SP) == (T0 + 16 * HOUR - 7 * 24 * HOUR, T0 + 16 * HOUR)
    # Two local days in São Paulo (UTC-3): from 03:00 UTC on the first to 03:00 after the last.
    assert export_range(["2026-11-01", "2026-11-02"], now, SP) == (
        datetime(2026, 11, 1, 3, tzinfo=UTC),
        datetime(2026, 11, 3, 3, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["1y"],
        ["2026-11-02", "2026-11-01"],
        ["x", "y"],
        ["2026-01-01", "2026-12-31"],
        ["9999-12-31", "9999-12-31"],
        ["24h", "7d", "30d"],
    ],
)
def test_export_range_refuses_what_it_cannot_read(args):
    with pytest.raises(Invalid) as caught:
        export_range(args, T0, SP)
    assert caught.value.field == "range"


def test_parse_moment_reads_dates_offsets_and_refuses_garbage():
    assert reports.parse_moment("2026-11-20", "from") == T0
    assert reports.parse_moment("2026-11-20T03:00:00-03:00", "from") == T0 + 6 * HOUR
    for bad in ("tomorrow", "", "2026-02-30", "0001-01-01T00:00:00+14:00"):
        with pytest.raises(Invalid):
            reports.parse_moment(bad, "from")


def test_series_per_bot_places_counts_by_hour_and_keeps_silent_members():
    rows = [
        CountRow(T0 + HOUR, 1, "a", 5),
        CountRow(T0 + 3 * HOUR, 1, "a", 2),
        CountRow(T0, 3, "gone", 9),  # a bot that left the pool still counts
        CountRow(T0 + 9 * HOUR, 1, "a", 100),  # outside the range
    ]
    series = series_per_bot(T0, 4, rows, {1: "a", 2: "b"})
    assert [(s.username, s.counts) for s in series] == [
        ("gone", (9, 0, 0, 0)),
        ("a", (0, 5, 0, 2)),
        ("b", (0, 0, 0, 0)),
    ]


def test_keep_busiest_sums_the_rest_as_others():
    bots = series_per_bot(T0, 2, [CountRow(T0, b, f"b{b}", b) for b in range(1, 6)], {})
    kept = keep_busiest(bots, 2, "others")
    assert [(s.username, s.counts) for s in kept] == [
        ("b5", (5, 0)),
        ("b4", (4, 0)),
        ("others", (6, 0)),
    ]
    assert keep_busiest(bots[:3], 2, "others") == bots[:3]


def test_capacity_follows_status_changes_and_markers_name_incidents():
    changes = [
        StatusChange(T0 + 90 * timedelta(minutes=1), 2, "online", "degraded"),
        StatusChange(T0 + 2 * HOUR, 2, "degraded", "offline"),
        StatusChange(T0 + 3 * HOUR, 2, "offline", "online"),
        StatusChange(T0 + 3 * HOUR, 3, "online", "banned"),
    ]
    capacity = capacity_series(T0, 4, 100, {1: "online", 2: "online", 3: "online"}, changes)
    assert capacity == (300, 300, 200, 200)
    found = markers(changes, {2: "b2", 3: "b3"})
    assert [(m.username, m.kind) for m in found] == [
        ("b2", MarkerKind.OFFLINE),
        ("b2", MarkerKind.RECOVERED),
        ("b3", MarkerKind.BANNED),
    ]


def test_csv_has_a_header_and_one_line_per_row():
    rows = [CountRow(T0, 1, "a,b", 3), CountRow(T0 + HOUR, 2, "c", 4)]
    parsed = list(csv.reader(io.StringIO(reports.counts_csv(rows))))
    assert parsed == [
        ["hour", "bot_id", "username", "count"],
        ["2026-11-20T00:00:00Z", "1", "a,b", "3"],
        ["2026-11-20T01:00:00Z", "2", "c", "4"],
    ]


@pytest.mark.parametrize(
    ("local_time", "hour", "sent_on", "due"),
    [
        ((2026, 11, 20, 7, 59), 8, None, None),
        ((2026, 11, 20, 8, 0), 8, None, date(2026, 11, 20)),
        ((2026, 11, 20, 23, 0), 8, date(2026, 11, 19), date(2026, 11, 20)),
        ((2026, 11, 20, 9, 0), 8, date(2026, 11, 20), None),
        ((2026, 11, 20, 9, 0), None, None, None),
        ((2026, 11, 21, 0, 0), 0, date(2026, 11, 20), date(2026, 11, 21)),
    ],
)
def test_digest_is_due_from_the_local_hour_once_a_day(local_time, hour, sent_on, due):
    now = datetime(*local_time, tzinfo=SP).astimezone(UTC)
    assert digest_due(now, SP, hour, sent_on) == due


def test_change_against_the_day_before():
    def digest(leads: int, before: int) -> PoolDigest:
        return PoolDigest(1, "s", "S", leads, before, 0, 0, 0, None)

    assert digest(42, 20).change_percent == 110.0
    assert digest(10, 20).change_percent == -50.0
    assert digest(5, 0).change_percent is None


def test_time_zone_names_are_checked_against_tzdata():
    assert reports.time_zone("europe/lisbon") == "Europe/Lisbon"
    with pytest.raises(Invalid):
        reports.time_zone("Mars/Olympus")
    assert reports.zone("Nowhere/Gone").key == reports.DEFAULT_TIME_ZONE
