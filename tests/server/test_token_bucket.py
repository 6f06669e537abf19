"""The token-bucket limiter honours the spec's soft limit: sustained rate + burst, honest Retry-After, bounded keys.

The two bounds are the spec's (cloudnx_spec.rate_limit()): a client sending at most the rate in every window is never
throttled, and no key gets more than ``rate * T + burst`` accepted in any T seconds.
"""

from __future__ import annotations

import random

import pytest

import cloudnx_spec
from reference_server.cli import build_parser
from reference_server.platform.token_bucket import TokenBucketLimiter
from reference_server.settings import Settings, SettingsError

from .conftest import client_for, make_app, new_account

pytestmark = pytest.mark.server

RATE = cloudnx_spec.rate_limit()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _bucket(clock: FakeClock, **kw: int) -> TokenBucketLimiter:
    return TokenBucketLimiter(RATE.requests_per_second, RATE.burst, clock=clock, **kw)


def test_sustained_rate_under_double_load_is_the_limit() -> None:
    clock = FakeClock()
    limiter = _bucket(clock)
    accepted = 0
    seconds = 20
    for i in range(2 * RATE.requests_per_second * seconds):
        clock.now = 1000.0 + i / (2 * RATE.requests_per_second)
        accepted += limiter.hit("u").allowed
    assert accepted <= RATE.most_accepted(seconds)
    assert accepted / seconds == pytest.approx(RATE.requests_per_second, abs=RATE.burst / seconds + 0.5)


def test_never_more_than_rate_times_t_plus_burst_in_any_interval() -> None:
    clock = FakeClock()
    limiter = _bucket(clock)
    rng = random.Random(7)  # noqa: S311 - a reproducible arrival pattern, not a secret
    stamps = []
    for _ in range(5000):
        clock.now += rng.expovariate(120)  # bursty arrivals at ~4x the rate
        if limiter.hit("u").allowed:
            stamps.append(clock.now)
    for length in (RATE.window_seconds, 2.0, RATE.judged_over_seconds, 10.0):
        for i, start in enumerate(stamps):
            inside = sum(1 for t in stamps[i:] if t <= start + length)
            assert inside <= RATE.most_accepted(length), (length, start, inside)


def test_a_client_within_the_rate_in_every_window_is_never_throttled() -> None:
    clock = FakeClock()
    limiter = _bucket(clock)
    # The worst legal pattern: the whole per-window allowance at once, every window.
    for window in range(30):
        clock.now = 1000.0 + window * RATE.window_seconds
        for _ in range(RATE.requests_per_second):
            assert limiter.hit("u").allowed


def test_burst_is_accepted_then_retry_after_is_honest() -> None:
    clock = FakeClock()
    limiter = _bucket(clock)
    assert all(limiter.hit("u").allowed for _ in range(RATE.burst))
    refused = limiter.hit("u")
    assert not refused.allowed
    assert refused.retry_after >= RATE.retry_after.at_least
    clock.now += refused.retry_after
    assert limiter.hit("u").allowed


def test_keys_are_independent_and_bounded() -> None:
    limiter = TokenBucketLimiter(1, 1, max_keys=100, clock=FakeClock())
    assert limiter.hit("a").allowed
    assert limiter.hit("b").allowed
    assert not limiter.hit("a").allowed
    for i in range(1000):
        limiter.hit(f"k{i}")
    assert len(limiter) <= 100


def test_the_algorithm_is_chosen_by_option_and_checked() -> None:
    args = vars(build_parser().parse_args(["--rate-limiter", "token-bucket", "--rate-burst", "45"]))
    settings = Settings.load(args, environ={})
    assert (settings.rate_limiter, settings.rate_burst) == ("token-bucket", 45)
    assert Settings.load({}, environ={}).rate_burst == RATE.burst
    with pytest.raises(SettingsError, match="rate_limiter"):
        Settings.load({"rate_limiter": "leaky"}, environ={})


@pytest.mark.anyio
async def test_token_bucket_server_throttles_across_services_after_the_burst() -> None:
    app = make_app(rate_limit=RATE.requests_per_second, rate_limiter="token-bucket")
    async with client_for(app, ("127.0.0.1", 1)) as bootstrap:
        account = await new_account(bootstrap)
    async with client_for(app, ("127.0.0.2", 1)) as client:
        paths = ["/auth/me", "/compute/vpcs", "/storage/buckets"]
        statuses = [
            (await client.get(paths[i % 3], headers=account.cookie)).status_code for i in range(3 * RATE.burst)
        ]
    throttled = [s for s in statuses if s == RATE.exceeded_status]
    assert throttled, "a back-to-back flood beyond the burst was never throttled"
    assert statuses.count(200) <= RATE.most_accepted(RATE.window_seconds)
