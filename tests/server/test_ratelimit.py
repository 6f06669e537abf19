"""The limiter: exact sliding window, honest Retry-After, bounded memory; over the API, per principal across
services, anonymous per address."""

from __future__ import annotations

import pytest

from reference_server.platform.ratelimit import SlidingWindowLimiter

from .conftest import client_for, make_app, new_account

pytestmark = pytest.mark.server


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_steady_rate_under_double_load_is_exactly_the_limit() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(30, 1.0, clock=clock)
    accepted = 0
    for i in range(60 * 20):  # 60 req/s offered for 20 s
        clock.now = 1000.0 + i / 60
        accepted += limiter.hit("u").allowed
    assert accepted / 20 == pytest.approx(30, abs=1.5)


def test_never_more_than_limit_in_any_window() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(30, 1.0, clock=clock)
    stamps = []
    for i in range(5000):
        clock.now = 1000.0 + i * 0.0137 % 7 + i * 0.001
        if limiter.hit("u").allowed:
            stamps.append(clock.now)
    stamps.sort()
    for i, start in enumerate(stamps):
        assert sum(1 for t in stamps[i:] if t < start + 1.0) <= 30


def test_below_the_limit_is_never_throttled() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(30, 1.0, clock=clock)
    for i in range(28 * 30):
        clock.now = 1000.0 + i / 28
        assert limiter.hit("u").allowed


def test_retry_after_is_honest_and_at_least_one() -> None:
    clock = FakeClock()
    limiter = SlidingWindowLimiter(30, 1.0, clock=clock)
    for _ in range(30):
        limiter.hit("u")
    clock.now += 0.2
    refused = limiter.hit("u")
    assert not refused.allowed
    assert refused.retry_after == 1
    clock.now += refused.retry_after
    assert limiter.hit("u").allowed


def test_keys_are_independent_and_bounded() -> None:
    limiter = SlidingWindowLimiter(1, 1.0, max_keys=100, clock=FakeClock())
    assert limiter.hit("a").allowed
    assert limiter.hit("b").allowed
    assert not limiter.hit("a").allowed
    for i in range(1000):
        limiter.hit(f"k{i}")
    assert len(limiter) <= 100


@pytest.mark.anyio
async def test_limit_is_shared_across_services_and_429_is_well_formed() -> None:
    app = make_app(rate_limit=30)
    async with client_for(app, ("127.0.0.1", 1)) as bootstrap:
        account = await new_account(bootstrap)
    async with client_for(app, ("127.0.0.2", 1)) as client:
        paths = ["/auth/me", "/compute/instances", "/storage/buckets"]
        statuses = [(await client.get(paths[i % 3], headers=account.cookie)).status_code for i in range(30)]
        assert 429 not in statuses
        refused = await client.get("/storage/buckets", headers=account.cookie)
        assert refused.status_code == 429
        retry_after = refused.headers["retry-after"]
        assert retry_after.isdigit()
        assert int(retry_after) >= 1
        assert refused.json()["error"]
        assert refused.headers["ratelimit-remaining"] == "0"
        # Another principal from the same address is unaffected.
        anonymous = await client.get("/auth/.well-known/jwks.json")
        assert anonymous.status_code == 200


@pytest.mark.anyio
async def test_anonymous_traffic_is_limited_per_address() -> None:
    app = make_app(rate_limit=5)
    async with client_for(app, ("10.0.0.1", 1)) as first, client_for(app, ("10.0.0.2", 1)) as second:
        statuses = [(await first.get("/auth/.well-known/jwks.json")).status_code for _ in range(6)]
        assert statuses[-1] == 429
        assert (await second.get("/auth/.well-known/jwks.json")).status_code == 200
        unauthenticated = [(await second.get("/auth/me")).status_code for _ in range(5)]
        assert unauthenticated[-1] == 429  # bad credentials are throttled too
