"""Hourly-capacity levels and their alerts (core.alerts): told once per rise, quiet on
the way back, with hysteresis so a pool hovering at a threshold is told once."""

from __future__ import annotations

import pytest

from core.alerts import AlertKind, CapacityLevel, capacity_alert, capacity_level

OK, BUSY, FULL = CapacityLevel.OK, CapacityLevel.BUSY, CapacityLevel.FULL


@pytest.mark.parametrize(
    ("previous", "used", "new"),
    [
        (OK, 0, OK),
        (OK, 799, OK),
        (OK, 800, BUSY),
        (OK, 999, BUSY),
        (OK, 1000, FULL),
        (OK, 2500, FULL),
        (BUSY, 799, BUSY),
        (BUSY, 700, BUSY),
        (BUSY, 699, OK),
        (BUSY, 1000, FULL),
        (FULL, 999, FULL),
        (FULL, 900, FULL),
        (FULL, 899, BUSY),
        (FULL, 700, BUSY),
        (FULL, 699, OK),
    ],
)
def test_levels_of_a_pool_of_1000_leads_an_hour(previous, used, new):
    assert capacity_level(previous, used, 1000) is new


@pytest.mark.parametrize("previous", list(CapacityLevel))
def test_a_pool_with_no_capacity_keeps_its_level(previous):
    assert capacity_level(previous, 50, 0) is previous


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        (OK, BUSY, AlertKind.POOL_BUSY),
        (OK, FULL, AlertKind.POOL_FULL),
        (BUSY, FULL, AlertKind.POOL_FULL),
        (BUSY, BUSY, None),
        (FULL, FULL, None),
        (FULL, BUSY, None),
        (FULL, OK, None),
        (BUSY, OK, None),
    ],
)
def test_rising_is_told_and_falling_is_quiet(old, new, kind):
    assert capacity_alert(old, new) is kind


def test_a_pool_hovering_at_80_percent_is_told_once():
    level, told = OK, []
    for used in [790, 810, 790, 805, 760, 820, 710, 830]:
        new = capacity_level(level, used, 1000)
        told.append(capacity_alert(level, new))
        level = new
    assert [kind for kind in told if kind] == [AlertKind.POOL_BUSY]
