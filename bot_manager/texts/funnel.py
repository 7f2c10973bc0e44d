"""Routing for funnels (SPEC §12) as operators see and set it: the fallback link and
sticky leads on the pool card, a member's hourly cap, a bot's failing backend and slow
start, returning and unrouted leads and campaigns in /stats."""

PT = {
    "card.fallback_link": "Link reserva: {link}",
    "card.fallback_link_none": "nenhum (página 503)",
    "card.sticky": "Leads fiéis: {days}",
    "card.sticky_off": "desligado",
    "card.sticky_days": "{days} dia(s)",
    "card.cap": " · {cap}/h",
    "card.backend_error": " │ 🔌 funil com falha: {error}",
    "card.ramping": " │ 🌱 aquecendo",
    "pool.btn.fallback_link": "🔗 Link reserva",
    "pool.btn.sticky": "🧲 Leads fiéis",
    "funnel.link_prompt": (
        "🔗 Link reserva do pool {slug}: quando nenhum bot (nem o pool reserva) puder "
        "atender, o lead vai para este link em vez da página de erro 503 — um canal do "
        "Telegram, uma landing page.\n\n"
        "Atual: {current}\n\n"
        "Envie o novo link (https://...), ou toque em um botão."
    ),
    "funnel.link_remove": "✖️ Remover link reserva",
    "funnel.link_saved": "✅ Link reserva salvo: {link}",
    "funnel.link_removed": "Link reserva removido ✓",
    "funnel.sticky_prompt": (
        "🧲 Leads fiéis do pool {slug}: um lead que volta ao link dentro deste prazo vai "
        "para o mesmo bot que o atendeu antes (enquanto esse bot estiver no ar). O lead "
        "é reconhecido por um cookie assinado, sem dados pessoais.\n\n"
        "Atual: {current}\n\n"
        "Escolha um prazo ou envie um número de dias (0 a 365; 0 desliga)."
    ),
    "funnel.sticky_button": "{days} dias",
    "funnel.sticky_off_button": "Desligado",
    "funnel.sticky_saved": "✅ Leads fiéis: {days}",
    "funnel.cap_button": "⏱ Capacidade: {cap}/h",
    "funnel.cap_default_mark": "{cap} (padrão)",
    "funnel.cap_prompt": (
        "⏱ Capacidade de @{username} neste pool: quantos leads por hora ele pode receber. "
        "No limite, o link passa os leads para os outros bots, depois para o pool reserva "
        "e o link reserva; nenhum lead é perdido.\n\n"
        "Atual: {current}\n\n"
        "Envie um número de 1 a 1.000.000, ou use o padrão da instalação ({default}/h)."
    ),
    "funnel.cap_use_default": "Usar o padrão ({default}/h)",
    "funnel.cap_saved": "✅ Capacidade de @{username}: {cap}/h",
    "member.capacity": "Capacidade: {cap}/h",
    "member.backend_error": "🔌 O funil por trás do bot está com falha: {error}",
    "member.ramping": "🌱 Voltou há pouco: recebe uma parte menor dos leads até {until}.",
    "bot.backend_error": "🔌 Funil com falha: {error} (os leads vão para os outros bots)",
    "bot.recovered": "Voltou ao ar em: {at}",
    "error.fallback_url": (
        "Link inválido: use um endereço https:// completo (por exemplo "
        "https://t.me/seu_canal), com até 2.000 caracteres. http não é aceito. "
        "Tente de novo."
    ),
    "error.sticky_days": "Envie um número inteiro de dias de 0 a 365 (0 desliga). Tente de novo.",
    "error.hourly_cap": (
        "Envie um número inteiro de leads por hora, de 1 a 1.000.000. Tente de novo."
    ),
    "stats.returning": "↩️ Leads que voltaram: {hour} na última hora · {day} em 24 h",
    "stats.fallback_link": "🔗 Para o link reserva: {hour} na última hora · {day} em 24 h",
    "stats.unserved": "🚫 Sem atendimento (503): {hour} na última hora · {day} em 24 h",
    "stats.overview_unrouted": (
        "    24 h: ↩️ voltaram {returning} · 🔗 link reserva {link} · 🚫 503 {unserved}"
    ),
    "stats.button_campaigns": "🎯 Campanhas",
    "stats.campaigns_title": "🎯 Campanhas de {name} ({slug}) — leads por ?start=, dias em UTC",
    "stats.campaigns_day": "{day}: {total} lead(s)",
    "stats.campaigns_line": "    {start}: {count}",
    "stats.campaigns_other": "    outras: {count}",
    "stats.campaigns_none": (
        "Nenhuma campanha nos últimos {days} dias. Divulgue o link com ?start=nome_da_campanha "
        "para contar os leads de cada campanha."
    ),
}

