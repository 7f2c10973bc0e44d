"""Alerts of SPEC §6, worded as in the seed's "Notificações".

A bot alert names its one pool in the first line ("do pool 'X'") and gives that pool's
health below, as the seed does; a bot in several pools gets one health line per pool."""

PT = {
    "alert.bot_offline": "⚠️ Bot @{bot}{of_pool} está offline.\n{health}",
    "alert.bot_banned": (
        "⛔ Bot @{bot}{of_pool} foi banido ou teve o token revogado e saiu da rotação.\n"
        "{health}\n"
        "Verifique no @BotFather e toque em «Verificar de novo» no bot quando resolver."
    ),
    "alert.bot_recovered": "✅ Bot @{bot}{of_pool} voltou online.\n{health}",
    "alert.of_pool": " do pool '{pool}'",
    "alert.pool_health": "Saúde do pool: {health}% ({online}/{total} online)",
    "alert.pool_line": "Pool '{pool}': saúde {health}% ({online}/{total} online)",
    "alert.no_pool": "Ele não está em nenhum pool.",
    "alert.pool_critical": (
        "🚨 CRÍTICO: Pool '{pool}' com apenas {health}% de saúde!\n"
        "Apenas {online} de {total} bots online. Adicione mais bots ou verifique os existentes."
    ),
    "alert.pool_healthy": (
        "✅ Pool '{pool}' saiu do estado crítico.\n"
        "Saúde do pool: {health}% ({online}/{total} online)"
    ),
    "alert.pool_empty": (
        "🆘 Pool '{pool}' ficou sem nenhum bot disponível: todo acesso a {link} "
        "está falhando agora.\n"
        "Saúde do pool: {health}% ({online}/{total} online). "
        "Adicione um bot ao pool ou verifique os existentes."
    ),
}

EN = {
    "alert.bot_offline": "⚠️ Bot @{bot}{of_pool} is offline.\n{health}",
    "alert.bot_banned": (
        "⛔ Bot @{bot}{of_pool} was banned or its token revoked; it is out of rotation.\n"
        "{health}\n"
        "Check it in @BotFather and press «Check again» on the bot once it is fixed."
    ),
    "alert.bot_recovered": "✅ Bot @{bot}{of_pool} is back online.\n{health}",
    "alert.of_pool": " in pool '{pool}'",
    "alert.pool_health": "Pool health: {health}% ({online}/{total} online)",
    "alert.pool_line": "Pool '{pool}': health {health}% ({online}/{total} online)",
    "alert.no_pool": "It is not in any pool.",
    "alert.pool_critical": (
        "🚨 CRITICAL: pool '{pool}' is down to {health}% health!\n"
        "Only {online} of {total} bots online. Add bots or check the ones you have."
    ),
    "alert.pool_healthy": (
        "✅ Pool '{pool}' is out of the critical state.\n"
        "Pool health: {health}% ({online}/{total} online)"
    ),
    "alert.pool_empty": (
        "🆘 Pool '{pool}' has no bot left: every visit to {link} is failing now.\n"
        "Pool health: {health}% ({online}/{total} online). "
        "Add a bot to the pool or check the ones it has."
    ),
}
