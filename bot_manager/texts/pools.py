"""Pools: the list, the card (the seed's dashboard), its settings and the /newpool wizard."""

PT = {
    "pools.title": "📦 Seus pools ({count}). Toque em um para abrir o painel.",
    "pools.empty": "Você ainda não tem pools. Crie o primeiro com /newpool.",
    "pools.button": "{state} {name} ({slug}) · {health}%",
    "pools.new": "➕ Novo pool",
    "pool.usage": "Use /pool <slug>, por exemplo /pool red1. Seus pools: /pools",
    "card.title": "📦 {name} ({slug}) — {state}",
    "card.active": "🟢 ATIVO",
    "card.paused": "⏸ PAUSADO",
    "card.health": "Saúde: {percent}% {bar} ({online}/{total} online)",
    "card.traffic": "Tráfego: {redirects} redirects na última hora",
    "card.capacity": "Capacidade: {redirects}/{capacity} por hora ({used}%)",
    "card.strategy": "Estratégia: {strategy}",
    "card.fallback": "Pool reserva: {fallback}",
    "card.fallback_none": "nenhum",
    "card.link": "Link público: {link}",
    "card.paused_note": "⏸ Pausado: o link responde 404 até você ativar o pool.",
    "card.bots": "Bots:",
    "card.no_bots": "Nenhum bot ainda. Toque em «Gerenciar bots» para adicionar.",
    "card.bot_line": "{emoji} @{username} │ {redirects} │ {latency} │ {tuning}",
    "card.tuning": "peso {weight} · {priority}",
    "card.disabled": " │ ⏸ desativado",
    "pool.btn.manage": "🤖 Gerenciar bots",
    "pool.btn.strategy": "🔀 Estratégia",
    "pool.btn.pause": "⏸ Pausar",
    "pool.btn.activate": "▶️ Ativar",
    "pool.btn.fallback": "🛟 Pool reserva",
    "pool.btn.delete": "🗑 Excluir",
    "pool.btn.refresh": "🔄 Atualizar",
    "pool.btn.list": "📦 Pools",
    "pool.strategy_prompt": "🔀 Escolha como o pool distribui os leads:",
    "pool.fallback_prompt": (
        "🛟 Quando nenhum bot deste pool puder atender, o link manda os leads para o pool "
        "reserva. Escolha um:"
    ),
    "pool.fallback_none_button": "Nenhum",
    "pool.fallback_no_others": (
        "Você não tem outro pool para usar como reserva. Crie um com /newpool."
    ),
    "pool.delete_confirm": (
        "🗑 Excluir o pool {name} ({slug})? O link {link} deixará de funcionar. "
        "Os bots continuam cadastrados."
    ),
    "pool.delete_yes": "🗑 Sim, excluir",
    "pool.deleted": "🗑 Pool {name} ({slug}) excluído.",
    "pool.paused": "Pool pausado ⏸",
    "pool.activated": "Pool ativado ▶️",
    "strategy.round_robin": "Round robin",
    "strategy.least_connections": "Menos conexões",
    "strategy.random": "Aleatória",
    "strategy.weighted": "Ponderada (pesos)",
    "newpool.ask_name": "➕ Novo pool. Qual é o nome? (por exemplo: INSS Principal)",
    "newpool.ask_slug": (
        "Agora o slug, usado no link {base}/go/<slug>: 2 a 50 letras minúsculas, dígitos, - ou _."
    ),
    "newpool.use_slug": "Usar «{slug}»",
    "newpool.ask_strategy": "Por último, a estratégia de distribuição:",
    "newpool.created": "✅ Pool criado! Divulgue o link e adicione bots em «Gerenciar bots».",
    "error.name": "O nome precisa ter de 1 a 100 caracteres. Tente de novo.",
    "error.slug": (
        "Slug inválido: use 2 a 50 letras minúsculas, dígitos, - ou _, começando com "
        "letra ou dígito. Tente de novo."
    ),
    "error.slug_taken": "O slug «{slug}» já está em uso. Escolha outro.",
    "error.fallback_self": "Um pool não pode ser reserva de si mesmo.",
    "error.fallback_loop": "Isso criaria um ciclo de pools reserva; escolha outro.",
    "error.strategy": "Estratégia desconhecida.",
}