EN = {
    "card.fallback_link": "Fallback link: {link}",
    "card.fallback_link_none": "none (503 page)",
    "card.sticky": "Sticky leads: {days}",
    "card.sticky_off": "off",
    "card.sticky_days": "{days} day(s)",
    "card.cap": " · {cap}/h",
    "card.backend_error": " │ 🔌 funnel failing: {error}",
    "card.ramping": " │ 🌱 ramping up",
    "pool.btn.fallback_link": "🔗 Fallback link",
    "pool.btn.sticky": "🧲 Sticky leads",
    "funnel.link_prompt": (
        "🔗 Fallback link of the pool {slug}: when no bot (and no fallback pool) can serve, "
        "the lead goes to this link instead of the 503 error page — a Telegram channel, "
        "a landing page.\n\n"
        "Now: {current}\n\n"
        "Send the new link (https://...), or tap a button."
    ),
    "funnel.link_remove": "✖️ Remove the fallback link",
    "funnel.link_saved": "✅ Fallback link saved: {link}",
    "funnel.link_removed": "Fallback link removed ✓",
    "funnel.sticky_prompt": (
        "🧲 Sticky leads of the pool {slug}: a lead who comes back to the link within this "
        "window goes to the bot that served them before (while that bot is up). The lead "
        "is recognised by a signed cookie, with no personal data.\n\n"
        "Now: {current}\n\n"
        "Choose a window or send a number of days (0 to 365; 0 turns it off)."
    ),
    "funnel.sticky_button": "{days} days",
    "funnel.sticky_off_button": "Off",
    "funnel.sticky_saved": "✅ Sticky leads: {days}",
    "funnel.cap_button": "⏱ Capacity: {cap}/h",
    "funnel.cap_default_mark": "{cap} (default)",
    "funnel.cap_prompt": (
        "⏱ Capacity of @{username} in this pool: how many leads per hour it may take. At "
        "its cap, the link passes leads to the other bots, then to the fallback pool and "
        "the fallback link; no lead is lost.\n\n"
        "Now: {current}\n\n"
        "Send a number from 1 to 1,000,000, or use the installation's default ({default}/h)."
    ),
    "funnel.cap_use_default": "Use the default ({default}/h)",
    "funnel.cap_saved": "✅ Capacity of @{username}: {cap}/h",
    "member.capacity": "Capacity: {cap}/h",
    "member.backend_error": "🔌 The funnel behind this bot is failing: {error}",
    "member.ramping": "🌱 Just came back: it takes a smaller share of leads until {until}.",
    "bot.backend_error": "🔌 Funnel failing: {error} (leads go to the other bots)",
    "bot.recovered": "Back online at: {at}",
    "error.fallback_url": (
        "Invalid link: use a full https:// address (for example https://t.me/your_channel) "
        "of up to 2,000 characters. http is not accepted. Please try again."
    ),
    "error.sticky_days": (
        "Send a whole number of days from 0 to 365 (0 turns it off). Please try again."
    ),
    "error.hourly_cap": (
        "Send a whole number of leads per hour, from 1 to 1,000,000. Please try again."
    ),
    "stats.returning": "↩️ Returning leads: {hour} in the last hour · {day} in 24 h",
    "stats.fallback_link": "🔗 Sent to the fallback link: {hour} in the last hour · {day} in 24 h",
    "stats.unserved": "🚫 Unserved (503): {hour} in the last hour · {day} in 24 h",
    "stats.overview_unrouted": (
        "    24 h: ↩️ returning {returning} · 🔗 fallback link {link} · 🚫 503 {unserved}"
    ),
    "stats.button_campaigns": "🎯 Campaigns",
    "stats.campaigns_title": "🎯 Campaigns of {name} ({slug}) — leads by ?start=, UTC days",
    "stats.campaigns_day": "{day}: {total} lead(s)",
    "stats.campaigns_line": "    {start}: {count}",
    "stats.campaigns_other": "    other: {count}",
    "stats.campaigns_none": (
        "No campaigns in the last {days} days. Share the link with ?start=campaign_name "
        "to count each campaign's leads."
    ),
}
