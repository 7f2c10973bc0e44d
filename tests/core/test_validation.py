"""What an operator types, checked once for the control bot and the REST API alike; and
the capacity figures of the pool card."""

from __future__ import annotations

import pytest

from core import validation
from core.domain import Priority, Strategy, capacity
from core.errors import Invalid


@pytest.mark.parametrize("slug", ["ab", "red1", "inss_principal", "a-b-c", "0day", "a" * 50])
def test_good_slugs_pass(slug: str) -> None:
    assert validation.slug(slug) == slug


@pytest.mark.parametrize(
    "slug", ["a", "", "Red1", "_lead", "-lead", "has space", "ação", "a" * 51, "ab\n", None, 12]
)
def test_bad_slugs_are_invalid_naming_the_slug(slug: object) -> None:
    with pytest.raises(Invalid) as caught:
        validation.slug(slug)
    assert caught.value.field == "slug"
    assert str(caught.value).startswith("slug: ")


def test_names_are_trimmed_and_limited() -> None:
    assert validation.name("  INSS principal  ") == "INSS principal"
    assert validation.name("n" * 100) == "n" * 100
    for bad in ("", "   ", "n" * 101, None, 5):
        with pytest.raises(Invalid) as caught:
            validation.name(bad)
        assert caught.value.field == "name"


def test_names_the_database_cannot_store_are_invalid_and_other_unicode_is_kept() -> None:
    assert validation.name("Ação 🚀 промо") == "Ação 🚀 промо"
    for bad in ("\ud800", "a\udfffb", "nul\x00here"):
        with pytest.raises(Invalid) as caught:
            validation.name(bad)
        assert caught.value.field == "name"


def test_strategies_by_their_spec_names() -> None:
    for strategy in Strategy:
        assert validation.strategy(strategy.value) is strategy
    for bad in ("fastest", "", None, ["weighted"]):
        with pytest.raises(Invalid) as caught:
            validation.strategy(bad)
        assert caught.value.field == "strategy"
        assert "round_robin" in caught.value.reason


def test_weights_from_1_to_100() -> None:
    assert [validation.weight(w) for w in (1, 50, 100)] == [1, 50, 100]
    for bad in (0, 101, -1, 1.0, "5", True, None):
        with pytest.raises(Invalid) as caught:
            validation.weight(bad)
        assert caught.value.field == "weight"


def test_priorities_preferred_normal_backup() -> None:
    assert [validation.priority(p) for p in (1, 0, -1)] == list(Priority)
    for bad in (2, -2, "1", 1.0, False, None):
        with pytest.raises(Invalid) as caught:
            validation.priority(bad)
        assert caught.value.field == "priority"


def test_start_params_follow_telegrams_deep_link_rule() -> None:
    assert validation.start_param("acesso") == "acesso"
    assert validation.start_param("A-z_09" * 10 + "abcd") == "A-z_09" * 10 + "abcd"
    for bad in ("", "x" * 65, "with space", "ação", "a/b", None):
        with pytest.raises(Invalid) as caught:
            validation.start_param(bad)
        assert caught.value.field == "start_param"


@pytest.mark.parametrize(
    ("online", "redirects", "per_bot", "expected"),
    [
        (3, 1247, 2250, (6750, 18.5)),
        (4, 0, 2250, (9000, 0.0)),
        (0, 0, 2250, (0, 0.0)),
        (0, 10, 2250, (0, 100.0)),  # traffic with no online bot: fully used
        (1, 4500, 2250, (2250, 200.0)),
    ],
)
def test_capacity_of_the_online_bots_and_the_share_used(
    online: int, redirects: int, per_bot: int, expected: tuple[int, float]
) -> None:
    assert capacity(online, redirects, per_bot) == expected
