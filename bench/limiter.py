"""Memory of /go's rate limiter under many distinct clients, measured as RSS growth.

    .venv/bin/python bench/limiter.py                 # every case, each in a fresh process
    .venv/bin/python bench/limiter.py --case ipv4 --clients 1000000   # one case, as JSON

Cases, each fed to the limiter exactly as /go feeds it (ClientAddress, the IPv6 network
key, RateLimiter with the shipped settings), half in one minute and half in the next,
so that both of the limiter's windows are as full as they can be:

- ipv4: that many distinct IPv4 clients, one request each;
- ipv6: that many distinct IPv6 /64 networks;
- one64: that many distinct addresses inside one IPv6 /64;
- xff: that many distinct 7 KB X-Forwarded-For values from a trusted proxy.

Each case runs in a process of its own, so that the growth of its resident set is the
limiter's and nothing else's.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import subprocess
import sys
from collections.abc import Hashable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.settings import Settings  # noqa: E402
from redirect_server.ratelimit import ClientAddress, RateLimiter, ipv6_network  # noqa: E402

CASES = ("ipv4", "ipv6", "one64", "xff")
PROXY = "127.0.0.1"


def rss_bytes() -> int:
    """The resident set of this process now (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096


def keys(case: str, clients: int, settings: Settings) -> Iterator[Hashable]:
    """The limiter key of each request, made one at a time as /go makes them."""
    address = ClientAddress([ipaddress.ip_network(PROXY)])
    network = ipv6_network(settings.rate_limit_ipv6_prefix)
    for i in range(clients):
        if case == "ipv4":
            client = f"{10 + (i >> 24)}.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        elif case == "ipv6":
            client = f"2001:db8:{i >> 16:x}:{i & 0xFFFF:x}::1"
        elif case == "one64":
            client = f"2001:db8:1:2::{i >> 16:x}:{i & 0xFFFF:x}"  # up to 2**32 of them
        else:
            client = address.resolve(PROXY, f"{i:08d}" + "x" * 7_000)
        yield network(client) if ":" in client else client


def measure(case: str, clients: int) -> dict[str, object]:
    settings = Settings()
    minute = [30.0]
    limiter = RateLimiter(
        settings.rate_limit_per_min,
        clock=lambda: minute[0],
        max_clients=settings.rate_limit_max_clients,
    )
    before = rss_bytes()
    passed = 0
    for i, key in enumerate(keys(case, clients, settings)):
        if i == clients // 2:  # the second half in the next minute: both windows full
            minute[0] += 60.0
        passed += limiter.hit(key) == 0
    return {
        "case": case,
        "clients": clients,
        "passed": passed,
        "tracked": len(limiter),
        "rss_growth_bytes": rss_bytes() - before,
    }


def run_case(case: str, clients: int) -> dict[str, object]:
    """`measure` in a fresh interpreter."""
    command = [sys.executable, __file__, "--case", case, "--clients", str(clients)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=CASES)
    parser.add_argument("--clients", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(measure(args.case, args.clients)))
        return
    for case in CASES:
        clients = 10_000 if case == "xff" else args.clients
        result = run_case(case, clients)
        print(
            f"{case:6} {clients:>9,} clients: {result['passed']:>9,} passed, "
            f"{result['tracked']:>7,} tracked, "
            f"RSS +{result['rss_growth_bytes'] / 2**20:6.1f} MB"
        )


if __name__ == "__main__":
    main()
