"""What operators read, in pt-BR and en. One module per feature holds both languages
side by side (PT and EN dicts with the same keys); this module merges them into one
catalogue per language. Handlers never hard-code a text: they call `t(lang, key, ...)`."""

from __future__ import annotations

import importlib
import pkgutil

LANGUAGES = ("pt-BR", "en")
DEFAULT_LANGUAGE = "pt-BR"


def _load() -> dict[str, dict[str, str]]:
    catalogues: dict[str, dict[str, str]] = {"pt-BR": {}, "en": {}}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for language, attr in (("pt-BR", "PT"), ("en", "EN")):
            catalogues[language].update(getattr(module, attr, {}))
    return catalogues


CATALOGUES = _load()


def t(language: str | None, key: str, /, **values: object) -> str:
    catalogue = CATALOGUES.get(language or DEFAULT_LANGUAGE, CATALOGUES[DEFAULT_LANGUAGE])
    text = catalogue.get(key) or CATALOGUES[DEFAULT_LANGUAGE][key]
    return text.format(**values) if values else text
