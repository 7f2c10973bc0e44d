"""Bots: adding them by token, the list with their health, re-check and delete."""

PT = {
    "bots.title": "🤖 Seus bots ({count}):",
    "bots.empty": (
        "Você ainda não tem bots. Encaminhe para mim a mensagem do @BotFather com o token, "
        "ou use /addbot <token>."
    ),
    "bots.line": "{emoji} @{username} — {status} · {latency}",
    "bots.button": "{emoji} @{username}",
    "bot.detail": (
        "🤖 @{username}\n"
        "Estado: {emoji} {status}\n"
        "Latência: {latency}\n"
        "Última verificação: {last_check}\n"
        "Pools: {pools}"
    ),
    "bot.last_error": "Último erro: {error}",
    "bot.never": "nunca",
    "bot.no_pools": "nenhum",
    "bot.btn.recheck": "🔄 Verificar de novo",
    "bot.btn.delete": "🗑 Excluir",
    "bot.btn.list": "🤖 Bots",
    "bot.delete_confirm": (
        "🗑 Excluir @{username}? Ele sai de {count} pool(s) e o token é apagado do botpool."
    ),
    "bot.delete_yes": "🗑 Sim, excluir",
    "bot.deleted": "🗑 @{username} excluído do botpool.",
    "bot.recheck_unavailable": "As verificações de saúde não estão rodando agora.",
    "bot.rechecked": "Verificado: {status}",
    "status.checking": "verificando",
    "status.online": "online",
    "status.degraded": "degradado",
    "status.offline": "offline",
    "status.banned": "banido",
    "addbot.ask": (
        "Envie o token do bot ou encaminhe a mensagem do @BotFather que o contém. "
        "Eu apago a mensagem assim que a ler."
    ),
    "addbot.added": (
        "✅ @{username} adicionado e online. A mensagem com o token foi apagada.\n"
        "Coloque-o em um pool pelo painel do pool («Gerenciar bots»)."
    ),
    "addbot.no_token": (
        "Não encontrei um token nessa mensagem. Envie o token (123456789:ABC...) ou "
        "encaminhe a mensagem do @BotFather; /cancel para desistir."
    ),
    "token.malformed": (
        "Isso não parece um token de bot válido (formato 123456789:ABC...). "
        "Apaguei a mensagem por segurança."
    ),
    "token.unauthorized": (
        "O Telegram recusou esse token: ele está errado ou foi revogado. "
        "Gere um novo no @BotFather (/token) e tente de novo."
    ),
    "token.unreachable": (
        "Não consegui falar com o Telegram para conferir o token agora. Nada foi salvo; "
        "envie de novo em instantes."
    ),
    "token.already_yours": "@{username} já está cadastrado por você. Veja em /bots.",
    "token.already_other": "@{username} já está cadastrado no botpool por outro operador.",
    "addbot.replaced": (
        "🔑 Token de @{username} atualizado e verificado: online. A mensagem com o token "
        "foi apagada; pools, histórico e contagens continuam como estavam."
    ),
    "addbot.taken_over": (
        "✅ @{username} agora é seu: o token que outro operador tinha cadastrado foi "
        "revogado no @BotFather. O bot saiu dos pools dele; coloque-o nos seus pelo "
        "painel do pool («Gerenciar bots»)."
    ),
    "bot.taken_over": (
        "⚠️ @{username} foi cadastrado por outro operador com um token novo: o token que "
        "você cadastrou foi revogado no @BotFather. O bot saiu dos seus pools ({pools}) e "
        "não é mais seu no botpool."
    ),
    "bot.taken_over_no_pools": "nenhum",
}

EN = {
    "bots.title": "🤖 Your bots ({count}):",
    "bots.empty": (
        "You have no bots yet. Forward me @BotFather's message with the token, "
        "or use /addbot <token>."
    ),
    "bots.line": "{emoji} @{username} — {status} · {latency}",
    "bots.button": "{emoji} @{username}",
    "bot.detail": (
        "🤖 @{username}\n"
        "Status: {emoji} {status}\n"
        "Latency: {latency}\n"
        "Last check: {last_check}\n"
        "Pools: {pools}"
    ),
    "bot.last_error": "Last error: {error}",
    "bot.never": "never",
    "bot.no_pools": "none",
    "bot.btn.recheck": "🔄 Check again",
    "bot.btn.delete": "🗑 Delete",
    "bot.btn.list": "🤖 Bots",
    "bot.delete_confirm": (
        "🗑 Delete @{username}? It leaves {count} pool(s) and its token is erased from botpool."
    ),
    "bot.delete_yes": "🗑 Yes, delete",
    "bot.deleted": "🗑 @{username} deleted from botpool.",
    "bot.recheck_unavailable": "Health checks are not running right now.",
    "bot.rechecked": "Checked: {status}",
    "status.checking": "checking",
    "status.online": "online",
    "status.degraded": "degraded",
    "status.offline": "offline",
    "status.banned": "banned",
    "addbot.ask": (
        "Send me the bot's token or forward @BotFather's message that carries it. "
        "I delete the message as soon as I read it."
    ),
    "addbot.added": (
        "✅ @{username} added and online. The message with the token was deleted.\n"
        "Put it in a pool from the pool's dashboard («Manage bots»)."
    ),
    "addbot.no_token": (
        "I found no token in that message. Send the token (123456789:ABC...) or forward "
        "@BotFather's message; /cancel to give up."
    ),
    "token.malformed": (
        "That does not look like a valid bot token (format 123456789:ABC...). "
        "I deleted the message to be safe."
    ),
    "token.unauthorized": (
        "Telegram rejected that token: it is wrong or was revoked. "
        "Get a new one from @BotFather (/token) and try again."
    ),
    "token.unreachable": (
        "I could not reach Telegram to check the token just now. Nothing was saved; "
        "send it again in a moment."
    ),
    "token.already_yours": "You already registered @{username}. See /bots.",
    "token.already_other": "@{username} is already registered in botpool by another operator.",
    "addbot.replaced": (
        "🔑 @{username}'s token replaced and checked: online. The message with the token "
        "was deleted; its pools, history and counts are as they were."
    ),
    "addbot.taken_over": (
        "✅ @{username} is yours now: the token another operator had registered was "
        "revoked at @BotFather. The bot left their pools; put it in yours from the pool's "
        "dashboard («Manage bots»)."
    ),
    "bot.taken_over": (
        "⚠️ @{username} was registered by another operator with a new token: the token "
        "you registered was revoked at @BotFather. The bot left your pools ({pools}) and "
        "is no longer yours in botpool."
    ),
    "bot.taken_over_no_pools": "none",
}
