"""Pictures and reports: /qr, /chart, /export, and the daily digest."""

PT = {
    "reports.usage_qr": "Use: /qr <slug>",
    "reports.usage_chart": "Use: /chart <slug> [24h|7d]",
    "reports.usage_export": "Use: /export <slug> [24h|7d|30d|AAAA-MM-DD AAAA-MM-DD]",
    "reports.not_found": "Pool {slug} não encontrado.",
    "reports.bad_period": "Período inválido: use 24h ou 7d. Exemplo: /chart {slug} 7d",
    "reports.bad_range": (
        "Intervalo inválido. Use 24h, 7d, 30d ou duas datas AAAA-MM-DD (a primeira antes "
        "da segunda, até 93 dias). Exemplo: /export {slug} 2026-11-01 2026-11-07"
    ),
    "reports.qr_caption": "🔳 {name} ({slug})\n{link}",
    "reports.chart_caption": "📈 {name} ({slug}) · {period}: {total} redirects",
    "reports.export_choose": (
        "📄 Contagens por hora e por bot de {name} ({slug}) em CSV. Qual período?"
    ),
    "reports.export_caption": (
        "📄 {name} ({slug}): redirects por hora e por bot\n"
        "{start} a {end} (UTC) · {rows} linhas · {total} redirects"
    ),
    "reports.period.24h": "últimas 24 h",
    "reports.period.7d": "últimos 7 dias",
    "reports.period.30d": "últimos 30 dias",
    "reports.chart_y": "redirects por hora",
    "reports.chart_capacity": "capacidade {value}/h",
    "reports.chart_capacity_off": "capacidade {value}/h (acima da escala)",
    "reports.chart_others": "outros",
    "reports.chart_empty": "nenhum redirect no período",
    "reports.marker.offline": "offline",
    "reports.marker.banned": "banido",
    "reports.marker.recovered": "recuperado",
    "reports.btn.qr": "🔳 QR code",
    "reports.btn.chart": "📈 Gráfico",
    "reports.btn.export": "📄 CSV",
    "reports.btn.chart_24h": "📈 24 h",
    "reports.btn.chart_7d": "📈 7 dias",
    "reports.btn.export_24h": "24 h",
    "reports.btn.export_7d": "7 dias",
    "reports.btn.export_30d": "30 dias",
    "digest.title": "🗞 Resumo de ontem, {day}",
    "digest.pool": (
        "{name} ({slug}): {leads} leads {change}\n"
        "    banimentos {bans} · quedas {drops} · recuperações {recoveries} · uptime {uptime}"
    ),
    "digest.change_up": "(▲ {percent}% sobre o dia anterior)",
    "digest.change_down": "(▼ {percent}% sobre o dia anterior)",
    "digest.change_same": "(igual ao dia anterior)",
    "digest.change_none": "(dia anterior sem leads)",
    "digest.total": "Total: {leads} leads (dia anterior: {before})",
    "digest.outages": (
        "📡 Telegram ficou inacessível a partir deste servidor {count} vez(es); os bots "
        "foram mantidos como estavam."
    ),
    "digest.no_pools": "Você ainda não tem pools. Crie um com /newpool.",
    "digest.footer": "Horário e fuso do resumo em /settings.",
    "digest.chart_period": "ontem, {day}",
}

EN = {
    "reports.usage_qr": "Usage: /qr <slug>",
    "reports.usage_chart": "Usage: /chart <slug> [24h|7d]",
    "reports.usage_export": "Usage: /export <slug> [24h|7d|30d|YYYY-MM-DD YYYY-MM-DD]",
    "reports.not_found": "Pool {slug} not found.",
    "reports.bad_period": "Unknown period: use 24h or 7d. Example: /chart {slug} 7d",
    "reports.bad_range": (
        "Invalid range. Use 24h, 7d, 30d or two dates YYYY-MM-DD (the first before the "
        "second, 93 days at most). Example: /export {slug} 2026-11-01 2026-11-07"
    ),
    "reports.qr_caption": "🔳 {name} ({slug})\n{link}",
    "reports.chart_caption": "📈 {name} ({slug}) · {period}: {total} redirects",
    "reports.export_choose": "📄 Hourly counts per bot of {name} ({slug}) as CSV. Which period?",
    "reports.export_caption": (
        "📄 {name} ({slug}): redirects per hour and bot\n"
        "{start} to {end} (UTC) · {rows} rows · {total} redirects"
    ),
    "reports.period.24h": "last 24 h",
    "reports.period.7d": "last 7 days",
    "reports.period.30d": "last 30 days",
    "reports.chart_y": "redirects per hour",
    "reports.chart_capacity": "capacity {value}/h",
    "reports.chart_capacity_off": "capacity {value}/h (above the scale)",
    "reports.chart_others": "others",
    "reports.chart_empty": "no redirects in this period",
    "reports.marker.offline": "offline",
    "reports.marker.banned": "banned",
    "reports.marker.recovered": "recovered",
    "reports.btn.qr": "🔳 QR code",
    "reports.btn.chart": "📈 Chart",
    "reports.btn.export": "📄 CSV",
    "reports.btn.chart_24h": "📈 24 h",
    "reports.btn.chart_7d": "📈 7 days",
    "reports.btn.export_24h": "24 h",
    "reports.btn.export_7d": "7 days",
    "reports.btn.export_30d": "30 days",
    "digest.title": "🗞 Yesterday, {day}",
    "digest.pool": (
        "{name} ({slug}): {leads} leads {change}\n"
        "    bans {bans} · drops {drops} · recoveries {recoveries} · uptime {uptime}"
    ),
    "digest.change_up": "(▲ {percent}% on the day before)",
    "digest.change_down": "(▼ {percent}% on the day before)",
    "digest.change_same": "(same as the day before)",
    "digest.change_none": "(no leads the day before)",
    "digest.total": "Total: {leads} leads (day before: {before})",
    "digest.outages": (
        "📡 Telegram was unreachable from this server {count} time(s); the bots were kept "
        "as they were."
    ),
    "digest.no_pools": "You have no pools yet. Create one with /newpool.",
    "digest.footer": "Digest hour and time zone in /settings.",
    "digest.chart_period": "yesterday, {day}",
}
