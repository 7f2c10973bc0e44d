"""Welcome, help, menu, command descriptions and the answers every feature shares."""

PT = {
    "start.welcome": (
        "👋 Olá! Eu sou o botpool, o balanceador dos seus bots do Telegram.\n\n"
        "Junte bots que rodam o mesmo fluxo em um pool: um único link /go/<slug> "
        "distribui os leads entre os bots saudáveis e, se um cair ou for banido, "
        "o tráfego passa para os outros em segundos.\n\n"
        "Comece criando um pool e adicionando bots (encaminhe a mensagem do @BotFather "
        "com o token)."
    ),
    "help.text": (
        "📖 Comandos\n\n"
        "/newpool [slug] [nome] — criar um pool\n"
        "/pools — seus pools\n"
        "/pool <slug> — painel de um pool\n"
        "/addbot [token] — adicionar um bot (ou encaminhe a mensagem do @BotFather)\n"
        "/bots — seus bots e o estado de cada um\n"
        "/stats [slug] — tráfego e saúde\n"
        "/qr <slug> — QR code do link\n"
        "/chart <slug> [24h|7d] — gráfico de tráfego\n"
        "/export <slug> — contagens por hora em CSV\n"
        "/apikey — chaves da API REST\n"
        "/settings — idioma, alertas, resumo diário e fuso horário\n"
        "/cancel — sair de qualquer assistente"
    ),
    "menu.title": "O que você quer fazer?",
    "menu.pools": "📦 Meus pools",
    "menu.bots": "🤖 Meus bots",
    "menu.new_pool": "➕ Novo pool",
    "menu.add_bot": "➕ Adicionar bot",
    "menu.stats": "📊 Estatísticas",
    "menu.settings": "⚙️ Configurações",
    "menu.api_keys": "🔑 Chaves de API",
    "menu.help": "❓ Ajuda",
    "menu.use_command": "Use o comando {command}.",
    "common.back": "⬅️ Voltar",
    "common.menu": "🏠 Menu",
    "common.cancel": "✖️ Cancelar",
    "common.cancelled": "Cancelado. Nada foi alterado.",
    "common.nothing_to_cancel": "Não há nada para cancelar.",
    "common.saved": "Salvo ✓",
    "common.unknown": "Não entendi. Use /help para ver os comandos.",
    "common.stale_button": "Este botão não vale mais. Abra a tela de novo (/pools, /bots).",
    "common.not_found": "Não encontrado.",
    "common.busy": (
        "O banco de dados está ocupado agora; nada foi perdido. Tente de novo em instantes."
    ),
    "common.unavailable": (
        "O banco de dados está indisponível agora; nada foi alterado. Tente de novo em "
        "alguns segundos."
    ),
    "common.error": "Algo deu errado; nada foi alterado. Tente de novo.",
    "common.changed_meanwhile": (
        "Isto foi alterado por outra pessoa ao mesmo tempo; nada foi salvo. Abra a tela de "
        "novo e tente outra vez."
    ),
    "access.refused": (
        "🔒 Este botpool é privado. Peça ao administrador para incluir o seu id ({user_id}) "
        "em BOTPOOL_ADMIN_IDS."
    ),
    "cmd.start": "Início e menu",
    "cmd.help": "Ajuda e comandos",
    "cmd.newpool": "Criar um pool",
    "cmd.pools": "Seus pools",
    "cmd.pool": "Painel de um pool: /pool <slug>",
    "cmd.addbot": "Adicionar um bot",
    "cmd.bots": "Seus bots e o estado",
    "cmd.stats": "Tráfego e saúde",
    "cmd.apikey": "Chaves da API REST",
    "cmd.qr": "QR code do link: /qr <slug>",
    "cmd.chart": "Gráfico de tráfego: /chart <slug> [24h|7d]",
    "cmd.export": "Contagens em CSV: /export <slug>",
    "cmd.settings": "Idioma, alertas e resumo diário",
    "cmd.cancel": "Sair do assistente",
}

EN = {
    "start.welcome": (
        "👋 Hi! I am botpool, the load balancer for your Telegram bots.\n\n"
        "Group bots that run the same flow into a pool: one link /go/<slug> spreads "
        "your leads across the healthy bots and, when one goes down or is banned, "
        "traffic moves to the others within seconds.\n\n"
        "Start by creating a pool and adding bots (forward @BotFather's message with the token)."
    ),
    "help.text": (
        "📖 Commands\n\n"
        "/newpool [slug] [name] — create a pool\n"
        "/pools — your pools\n"
        "/pool <slug> — a pool's dashboard\n"
        "/addbot [token] — add a bot (or forward @BotFather's message)\n"
        "/bots — your bots and how each is doing\n"
        "/stats [slug] — traffic and health\n"
        "/qr <slug> — the link as a QR code\n"
        "/chart <slug> [24h|7d] — traffic chart\n"
        "/export <slug> — hourly counts as CSV\n"
        "/apikey — REST API keys\n"
        "/settings — language, alerts, daily digest and time zone\n"
        "/cancel — leave any wizard"
    ),
    "menu.title": "What would you like to do?",
    "menu.pools": "📦 My pools",
    "menu.bots": "🤖 My bots",
    "menu.new_pool": "➕ New pool",
    "menu.add_bot": "➕ Add a bot",
    "menu.stats": "📊 Stats",
    "menu.settings": "⚙️ Settings",
    "menu.api_keys": "🔑 API keys",
    "menu.help": "❓ Help",
    "menu.use_command": "Use the {command} command.",
    "common.back": "⬅️ Back",
    "common.menu": "🏠 Menu",
    "common.cancel": "✖️ Cancel",
    "common.cancelled": "Cancelled. Nothing was changed.",
    "common.nothing_to_cancel": "There is nothing to cancel.",
    "common.saved": "Saved ✓",
    "common.unknown": "I did not understand that. Use /help to see the commands.",
    "common.stale_button": "This button is no longer valid. Open the screen again (/pools, /bots).",
    "common.not_found": "Not found.",
    "common.busy": (
        "The database is busy right now; nothing was lost. Please try again in a moment."
    ),
    "common.unavailable": (
        "The database is unavailable right now; nothing was changed. Please try again in a "
        "few seconds."
    ),
    "common.error": "Something went wrong; nothing was changed. Please try again.",
    "common.changed_meanwhile": (
        "This was changed by someone else at the same time; nothing was saved. Open the "
        "screen again and retry."
    ),
    "access.refused": (
        "🔒 This botpool is private. Ask its administrator to add your id ({user_id}) "
        "to BOTPOOL_ADMIN_IDS."
    ),
    "cmd.start": "Start and menu",
    "cmd.help": "Help and commands",
    "cmd.newpool": "Create a pool",
    "cmd.pools": "Your pools",
    "cmd.pool": "A pool's dashboard: /pool <slug>",
    "cmd.addbot": "Add a bot",
    "cmd.bots": "Your bots and their status",
    "cmd.stats": "Traffic and health",
    "cmd.apikey": "REST API keys",
    "cmd.qr": "The link as a QR code: /qr <slug>",
    "cmd.chart": "Traffic chart: /chart <slug> [24h|7d]",
    "cmd.export": "Hourly counts as CSV: /export <slug>",
    "cmd.settings": "Language, alerts and daily digest",
    "cmd.cancel": "Leave the wizard",
}
