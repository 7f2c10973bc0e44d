"""The texts catalogue: every key in both languages with the same placeholders, no key
defined twice, and every key the code asks for present."""

from __future__ import annotations

import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest

import bot_manager
from bot_manager import texts
from bot_manager.commands import COMMANDS
from bot_manager.texts import CATALOGUES, t
from core.domain import BotStatus, Priority, Strategy

MODULES = sorted(info.name for info in pkgutil.iter_modules(texts.__path__))
LITERAL_KEY = re.compile(r"""\bt\(\s*\w+,\s*["']([a-z_]+\.[a-z0-9_.\-]+)["']""")


def placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


@pytest.mark.parametrize("name", MODULES)
def test_every_key_exists_in_both_languages_with_the_same_placeholders(name: str) -> None:
    module = importlib.import_module(f"bot_manager.texts.{name}")
    assert set(module.PT) == set(module.EN)
    for key in module.PT:
        assert placeholders(module.PT[key]) == placeholders(module.EN[key]), key
        assert module.PT[key].strip() and module.EN[key].strip(), key


def test_no_key_is_defined_by_two_modules() -> None:
    owners: dict[str, str] = {}
    for name in MODULES:
        for key in importlib.import_module(f"bot_manager.texts.{name}").PT:
            assert key not in owners, f"{key} in {owners.get(key)} and {name}"
            owners[key] = name


def test_every_literal_key_the_code_asks_for_exists() -> None:
    root = Path(bot_manager.__file__).parent
    asked = {
        key
        for path in root.rglob("*.py")
        for key in LITERAL_KEY.findall(path.read_text(encoding="utf-8"))
    }
    assert asked, "the scan found no t(...) calls"
    assert sorted(asked - set(CATALOGUES["en"])) == []


def test_keys_built_from_enums_and_commands_exist() -> None:
    keys = (
        [f"strategy.{s.value}" for s in Strategy]
        + [f"status.{s.value}" for s in BotStatus]
        + [f"priority.{int(p)}" for p in Priority]
        + [f"cmd.{command}" for command in COMMANDS]
    )
    for language in ("pt-BR", "en"):
        assert [key for key in keys if key not in CATALOGUES[language]] == []


def test_unknown_language_falls_back_to_portuguese() -> None:
    assert t("de", "common.not_found") == t("pt-BR", "common.not_found") == "Não encontrado."
    assert t("en", "common.not_found") == "Not found."
