"""The per-IP limit on /go and whose address it counts."""

from __future__ import annotations

import ipaddress

import pytest

from redirect_server.ratelimit import ClientAddress, RateLimiter

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
        ("10.0.0.1", "garbage, 10.0.0.9", "garbage"),
        ("10.0.0.1", None, "10.0.0.1"),
        ("192.0.2.1", "203.0.113.7", "192.0.2.1"),  # peer not trusted: header ignored
    ],
)
def test_forwarded_for_is_believed_only_up_to_the_rightmost_untrusted_address(
    peer, forwarded_for, client
):
    address = ClientAddress([ipaddress.ip_network("10.0.0.0/8")])
    assert address.resolve(peer, forwarded_for) == client


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
