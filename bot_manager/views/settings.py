"""What /settings shows, in the operator's (possibly just changed) language."""

from __future__ import annotations

from bot_manager.texts import t
from storage.models import Operator


def settings_text(operator: Operator) -> str:
    lang = operator.language
    alerts = "settings.alerts_on" if operator.alerts_enabled else "settings.alerts_off"
    return t(
        lang, "settings.title", language=t(lang, "settings.language_name"), alerts=t(lang, alerts)
    )
