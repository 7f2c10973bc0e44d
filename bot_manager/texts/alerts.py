"""Alerts of SPEC §6 as one message per incident (issue 19): a headline for the worst
of what it names, then each pool with its health and the lines of its bots that are not
online (or that the incident is about), worded after the seed's "Notificações". Bots
whose funnel does not answer (backend health) and pools past 80 % of their hourly
capacity are told the same way (SPEC §12)."""

PT = {
    "alert.head_empty": "🆘 Pool sem nenhum bot disponível: os acessos ao link estão falhando.",
    "alert.head_banned": "⛔ Bot banido ou com o token revogado: fora da rotação.",
    "alert.head_critical": "🚨 CRÍTICO: pool com menos da metade dos bots online.",
    "alert.head_offline": "⚠️ Bot offline: o tráfego foi para os outros.",
    "alert.head_resolved": "✅ Resolvido: tudo o que este alerta cita voltou ao normal.",
    "alert.head_empty_fallback": (
        "🆘 Pool sem nenhum bot disponível: os acessos estão indo para o link reserva."
    ),
    "alert.head_full": "📈 Pool no limite da capacidade por hora: adicione bots.",
    "alert.head_busy": "📈 Pool acima de 80% da capacidade por hora: adicione bots.",
    "alert.head_backend": (
        "🟠 Ninguém responde por trás de um bot: os leads foram para os outros."
    ),
    "alert.pool_empty_fallback": (
        "  sem nenhum bot: os acessos a {link} estão indo para o link reserva {fallback}"
    ),
    "alert.pool_busy": (
        "  📈 {used} de {capacity} acessos por hora ({percent}%): adicione bots antes que lote"
    ),
    "alert.pool_full": (
        "  📈 lotado: {used} de {capacity} acessos por hora ({percent}%); os próximos vão "
        "para o pool reserva ou o link reserva, se houver, senão para o bot menos "
        "carregado. Adicione bots."
    ),
    "alert.line_backend_webhook": "  🟠 @{bot} não entrega: o webhook falha ({message})",
    "alert.line_backend_backlog": (
        "  🟠 @{bot} não responde: {count} mensagens esperando sem ninguém para lê-las"
    ),
    "alert.line_backend_other": "  🟠 @{bot} não responde: {reason}",
    "alert.pool_line": "Pool '{pool}': saúde {health}% ({online}/{total} online)",
    "alert.pool_empty": "  sem nenhum bot: todo acesso a {link} está falhando agora",
    "alert.pool_critical": "  CRÍTICO: adicione bots ou verifique os existentes",
    "alert.line_banned": "  ⛔ @{bot} banido",
    "alert.line_offline": "  ⚠️ @{bot} offline",
    "alert.line_undecryptable": (
        "  🔐 @{bot} fora de rotação: o token não pode ser decifrado (cannot be decrypted) "
        "com a chave deste servidor (BOTPOOL_SECRET_KEY)"
    ),
    "alert.line_degraded": "  🟡 @{bot} instável",
    "alert.line_online": "  ✅ @{bot} online",
    "alert.no_pool": "Fora de qualquer pool:",
    "alert.banned_hint": (
        "Verifique os bots banidos no @BotFather e toque em «Verificar de novo» em cada um "
        "quando resolver."
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
    "alert.head_empty": "🆘 A pool has no bot left: every visit to its link is failing.",
    "alert.head_banned": "⛔ Bot banned or its token revoked: out of rotation.",
    "alert.head_critical": "🚨 CRITICAL: a pool is down to less than half of its bots.",
    "alert.head_offline": "⚠️ Bot offline: its traffic went to the others.",
    "alert.head_resolved": "✅ Resolved: everything this alert names is back to normal.",
    "alert.head_empty_fallback": (
        "🆘 A pool has no bot left: its visits are going to the fallback link."
    ),
    "alert.head_full": "📈 A pool is at its hourly capacity: add bots.",
    "alert.head_busy": "📈 A pool is past 80% of its hourly capacity: add bots.",
    "alert.head_backend": "🟠 Nobody answers behind a bot: its leads went to the others.",
    "alert.pool_empty_fallback": (
        "  no bot left: visits to {link} are going to the fallback link {fallback}"
    ),
    "alert.pool_busy": (
        "  📈 {used} of {capacity} visits per hour ({percent}%): add bots before it fills up"
    ),
    "alert.pool_full": (
        "  📈 full: {used} of {capacity} visits per hour ({percent}%); the next go to the "
        "fallback pool or the fallback link if there is one, else to the least-loaded "
        "bot. Add bots."
    ),
    "alert.line_backend_webhook": "  🟠 @{bot} not delivering: its webhook fails ({message})",
    "alert.line_backend_backlog": (
        "  🟠 @{bot} not answering: {count} updates waiting with nobody reading them"
    ),
    "alert.line_backend_other": "  🟠 @{bot} not answering: {reason}",
    "alert.pool_line": "Pool '{pool}': health {health}% ({online}/{total} online)",
    "alert.pool_empty": "  no bot left: every visit to {link} is failing now",
    "alert.pool_critical": "  CRITICAL: add bots or check the ones it has",
    "alert.line_banned": "  ⛔ @{bot} banned",
    "alert.line_offline": "  ⚠️ @{bot} offline",
    "alert.line_undecryptable": (
        "  🔐 @{bot} out of rotation: its token cannot be decrypted with this server's key "
        "(BOTPOOL_SECRET_KEY)"
    ),
    "alert.line_degraded": "  🟡 @{bot} unsteady",
    "alert.line_online": "  ✅ @{bot} online",
    "alert.no_pool": "Not in any pool:",
    "alert.banned_hint": (
        "Check the banned bots in @BotFather and press «Check again» on each once it is fixed."
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
