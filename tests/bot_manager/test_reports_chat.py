"""/qr, /chart and /export through the real control bot: aiogram polling the sandbox, the
picture or document read back from the sandbox and checked with real decoders (zxing-cpp
for the QR code, Pillow for the chart, csv for the export) against the database."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import zxingcpp
from PIL import Image

from bot_manager.charts import CHART_SIZE
from bot_manager.keyboards.callback_data import ReportAction, ReportCb
from storage.db import transaction
from storage.models import RedirectCount, utcnow
from storage.repos import bots, counts, members, operators, pools
from tests.plugins.control_bot import OPERATOR, OTHER, ControlBotDriver

RENDER_TIMEOUT_S = 60  # the first chart of a process loads matplotlib and its fonts


async def seed(driver: ControlBotDriver) -> dict[str, int]:
    """OPERATOR's pool `red1` (alpha, beta) with counts 2 and 30 hours ago; OTHER's
    pool `theirs`."""
    hour = counts.hour_of(utcnow())
    async with transaction(driver.sessions) as session:
        for operator in (OPERATOR, OTHER):
            await operators.get_or_create(session, operator, "pt-BR")
        ids: dict[str, int] = {}
        for owner, telegram_id, name in (
            (OPERATOR, 71, "alpha_bot"),
            (OPERATOR, 72, "beta_bot"),
            (OTHER, 73, "their_bot"),
        ):
            row = await bots.register(
                session,
                driver.cipher,
                owner,
                telegram_id=telegram_id,
                username=name,
                token=f"{telegram_id}:secret",
            )
            row.status = "online"
            ids[name] = row.id
        red1 = await pools.create(session, OPERATOR, name="INSS Principal", slug="red1")
        theirs = await pools.create(session, OTHER, name="Theirs", slug="theirs")
        for name in ("alpha_bot", "beta_bot"):
            await members.add(session, OPERATOR, red1.id, ids[name], max_per_pool=10)
        await members.add(session, OTHER, theirs.id, ids["their_bot"], max_per_pool=10)
        await counts.add(
            session,
            {
                (red1.id, ids["alpha_bot"], hour - timedelta(hours=2)): 40,
                (red1.id, ids["beta_bot"], hour - timedelta(hours=2)): 25,
                (red1.id, ids["alpha_bot"], hour - timedelta(hours=30)): 7,
                (theirs.id, ids["their_bot"], hour): 99,
            },
        )
    return {"red1": red1.id, "theirs": theirs.id, **ids}


async def ask(driver: ControlBotDriver, text: str, **wait: Any) -> dict[str, Any]:
    sent = await driver.send(OPERATOR, text)
    return await driver.wait_reply(OPERATOR, after=sent, **wait)


async def picture(driver: ControlBotDriver, message: dict[str, Any]) -> Image.Image:
    assert message["photo"] is not None, message
    content = await driver.client.photo(driver.control, message)
    image = Image.open(io.BytesIO(content))
    assert image.format == "PNG"
    return image


async def db_counts(driver: ControlBotDriver, pool_id: int) -> dict[tuple[str, int], int]:
    async with driver.sessions() as session:
        rows = await session.execute(
            RedirectCount.__table__.select().where(RedirectCount.pool_id == pool_id)
        )
        return {(row.hour.strftime("%Y-%m-%dT%H:%M:%SZ"), row.bot_id): row.count for row in rows}


async def test_qr_command_sends_a_png_that_decodes_to_the_pool_link(control_bot):
    await seed(control_bot)

    sent = await ask(control_bot, "/qr red1")

    image = await picture(control_bot, sent)
    decoded = [result.text for result in zxingcpp.read_barcodes(image)]
    assert decoded == ["http://botpool.test/go/red1"]
    assert sent["caption"] == "🔳 INSS Principal (red1)\nhttp://botpool.test/go/red1"
    assert sent["photo"]["file_name"] == "red1-qr.png"


async def test_qr_button_on_the_pool_card_sends_the_same_code(control_bot):
    await seed(control_bot)
    card = await ask(control_bot, "/pool red1")

    await control_bot.press(OPERATOR, card, "🔳 QR code")
    sent = await control_bot.wait_reply(OPERATOR, "http://botpool.test/go/red1", after=card)

    decoded = [r.text for r in zxingcpp.read_barcodes(await picture(control_bot, sent))]
    assert decoded == ["http://botpool.test/go/red1"]


async def test_reports_of_an_unknown_or_another_operators_pool_are_not_found(control_bot):
    await seed(control_bot)

    assert (await ask(control_bot, "/qr theirs"))["text"] == "Pool theirs não encontrado."
    assert (await ask(control_bot, "/chart nope 7d"))["text"] == "Pool nope não encontrado."
    assert (await ask(control_bot, "/export theirs"))["text"] == "Pool theirs não encontrado."
    assert (await ask(control_bot, "/qr"))["text"] == "Use: /qr <slug>"
    assert (await ask(control_bot, "/chart red1 1y"))["text"].startswith("Período inválido")


async def test_a_forged_report_press_on_another_operators_pool_sends_nothing(control_bot):
    ids = await seed(control_bot)
    card = await ask(control_bot, "/pool red1")
    chat = control_bot.sandbox.state.find(str(control_bot.control.id)).chat(OPERATOR)
    forged = ReportCb(action=ReportAction.QR, pool_id=ids["theirs"]).pack()
    chat.messages[card["message_id"]].inline_markup["inline_keyboard"].append(
        [{"text": "forged", "callback_data": forged}]
    )

    answer = await control_bot.press(OPERATOR, card, "forged")

    assert answer["show_alert"] is True
    assert answer["text"] == "Não encontrado."
    assert [m for m in await control_bot.messages(OPERATOR) if m["photo"]] == []


async def test_chart_is_a_png_of_the_stated_size_that_changes_with_traffic(control_bot):
    ids = await seed(control_bot)

    first = await ask(control_bot, "/chart red1", timeout_s=RENDER_TIMEOUT_S)
    image = await picture(control_bot, first)
    assert image.size == CHART_SIZE
    assert (first["photo"]["width"], first["photo"]["height"]) == CHART_SIZE
    assert first["caption"] == "📈 INSS Principal (red1) · últimas 24 h: 65 redirects"
    colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 20  # not a blank canvas

    async with transaction(control_bot.sessions) as session:
        now = counts.hour_of(utcnow())
        await counts.add(session, {(ids["red1"], ids["beta_bot"], now - timedelta(hours=5)): 80})
    second = await ask(control_bot, "/chart red1 24h", timeout_s=RENDER_TIMEOUT_S)

    assert second["caption"] == "📈 INSS Principal (red1) · últimas 24 h: 145 redirects"
    changed = await picture(control_bot, second)
    assert changed.size == CHART_SIZE
    assert changed.tobytes() != image.tobytes()


async def test_chart_of_seven_days_from_the_stats_screen(control_bot):
    await seed(control_bot)
    screen = await ask(control_bot, "/stats red1")

    await control_bot.press(OPERATOR, screen, "📈 7 dias")
    sent = await control_bot.wait_reply(
        OPERATOR, "últimos 7 dias", after=screen, timeout_s=RENDER_TIMEOUT_S
    )

    assert sent["caption"] == "📈 INSS Principal (red1) · últimos 7 dias: 72 redirects"
    assert (await picture(control_bot, sent)).size == CHART_SIZE


async def test_export_sends_a_csv_whose_sums_equal_the_database(control_bot):
    ids = await seed(control_bot)

    sent = await ask(control_bot, "/export red1 7d")

    name, content = await control_bot.client.document(control_bot.control, sent)
    assert name.startswith("red1-counts-") and name.endswith(".csv")
    assert sent["document"]["mime_type"] == "text/csv"
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert {(r["hour"], int(r["bot_id"])): int(r["count"]) for r in rows} == await db_counts(
        control_bot, ids["red1"]
    )
    assert sum(int(r["count"]) for r in rows) == 72
    assert {r["username"] for r in rows} == {"alpha_bot", "beta_bot"}
    assert "3 linhas · 72 redirects" in sent["caption"]


async def test_export_range_from_buttons_and_a_bad_range_explained(control_bot):
    await seed(control_bot)

    choose = await ask(control_bot, "/export red1")
    assert choose["text"].startswith("📄 Contagens por hora")
    await control_bot.press(OPERATOR, choose, "24 h")
    sent = await control_bot.wait_reply(OPERATOR, "linhas", after=choose)
    _name, content = await control_bot.client.document(control_bot.control, sent)
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert sum(int(r["count"]) for r in rows) == 65

    for bad in ("/export red1 2026-11-07 2026-11-01", "/export red1 1y", "/export red1 x y"):
        assert (await ask(control_bot, bad))["text"].startswith("Intervalo inválido"), bad


async def test_export_between_two_local_dates(control_bot):
    ids = await seed(control_bot)
    today = utcnow().date()
    first, last = today - timedelta(days=3), today + timedelta(days=1)

    sent = await ask(control_bot, f"/export red1 {first} {last}")

    _name, content = await control_bot.client.document(control_bot.control, sent)
    rows = list(csv.DictReader(io.StringIO(content.decode())))
    assert sum(int(r["count"]) for r in rows) == sum(
        (await db_counts(control_bot, ids["red1"])).values()
    )
