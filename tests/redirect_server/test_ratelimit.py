"""The per-IP limit on /go, whose address it counts, and what it may cost in memory."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
from pathlib import Path

import pytest

from redirect_server.ratelimit import ClientAddress, RateLimiter, ipv6_network

BENCH = Path(__file__).resolve().parents[2] / "bench" / "limiter.py"

TRUSTED = (ipaddress.ip_network("127.0.0.1/32"),)


async def status_of(client, **headers: str) -> int:
    async with client.get("/go/promo", allow_redirects=False, headers=headers) as response:
        return response.status


async def test_101st_request_in_a_minute_from_one_ip_gets_429_and_another_ip_does_not(
    seed, settings, start_client
):
    await seed.pool("promo")
    client = await start_client(settings=settings.model_copy(update={"trusted_proxies": TRUSTED}))
    one, other = {"X-Forwarded-For": "203.0.113.5"}, {"X-Forwarded-For": "203.0.113.6"}
    assert [await status_of(client, **one) for _ in range(100)] == [302] * 100
    async with client.get("/go/promo", allow_redirects=False, headers=one) as response:
        assert response.status == 429
        assert 1 <= int(response.headers["Retry-After"]) <= 120
    assert await status_of(client, **other) == 302


async def test_limit_applies_to_the_peer_when_no_proxy_is_trusted(seed, start_client):
    await seed.pool("promo")
    client = await start_client()
    statuses = [
        await status_of(client, **{"X-Forwarded-For": f"198.51.100.{i}"}) for i in range(101)
    ]
    assert statuses == [302] * 100 + [429], "X-Forwarded-For from an untrusted peer is ignored"


async def test_zero_disables_the_rate_limit(seed, settings, start_client):
    await seed.pool("promo")
    client = await start_client(settings=settings.model_copy(update={"rate_limit_per_min": 0}))
    assert {await status_of(client) for _ in range(150)} == {302}


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "client"),
    [
        ("10.0.0.1", "203.0.113.7", "203.0.113.7"),
        ("10.0.0.1", "9.9.9.9, 203.0.113.7", "203.0.113.7"),  # client wrote 9.9.9.9 itself
        ("10.0.0.1", "203.0.113.7, 10.0.0.9", "203.0.113.7"),  # two proxies of ours
        ("10.0.0.1", "10.0.0.8, 10.0.0.9", "10.0.0.8"),  # all ours: the left-most
        ("10.0.0.1", "garbage, 10.0.0.9", "10.0.0.1"),  # not an address: the peer's
        ("10.0.0.1", "garbage", "10.0.0.1"),
        ("10.0.0.1", "x" * 7_000, "10.0.0.1"),
        ("10.0.0.1", "203.0.113.7:4711", "10.0.0.1"),
        ("10.0.0.1", "203.0.113.7\x00", "10.0.0.1"),
        ("10.0.0.1", "ação", "10.0.0.1"),
        ("10.0.0.1", " 203.0.113.7 ", "203.0.113.7"),
        ("10.0.0.1", "2001:DB8:0:0::7", "2001:db8::7"),  # one spelling per address
        ("10.0.0.1", None, "10.0.0.1"),
        ("192.0.2.1", "203.0.113.7", "192.0.2.1"),  # peer not trusted: header ignored
    ],
)
def test_forwarded_for_is_believed_only_up_to_the_rightmost_untrusted_address(
    peer, forwarded_for, client
):
    address = ClientAddress([ipaddress.ip_network("10.0.0.0/8")])
    assert address.resolve(peer, forwarded_for) == client


async def test_addresses_of_one_ipv6_64_share_one_limit_and_another_64_has_its_own(
    seed, settings, start_client
):
    await seed.pool("promo")
    client = await start_client(settings=settings.model_copy(update={"trusted_proxies": TRUSTED}))
    statuses = [
        await status_of(client, **{"X-Forwarded-For": f"2001:db8:1:2::{i:x}"}) for i in range(101)
    ]
    assert statuses == [302] * 100 + [429]
    assert await status_of(client, **{"X-Forwarded-For": "2001:db8:1:3::1"}) == 302


async def test_a_forwarded_for_that_is_no_address_counts_as_its_proxy(seed, settings, start_client):
    await seed.pool("promo")
    client = await start_client(settings=settings.model_copy(update={"trusted_proxies": TRUSTED}))
    statuses = [
        await status_of(client, **{"X-Forwarded-For": f"{i:04d}" + "x" * 7_000}) for i in range(101)
    ]
    assert statuses == [302] * 100 + [429]


def test_100000_addresses_in_one_64_pass_100_times_in_a_minute():
    limiter, network = RateLimiter(100, Clock()), ipv6_network(64)
    addresses = (f"2001:db8:1:2::{i >> 16:x}:{i & 0xFFFF:x}" for i in range(100_000))
    waits = [limiter.hit(network(address)) for address in addresses]
    assert waits[:100] == [0] * 100
    assert all(waits[100:]), "the 101st and every later one is a 429"
    assert len(limiter) == 1


@pytest.mark.parametrize(
    ("prefix", "a", "b", "same"),
    [
        (64, "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", True),
        (64, "2001:db8:1:2::1", "2001:db8:1:3::1", False),
        (48, "2001:db8:1:2::1", "2001:db8:1:ffff::1", True),
        (128, "2001:db8:1:2::1", "2001:db8:1:2::2", False),
        (64, "fe80::1%eth0", "fe80::2", True),
    ],
)
def test_ipv6_clients_are_keyed_by_their_network(prefix, a, b, same):
    network = ipv6_network(prefix)
    assert (network(a) == network(b)) is same


def test_an_ipv4_address_mapped_into_ipv6_is_keyed_as_itself():
    network = ipv6_network(64)
    assert network("::ffff:203.0.113.7") == "203.0.113.7"
    assert network("::ffff:203.0.113.7") != network("::ffff:203.0.113.8")


def test_past_max_clients_newcomers_share_one_limit_and_tracked_clients_keep_theirs():
    limiter = RateLimiter(10, Clock(), max_clients=1_000)
    assert [limiter.hit("tracked") for _ in range(10)] == [0] * 10
    flood = [limiter.hit(f"10.{i >> 16}.{i >> 8 & 255}.{i & 255}") for i in range(50_000)]

    assert flood.count(0) == 999 + 10  # the rest of the table, then one shared limit
    assert limiter.hit("tracked") > 0, "a flood of new addresses does not reset a count"
    assert limiter.hit("203.0.113.1") > 0, "a newcomer past the table shares the limit"
    assert len(limiter) == 1_000 + 1  # + UNTRACKED


def test_memory_stays_bounded_when_both_windows_are_full():
    clock = Clock()
    limiter = RateLimiter(10, clock, max_clients=1_000)
    for minute in range(3):
        for i in range(5_000):
            limiter.hit(f"{minute}.{i}")
        clock.now += 60
    assert len(limiter) <= 2 * (1_000 + 1)


def run_bench(case: str, clients: int) -> dict[str, int]:
    """bench/limiter.py's measure in a fresh interpreter: its RSS growth is the limiter's."""
    command = [sys.executable, str(BENCH), "--case", case, "--clients", str(clients)]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    return json.loads(output.stdout)


def test_10000_distinct_7kb_forwarded_for_values_grow_memory_by_less_than_20_mb():
    result = run_bench("xff", 10_000)
    assert result["tracked"] <= 2
    assert result["rss_growth_bytes"] < 20 * 2**20


def test_300000_distinct_clients_are_held_in_a_table_of_fixed_size():
    result = run_bench("ipv4", 300_000)
    assert result["tracked"] == 2 * (100_000 + 1)  # the shipped maximum, in both windows
    assert result["rss_growth_bytes"] < 80 * 2**20  # about 23 MB measured; 105 MB unbounded


def test_without_trusted_proxies_the_peer_is_the_client():
    assert ClientAddress([]).resolve("192.0.2.1", "203.0.113.7") == "192.0.2.1"


class Clock:
    def __init__(self, now: float = 1_000_020.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_blocked_client_may_pass_again_after_the_retry_after_it_was_given():
    clock = Clock()
    limiter = RateLimiter(10, clock)
    assert [limiter.hit("a") for _ in range(10)] == [0] * 10
    wait = limiter.hit("a")
    assert wait > 0
    clock.now += wait - 1
    assert limiter.hit("a") > 0
    clock.now += 1
    assert limiter.hit("a") == 0


def test_a_burst_across_a_minute_boundary_is_still_limited():
    clock = Clock(1_000_019.0)  # one second before a window ends
    limiter = RateLimiter(10, clock)
    assert [limiter.hit("a") for _ in range(10)] == [0] * 10
    clock.now += 2
    passed = sum(1 for _ in range(10) if limiter.hit("a") == 0)
    assert passed <= 1, "the previous minute still counts almost whole"


def test_blocked_requests_are_not_counted():
    clock = Clock()
    limiter = RateLimiter(2, clock)
    for _ in range(50):
        limiter.hit("a")
    clock.now += 120
    assert limiter.hit("a") == 0


def test_old_windows_are_forgotten():
    clock = Clock()
    limiter = RateLimiter(10, clock)
    for i in range(1000):
        limiter.hit(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter) == 1000
    clock.now += 60
    limiter.hit("192.0.2.1")
    assert len(limiter) == 1001  # the last minute still weighs on the next one
    clock.now += 60
    limiter.hit("192.0.2.1")
    assert len(limiter) == 2


@pytest.mark.parametrize("offset", [0.0, 0.5, 15.0, 44.9, 59.5])
@pytest.mark.parametrize("gap", [0.0, 30.0, 61.0])
def test_retry_after_is_the_first_whole_second_the_client_may_pass_again(offset, gap):
    clock = Clock(1_000_020.0 + offset)
    limiter = RateLimiter(10, clock)
    for _ in range(10):
        limiter.hit("a")
    clock.now += gap
    while (wait := limiter.hit("a")) == 0:
        pass
    start = clock.now
    clock.now = start + wait - 1
    assert limiter.hit("a") > 0
    clock.now = start + wait
    assert limiter.hit("a") == 0
