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
    "alert.bot_undecryptable": (
        "🔒 Bot @{bot}{of_pool} saiu da rotação: o token dele não pode ser decifrado com "
        "a chave deste servidor (BOTPOOL_SECRET_KEY).\n"
        "{health}\n"
        "Envie o token dele de novo para guardá-lo outra vez."
    ),
    "alert.outage_unreachable": (
        "📡 O Telegram está inacessível a partir deste servidor desde {since}: "
        "{failed} de {probed} bots verificados falharam ao mesmo tempo ({detail}).\n"
        "É uma falha do caminho até o Telegram, não dos bots: o estado deles foi mantido "
        "e os links /go continuam servindo. Você será avisado quando acabar."
    ),
    "alert.outage_auth": (
        "📡 O Telegram recusou ao mesmo tempo os tokens de {failed} de {probed} bots "
        "verificados desde {since} ({detail}).\n"
        "Provavelmente é uma falha de proxy ou de rede entre este servidor e o Telegram, "
        "não banimentos: nenhum bot foi banido por isso e o estado deles foi mantido. "
        "Verifique o proxy (BOTPOOL_TELEGRAM_API_URL). Você será avisado quando acabar."
    ),
    "alert.outage_over": (
        "✅ O Telegram voltou a responder a este servidor (falha de {since} a {until}).\n"
        "As verificações de saúde voltaram ao normal."
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
    "alert.bot_undecryptable": (
        "🔒 Bot @{bot}{of_pool} is out of rotation: its token cannot be decrypted with "
        "this server's key (BOTPOOL_SECRET_KEY).\n"
        "{health}\n"
        "Send me its token again to store it anew."
    ),
    "alert.outage_unreachable": (
        "📡 Telegram unreachable from this server since {since}: "
        "{failed} of {probed} bots checked failed at once ({detail}).\n"
        "The path to Telegram is failing, not the bots: their states are kept and the "
        "/go links keep serving. You will be told when it ends."
    ),
    "alert.outage_auth": (
        "📡 Telegram refused the tokens of {failed} of {probed} bots checked at once, "
        "since {since} ({detail}).\n"
        "Probably a proxy or network fault between this server and Telegram, not bans: no "
        "bot was banned for it and their states are kept. Check the proxy "
        "(BOTPOOL_TELEGRAM_API_URL). You will be told when it ends."
    ),
    "alert.outage_over": (
        "✅ Telegram is answering this server again (unreachable from {since} to {until}).\n"
        "Health checks are back to normal."
    ),
}
