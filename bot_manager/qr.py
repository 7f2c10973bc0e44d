"""A pool's public link as a QR code PNG with the slug written under it, for flyers and
stories. segno draws the code; Pillow adds the caption band. Imported only where a QR
is sent, so `botpool redirect` never loads either."""

from __future__ import annotations

import io

SCALE = 12  # pixels per module: sharp when printed or screenshotted
BORDER = 4  # the quiet zone decoders need, in modules
BAND_PX = 96
FONT_PX = 44


def qr_png(link: str, slug: str) -> bytes:
    """PNG bytes: the QR code of `link`, `slug` centred under it. CPU-bound; run it in a
    worker thread."""
    import segno
    from PIL import Image, ImageDraw, ImageFont

    code = io.BytesIO()
    segno.make(link, error="m", micro=False).save(code, kind="png", scale=SCALE, border=BORDER)
    code.seek(0)
    with Image.open(code) as image:
        square = image.convert("L")
    canvas = Image.new("L", (square.width, square.height + BAND_PX), color=255)
    canvas.paste(square, (0, 0))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=FONT_PX)
    left, top, right, bottom = draw.textbbox((0, 0), slug, font=font)
    x = (canvas.width - (right - left)) / 2 - left
    y = square.height - SCALE * BORDER / 2 + (BAND_PX - (bottom - top)) / 2 - top
    draw.text((x, y), slug, fill=0, font=font)
    out = io.BytesIO()
    canvas.save(out, format="PNG", optimize=True)
    return out.getvalue()
