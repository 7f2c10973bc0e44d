"""/apikey: REST API keys, created, listed and revoked."""

PT = {
    "apikeys.title": "🔑 Chaves da API REST",
    "apikeys.none": "Você não tem nenhuma chave ativa.",
    "apikeys.line": "• {label} — {prefix}…\n    criada {created} · último uso: {last_used}",
    "apikeys.no_label": "(sem nome)",
    "apikeys.never": "nunca",
    "apikeys.usage": (
        "Use no cabeçalho Authorization: Bearer <chave>.\nAtalho: /apikey create nome da chave"
    ),
    "apikeys.button_create": "➕ Criar chave",
    "apikeys.button_revoke": "🗑 Revogar {label} ({prefix}…)",
    "apikeys.ask_label": (
        "Envie um nome para a nova chave (até {max} caracteres), "
        "ou toque em «Sem nome». /cancel desiste."
    ),
    "apikeys.button_no_label": "Sem nome",
    "apikeys.created": "✅ Chave criada{label}:",
    "apikeys.created_warning": (
        "⚠️ Guarde-a agora: ela não será mostrada de novo (o botpool guarda só um hash)."
    ),
    "apikeys.created_label": " («{label}»)",
    "apikeys.label_invalid": "O nome deve ter até {max} caracteres. Envie outro.",
    "apikeys.confirm_revoke": (
        "Revogar a chave {label} ({prefix}…)?\nIntegrações que a usam deixam de funcionar na hora."
    ),
    "apikeys.button_confirm": "🗑 Sim, revogar",
    "apikeys.button_cancel": "« Voltar",
    "apikeys.revoked": "Chave {prefix}… revogada.",
    "apikeys.not_found": "Chave não encontrada.",
}

EN = {
    "apikeys.title": "🔑 REST API keys",
    "apikeys.none": "You have no active keys.",
    "apikeys.line": "• {label} — {prefix}…\n    created {created} · last used: {last_used}",
    "apikeys.no_label": "(no label)",
    "apikeys.never": "never",
    "apikeys.usage": (
        "Send it as Authorization: Bearer <key>.\nShortcut: /apikey create key label"
    ),
    "apikeys.button_create": "➕ Create key",
    "apikeys.button_revoke": "🗑 Revoke {label} ({prefix}…)",
    "apikeys.ask_label": (
        "Send a label for the new key (up to {max} characters), "
        "or press «No label». /cancel gives up."
    ),
    "apikeys.button_no_label": "No label",
    "apikeys.created": "✅ Key created{label}:",
    "apikeys.created_warning": (
        "⚠️ Store it now: it will not be shown again (botpool keeps only a hash)."
    ),
    "apikeys.created_label": " («{label}»)",
    "apikeys.label_invalid": "The label must be at most {max} characters. Send another one.",
    "apikeys.confirm_revoke": (
        "Revoke the key {label} ({prefix}…)?\nIntegrations using it stop working at once."
    ),
    "apikeys.button_confirm": "🗑 Yes, revoke",
    "apikeys.button_cancel": "« Back",
    "apikeys.revoked": "Key {prefix}… revoked.",
    "apikeys.not_found": "Key not found.",
}
