"""What a lead reads when /go cannot send them to a bot, in pt-BR and en.

redirect_server cannot import bot_manager's catalogue, and these pages are for leads,
not operators, so they live here: one dict per language, with the same keys.
"""

from __future__ import annotations

LANGUAGES = ("pt-BR", "en")
DEFAULT_LANGUAGE = "pt-BR"

PT = {
    "not_found.title": "Link não encontrado",
    "not_found.message": "Este link não existe ou está pausado no momento.",
    "rate_limited.title": "Muitos acessos",
    "rate_limited.message": "Você abriu este link muitas vezes seguidas. "
    "Aguarde um instante e tente de novo.",
    "no_bot_available.title": "Indisponível no momento",
    "no_bot_available.message": "Nenhum atendimento está disponível agora. "
    "Tente de novo em alguns instantes.",
    "retry": "Tentar de novo",
}

EN = {
    "not_found.title": "Link not found",
    "not_found.message": "This link does not exist or is paused at the moment.",
    "rate_limited.title": "Too many visits",
    "rate_limited.message": "You opened this link too many times in a row. "
    "Please wait a moment and try again.",
    "no_bot_available.title": "Unavailable right now",
    "no_bot_available.message": "No one is available to talk to right now. "
    "Please try again in a moment.",
    "retry": "Try again",
}

CATALOGUE = {"pt-BR": PT, "en": EN}


def t(language: str, key: str) -> str:
    return CATALOGUE.get(language, PT)[key]
