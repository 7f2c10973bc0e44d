"""Alerts of SPEC §6, worded as in the seed's "Notificações"."""

PT = {
    "alert.bot_offline": "⚠️ Bot @{bot} está offline.\n{pools}",
    "alert.bot_banned": (
        "⛔ Bot @{bot} foi banido ou teve o token revogado e saiu da rotação.\n{pools}\n"
        "Verifique no @BotFather e use «Verificar de novo» no bot quando resolver."
    ),
    "alert.bot_recovered": "✅ Bot @{bot} voltou online.\n{pools}",
    "alert.pool_line": "Pool '{pool}': saúde {health}% ({online}/{total} online)",
    "alert.pool_critical": (
        "🚨 CRÍTICO: Pool '{pool}' com apenas {health}% de saúde!\n"
        "Apenas {online} de {total} bots online. Adicione mais bots ou verifique os existentes."
    ),
    "alert.pool_healthy": "✅ Pool '{pool}' voltou a {health}% de saúde ({online}/{total} online).",
    "alert.pool_empty": (
        "🆘 Pool '{pool}' ficou sem nenhum bot disponível: todo acesso a {link} está falhando agora."
    ),
}

EN = {
    "alert.bot_offline": "⚠️ Bot @{bot} is offline.\n{pools}",
    "alert.bot_banned": (
        "⛔ Bot @{bot} was banned or its token revoked; it is out of rotation.\n{pools}\n"
        "Check it in @BotFather and press «Check again» on the bot once it is fixed."
    ),
    "alert.bot_recovered": "✅ Bot @{bot} is back online.\n{pools}",
    "alert.pool_line": "Pool '{pool}': health {health}% ({online}/{total} online)",
    "alert.pool_critical": (
        "🚨 CRITICAL: pool '{pool}' is down to {health}% health!\n"
        "Only {online} of {total} bots online. Add bots or check the ones you have."
    ),
    "alert.pool_healthy": "✅ Pool '{pool}' is back to {health}% health ({online}/{total} online).",
    "alert.pool_empty": "🆘 Pool '{pool}' has no bot left: every visit to {link} is failing now.",
}
