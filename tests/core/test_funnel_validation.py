"""core.validation of the funnel settings: a pool's fallback link and sticky window, a
member's hourly cap. Shared by the control bot and the API, so one table each."""

from __future__ import annotations

import pytest

from core import validation
from core.errors import Invalid


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://t.me/my_channel", "https://t.me/my_channel"),
        ("  https://example.com/landing?utm=x#top \n", "https://example.com/landing?utm=x#top"),
        ("HTTPS://Example.com", "HTTPS://Example.com"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        (None, None),
    ],
)
def test_an_https_link_with_a_host_is_kept_and_null_clears_it(given, kept):
    assert validation.fallback_url(given) == kept


@pytest.mark.parametrize(
    "given",
    [
        "http://example.com",
        "ftp://example.com/file",
        "javascript:alert(1)",
        "t.me/my_channel",
        "https://",
        "https:///path-only",
        "https://example.com:port/",
        "https://exa mple.com",
        "https://example.com/\x00",
        "https://example.com/" + "a" * 2000,
        "",
        42,
        True,
    ],
)
def test_anything_but_an_https_link_with_a_host_is_invalid_fallback_url(given):
    with pytest.raises(Invalid) as raised:
        validation.fallback_url(given)
    assert raised.value.field == "fallback_url"
    assert "https://" in raised.value.reason


def test_a_fallback_link_of_exactly_2000_characters_is_accepted():
    url = "https://example.com/" + "a" * (2000 - len("https://example.com/"))
    assert validation.fallback_url(url) == url


@pytest.mark.parametrize("days", [0, 1, 30, 365])
def test_sticky_days_from_0_to_365(days):
    assert validation.sticky_days(days) == days


@pytest.mark.parametrize("days", [-1, 366, 1.5, "30", None, True])
def test_sticky_days_outside_0_to_365_are_invalid(days):
    with pytest.raises(Invalid) as raised:
        validation.sticky_days(days)
    assert raised.value.field == "sticky_days"


@pytest.mark.parametrize("cap", [1, 2250, 1_000_000, None])
def test_hourly_capacity_from_1_to_a_million_or_null(cap):
    assert validation.hourly_cap(cap) == cap


@pytest.mark.parametrize("cap", [0, -5, 1_000_001, 2.5, "100", False])
def test_hourly_capacity_outside_its_range_is_invalid(cap):
    with pytest.raises(Invalid) as raised:
        validation.hourly_cap(cap)
    assert raised.value.field == "hourly_cap"
