"""/settings: the operator's language, alerts, daily digest hour, time zone and quiet
hours."""

PT = {
    "settings.title": (
        "⚙️ Configurações\nIdioma: {language}\nAlertas: {alerts}\n"
        "Resumo diário: {digest}\nFuso horário: {zone}\nHorário silencioso: {quiet}"
    ),
    "settings.language_name": "Português",
    "settings.alerts_on": "ligados 🔔",
    "settings.alerts_off": "desligados 🔕",
    "settings.button_alerts_off": "🔕 Desligar alertas",
    "settings.button_alerts_on": "🔔 Ligar alertas",
    "settings.language_saved": "Idioma: Português",
    "settings.alerts_saved_on": "Alertas ligados",
    "settings.alerts_saved_off": "Alertas desligados",
    "settings.digest_off": "desligado",
    "settings.digest_at": "todo dia às {hour}",
    "settings.button_digest": "🗞 Resumo diário",
    "settings.button_zone": "🌎 Fuso horário",
    "settings.digest_prompt": (
        "🗞 O resumo diário traz os leads de ontem por pool, os incidentes, o uptime e o "
        "gráfico. A que horas enviar? (fuso {zone})"
    ),
    "settings.digest_button_off": "🚫 Desligar resumo",
    "settings.digest_saved_at": "Resumo diário às {hour}",
    "settings.digest_saved_off": "Resumo diário desligado",
    "settings.zone_prompt": (
        "🌎 Fuso horário atual: {zone}. Escolha abaixo ou envie o nome IANA do seu fuso "
        "(por exemplo Europe/Lisbon)."
    ),
    "settings.zone_saved": "Fuso horário: {zone}",
    "settings.button_quiet": "🌙 Horário silencioso",
    "settings.quiet_off": "nenhum",
    "settings.quiet_prompt": (
        "🌙 No horário silencioso os alertas chegam sem som, exceto quando um pool fica sem "
        "nenhum bot. Escolha o horário (fuso {zone}):"
    ),
    "settings.quiet_button_off": "🚫 Sem horário silencioso",
    "settings.quiet_saved": "Horário silencioso: {span}",
    "settings.quiet_saved_off": "Sem horário silencioso",
    "settings.zone_unknown": (
        "Fuso horário desconhecido. Envie um nome IANA como America/Sao_Paulo ou "
        "Europe/Lisbon, ou /cancel."
    ),
}

EN = {
    "settings.title": (
        "⚙️ Settings\nLanguage: {language}\nAlerts: {alerts}\n"
        "Daily digest: {digest}\nTime zone: {zone}\nQuiet hours: {quiet}"
    ),
    "settings.language_name": "English",
    "settings.alerts_on": "on 🔔",
    "settings.alerts_off": "off 🔕",
    "settings.button_alerts_off": "🔕 Turn alerts off",
    "settings.button_alerts_on": "🔔 Turn alerts on",
    "settings.language_saved": "Language: English",
    "settings.alerts_saved_on": "Alerts on",
    "settings.alerts_saved_off": "Alerts off",
    "settings.digest_off": "off",
    "settings.digest_at": "every day at {hour}",
    "settings.button_digest": "🗞 Daily digest",
    "settings.button_zone": "🌎 Time zone",
    "settings.digest_prompt": (
        "🗞 The daily digest brings yesterday's leads per pool, incidents, uptime and the "
        "chart. At what hour should it come? (time zone {zone})"
    ),
    "settings.digest_button_off": "🚫 Turn the digest off",
    "settings.digest_saved_at": "Daily digest at {hour}",
    "settings.digest_saved_off": "Daily digest off",
    "settings.zone_prompt": (
        "🌎 Current time zone: {zone}. Pick one below or send your zone's IANA name "
        "(for example Europe/Lisbon)."
    ),
    "settings.zone_saved": "Time zone: {zone}",
    "settings.button_quiet": "🌙 Quiet hours",
    "settings.quiet_off": "none",
    "settings.quiet_prompt": (
        "🌙 During quiet hours alerts arrive without a sound, except when a pool has no bot "
        "left. Pick the hours (time zone {zone}):"
    ),
    "settings.quiet_button_off": "🚫 No quiet hours",
    "settings.quiet_saved": "Quiet hours: {span}",
    "settings.quiet_saved_off": "No quiet hours",
    "settings.zone_unknown": (
        "Unknown time zone. Send an IANA name such as America/Sao_Paulo or Europe/Lisbon, "
        "or /cancel."
    ),
}
