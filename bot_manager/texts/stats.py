"""/stats: traffic and health figures of the operator's pools and bots."""

PT = {
    "stats.overview_title": "📊 Estatísticas dos seus pools",
    "stats.overview_line": (
        "{paused}{name} ({slug}): saúde {health}% ({online}/{total} online)\n"
        "    redirects: {hour} na última hora · {day} em 24 h"
    ),
    "stats.overview_hint": "Escolha um pool para ver os números por bot.",
    "stats.no_pools": "Você ainda não tem pools. Crie um com /newpool.",
    "stats.paused": "⏸ ",
    "stats.pool_title": (
        "📊 {name} ({slug}){paused}\n"
        "Saúde: {health}% ({online}/{total} online)\n"
        "Redirects: {hour} na última hora · {day} em 24 h"
    ),
    "stats.pool_paused": " ⏸ pausado",
    "stats.most_used": "🏆 Mais usado: @{bot} ({day} redirects em 24 h)",
    "stats.most_used_none": "🏆 Mais usado: nenhum redirect em 24 h",
    "stats.most_troubled": (
        "⚠️ Mais problemático: @{bot} (24 h: falhas {failures}, quedas {drops})"
    ),
    "stats.most_troubled_none": "✅ Nenhum problema em 24 h",
    "stats.bots_title": "Por bot (redirects 1 h / 24 h · uptime 24 h · latência média):",
    "stats.bot_line": "{icon} @{bot}{disabled}: {hour} / {day} · {uptime}% · {latency}",
    "stats.bot_disabled": " (desativado)",
    "stats.no_bots": "Nenhum bot neste pool. Adicione com /pool {slug}.",
    "stats.button_pool": "{name} ({slug})",
    "stats.button_failures": "Falhas de @{bot}",
    "stats.button_overview": "« Todos os pools",
    "stats.button_back_pool": "« Voltar ao pool",
    "stats.failures_title": "🧾 Últimas falhas de @{bot} (até {limit}, as mais recentes primeiro):",
    "stats.failure_line": "{at} · {kind}{detail}",
    "stats.no_failures": "✅ @{bot} não tem nenhuma falha registrada.",
    "stats.kind.auth": "token recusado",
    "stats.kind.rate_limited": "limite de requisições",
    "stats.kind.transient": "sem resposta",
    "stats.not_found": "Pool não encontrado.",
    "stats.bot_not_found": "Bot não encontrado.",
}

EN = {
    "stats.overview_title": "📊 Your pools' figures",
    "stats.overview_line": (
        "{paused}{name} ({slug}): health {health}% ({online}/{total} online)\n"
        "    redirects: {hour} in the last hour · {day} in 24 h"
    ),
    "stats.overview_hint": "Pick a pool to see its figures per bot.",
    "stats.no_pools": "You have no pools yet. Create one with /newpool.",
    "stats.paused": "⏸ ",
    "stats.pool_title": (
        "📊 {name} ({slug}){paused}\n"
        "Health: {health}% ({online}/{total} online)\n"
        "Redirects: {hour} in the last hour · {day} in 24 h"
    ),
    "stats.pool_paused": " ⏸ paused",
    "stats.most_used": "🏆 Most used: @{bot} ({day} redirects in 24 h)",
    "stats.most_used_none": "🏆 Most used: no redirects in 24 h",
    "stats.most_troubled": (
        "⚠️ Most troubled: @{bot} (24 h: failed probes {failures}, drops {drops})"
    ),
    "stats.most_troubled_none": "✅ No trouble in 24 h",
    "stats.bots_title": "Per bot (redirects 1 h / 24 h · uptime 24 h · average latency):",
    "stats.bot_line": "{icon} @{bot}{disabled}: {hour} / {day} · {uptime}% · {latency}",
    "stats.bot_disabled": " (disabled)",
    "stats.no_bots": "No bots in this pool. Add some with /pool {slug}.",
    "stats.button_pool": "{name} ({slug})",
    "stats.button_failures": "@{bot} failures",
    "stats.button_overview": "« All pools",
    "stats.button_back_pool": "« Back to the pool",
    "stats.failures_title": "🧾 Last failures of @{bot} (up to {limit}, newest first):",
    "stats.failure_line": "{at} · {kind}{detail}",
    "stats.no_failures": "✅ @{bot} has no failures on record.",
    "stats.kind.auth": "token rejected",
    "stats.kind.rate_limited": "rate limited",
    "stats.kind.transient": "no answer",
    "stats.not_found": "Pool not found.",
    "stats.bot_not_found": "Bot not found.",
}
