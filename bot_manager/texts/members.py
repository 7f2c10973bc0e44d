"""Members: which bots serve a pool, with what weight and priority."""

PT = {
    "members.prompt": "🤖 Bots do pool. Toque em um bot para ajustar, ou adicione outro.",
    "members.add": "➕ Adicionar bot",
    "members.candidates_prompt": "Escolha um dos seus bots para entrar no pool:",
    "members.no_candidates": (
        "Todos os seus bots já estão neste pool. Adicione outro bot com /addbot "
        "(ou encaminhe a mensagem do @BotFather)."
    ),
    "members.button": "{emoji}{mark} @{username} · peso {weight} · {priority}",
    "members.added": "@{username} entrou no pool ✓",
    "members.removed": "@{username} saiu do pool",
    "member.prompt": (
        "🤖 @{username} neste pool: {enabled}, peso {weight}, prioridade {priority}.\n"
        "Preferencial recebe todo o tráfego enquanto puder; backup só atende quando "
        "nenhum outro pode."
    ),
    "member.enabled": "ativo",
    "member.disabled": "desativado",
    "member.btn.disable": "⏸ Desativar",
    "member.btn.enable": "▶️ Ativar",
    "member.btn.weight_down": "➖ peso",
    "member.btn.weight_up": "➕ peso",
    "member.btn.remove": "✖️ Remover do pool",
    "priority.1": "preferencial",
    "priority.0": "normal",
    "priority.-1": "backup",
    "error.pool_full": "O pool já tem o máximo de {limit} bots.",
    "error.already_member": "Esse bot já está no pool.",
    "error.weight": "O peso vai de 1 a 100.",
    "error.priority": "Prioridade inválida.",
}

EN = {
    "members.prompt": "🤖 The pool's bots. Tap a bot to tune it, or add another one.",
    "members.add": "➕ Add a bot",
    "members.candidates_prompt": "Choose one of your bots to join the pool:",
    "members.no_candidates": (
        "All your bots are already in this pool. Add another bot with /addbot "
        "(or forward @BotFather's message)."
    ),
    "members.button": "{emoji}{mark} @{username} · weight {weight} · {priority}",
    "members.added": "@{username} joined the pool ✓",
    "members.removed": "@{username} left the pool",
    "member.prompt": (
        "🤖 @{username} in this pool: {enabled}, weight {weight}, priority {priority}.\n"
        "Preferred takes all traffic while it can; backup serves only when no other can."
    ),
    "member.enabled": "enabled",
    "member.disabled": "disabled",
    "member.btn.disable": "⏸ Disable",
    "member.btn.enable": "▶️ Enable",
    "member.btn.weight_down": "➖ weight",
    "member.btn.weight_up": "➕ weight",
    "member.btn.remove": "✖️ Remove from pool",
    "priority.1": "preferred",
    "priority.0": "normal",
    "priority.-1": "backup",
    "error.pool_full": "The pool already has the maximum of {limit} bots.",
    "error.already_member": "That bot is already in the pool.",
    "error.weight": "The weight goes from 1 to 100.",
    "error.priority": "Invalid priority.",
}