EN = {
    "pools.title": "📦 Your pools ({count}). Tap one to open its dashboard.",
    "pools.empty": "You have no pools yet. Create the first one with /newpool.",
    "pools.button": "{state} {name} ({slug}) · {health}%",
    "pools.new": "➕ New pool",
    "pool.usage": "Use /pool <slug>, for example /pool red1. Your pools: /pools",
    "card.title": "📦 {name} ({slug}) — {state}",
    "card.active": "🟢 ACTIVE",
    "card.paused": "⏸ PAUSED",
    "card.health": "Health: {percent}% {bar} ({online}/{total} online)",
    "card.traffic": "Traffic: {redirects} redirects in the last hour",
    "card.capacity": "Capacity: {redirects}/{capacity} per hour ({used}%)",
    "card.strategy": "Strategy: {strategy}",
    "card.fallback": "Fallback pool: {fallback}",
    "card.fallback_none": "none",
    "card.link": "Public link: {link}",
    "card.paused_note": "⏸ Paused: the link answers 404 until you activate the pool.",
    "card.bots": "Bots:",
    "card.no_bots": "No bots yet. Tap «Manage bots» to add some.",
    "card.bot_line": "{emoji} @{username} │ {redirects} │ {latency} │ {tuning}",
    "card.tuning": "weight {weight} · {priority}",
    "card.disabled": " │ ⏸ disabled",
    "pool.btn.manage": "🤖 Manage bots",
    "pool.btn.strategy": "🔀 Strategy",
    "pool.btn.pause": "⏸ Pause",
    "pool.btn.activate": "▶️ Activate",
    "pool.btn.fallback": "🛟 Fallback pool",
    "pool.btn.delete": "🗑 Delete",
    "pool.btn.refresh": "🔄 Refresh",
    "pool.btn.list": "📦 Pools",
    "pool.strategy_prompt": "🔀 Choose how the pool spreads its leads:",
    "pool.fallback_prompt": (
        "🛟 When no bot of this pool can serve, the link sends leads to the fallback pool. "
        "Choose one:"
    ),
    "pool.fallback_none_button": "None",
    "pool.fallback_no_others": "You have no other pool to fall back to. Create one with /newpool.",
    "pool.delete_confirm": (
        "🗑 Delete the pool {name} ({slug})? The link {link} will stop working. "
        "The bots stay registered."
    ),
    "pool.delete_yes": "🗑 Yes, delete",
    "pool.deleted": "🗑 Pool {name} ({slug}) deleted.",
    "pool.paused": "Pool paused ⏸",
    "pool.activated": "Pool activated ▶️",
    "strategy.round_robin": "Round robin",
    "strategy.least_connections": "Least connections",
    "strategy.random": "Random",
    "strategy.weighted": "Weighted",
    "newpool.ask_name": "➕ New pool. What is its name? (for example: INSS Main)",
    "newpool.ask_slug": (
        "Now the slug, used in the link {base}/go/<slug>: 2 to 50 lowercase letters, "
        "digits, - or _."
    ),
    "newpool.use_slug": "Use «{slug}»",
    "newpool.ask_strategy": "Last, the distribution strategy:",
    "newpool.created": "✅ Pool created! Share the link and add bots with «Manage bots».",
    "error.name": "The name must be 1 to 100 characters. Please try again.",
    "error.slug": (
        "Invalid slug: use 2 to 50 lowercase letters, digits, - or _, starting with a "
        "letter or digit. Please try again."
    ),
    "error.slug_taken": "The slug «{slug}» is already taken. Choose another one.",
    "error.fallback_self": "A pool cannot be its own fallback.",
    "error.fallback_loop": "That would make a loop of fallback pools; choose another one.",
    "error.strategy": "Unknown strategy.",
}
