"""Alerts of SPEC §6 as one message per incident (issue 19): a headline for the worst
of what it names, then each pool with its health and the lines of its bots that are not
online (or that the incident is about), worded after the seed's "Notificações"."""

PT = {
    "alert.head_empty": "🆘 Pool sem nenhum bot disponível: os acessos ao link estão falhando.",
    "alert.head_banned": "⛔ Bot banido ou com o token revogado: fora da rotação.",
    "alert.head_critical": "🚨 CRÍTICO: pool com menos da metade dos bots online.",
    "alert.head_offline": "⚠️ Bot offline: o tráfego foi para os outros.",
    "alert.head_resolved": "✅ Resolvido: tudo o que este alerta cita voltou ao normal.",
    "alert.pool_line": "Pool '{pool}': saúde {health}% ({online}/{total} online)",
    "alert.pool_empty": "  sem nenhum bot: todo acesso a {link} está falhando agora",
    "alert.pool_critical": "  CRÍTICO: adicione bots ou verifique os existentes",
    "alert.line_banned": "  ⛔ @{bot} banido",
    "alert.line_offline": "  ⚠️ @{bot} offline",
    "alert.line_degraded": "  🟡 @{bot} instável",
    "alert.line_online": "  ✅ @{bot} online",
    "alert.no_pool": "Fora de qualquer pool:",
    "alert.banned_hint": (
        "Verifique os bots banidos no @BotFather e toque em «Verificar de novo» em cada um "
        "quando resolver."
    ),
}

EN = {
    "alert.head_empty": "🆘 A pool has no bot left: every visit to its link is failing.",
    "alert.head_banned": "⛔ Bot banned or its token revoked: out of rotation.",
    "alert.head_critical": "🚨 CRITICAL: a pool is down to less than half of its bots.",
    "alert.head_offline": "⚠️ Bot offline: its traffic went to the others.",
    "alert.head_resolved": "✅ Resolved: everything this alert names is back to normal.",
    "alert.pool_line": "Pool '{pool}': health {health}% ({online}/{total} online)",
    "alert.pool_empty": "  no bot left: every visit to {link} is failing now",
    "alert.pool_critical": "  CRITICAL: add bots or check the ones it has",
    "alert.line_banned": "  ⛔ @{bot} banned",
    "alert.line_offline": "  ⚠️ @{bot} offline",
    "alert.line_degraded": "  🟡 @{bot} unsteady",
    "alert.line_online": "  ✅ @{bot} online",
    "alert.no_pool": "Not in any pool:",
    "alert.banned_hint": (
        "Check the banned bots in @BotFather and press «Check again» on each once it is fixed."
    ),
}
