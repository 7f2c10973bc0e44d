"""The `botpool` command."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print("botpool: not built yet", file=sys.stderr)
    return 2
