"""/settings: the operator's language and alerts."""

PT = {
    "settings.title": "⚙️ Configurações\nIdioma: {language}\nAlertas: {alerts}",
    "settings.language_name": "Português",
    "settings.alerts_on": "ligados 🔔",
    "settings.alerts_off": "desligados 🔕",
    "settings.button_alerts_off": "🔕 Desligar alertas",
    "settings.button_alerts_on": "🔔 Ligar alertas",
    "settings.language_saved": "Idioma: Português",
    "settings.alerts_saved_on": "Alertas ligados",
    "settings.alerts_saved_off": "Alertas desligados",
}

EN = {
    "settings.title": "⚙️ Settings\nLanguage: {language}\nAlerts: {alerts}",
    "settings.language_name": "English",
    "settings.alerts_on": "on 🔔",
    "settings.alerts_off": "off 🔕",
    "settings.button_alerts_off": "🔕 Turn alerts off",
    "settings.button_alerts_on": "🔔 Turn alerts on",
    "settings.language_saved": "Language: English",
    "settings.alerts_saved_on": "Alerts on",
    "settings.alerts_saved_off": "Alerts off",
}
