"""matplotlib, segno and Pillow load only when a picture is drawn: the redirect server
(`botpool redirect`, /go) and the control bot at start never import them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PICTURE_LIBRARIES = ("matplotlib", "segno", "PIL")


def loaded_after(imports: str) -> list[str]:
    code = (
        f"import sys\n{imports}\n"
        f"print(','.join(m for m in {PICTURE_LIBRARIES!r} if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return [name for name in result.stdout.strip().split(",") if name]


def test_the_redirect_server_and_the_control_bot_do_not_load_picture_libraries():
    imports = (
        "import bot_manager.cli, bot_manager.runner, redirect_server.app\n"
        "import bot_manager.dispatcher, bot_manager.digest, bot_manager.handlers.reports"
    )
    assert loaded_after(imports) == []


def test_drawing_a_qr_code_loads_them():
    imports = "from bot_manager.qr import qr_png\nqr_png('http://x.test/go/a', 'a')"
    assert set(loaded_after(imports)) >= {"segno", "PIL"}
