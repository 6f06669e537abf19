"""Rate limit: the seed's soft limit of 30 req/s per principal across auth, compute and storage together.

Seed "Rate limits" (a *soft* limit); spec ``cloudnx_spec.rate_limit()``: a sustained rate plus a declared burst, so a
sliding window and a token bucket both comply. Over any T seconds at most ``rate * T + burst`` requests may be
accepted, judged over multi-second spans; a client within the rate in every window is never throttled. RFC 6585
§4 (429); RFC 9110 §10.2.3 (Retry-After, delay-seconds). Fresh identities only (each has its own budget); the
offered rate is measured, and a run that could not offer enough load is ``inconclusive``, never ``passed``.
"""

# ruff: noqa: S101, PT018 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

import httpx
import pytest

import cloudnx_spec
from conformance.checks import check, inconclusive
from conformance.contract import Contract
from conformance.fixtures import FreshAccount
from conformance.runtime import Target
from conformance.suite.ratelimit_load import Offered, offer
from conformance.suite.support import assert_error, auth_headers

# One cheap authenticated read per service: the limit is shared across all three (cloudnx_spec.rate_limit()).
READS = {"auth": "auth_me_get", "compute": "vpcs_list", "storage": "buckets_list"}


@dataclass
class Burst:
    offered: Offered
    bystander: list[int]
    after_wait: httpx.Response | None
    waited: float
    bystander_while_throttled: int = 0  # bystander reads sent just after a noisy request was refused


_BURSTS: dict[str, Burst] = {}


def _paths(contract: Contract) -> list[str]:
    spec = contract.ext("rate-limit")
    services = spec.get("shared_across_services", list(READS))
    return [contract.url(READS[s]) for s in services if s in READS]


@pytest.fixture
def burst(contract: Contract, target: Target, fresh_identity: FreshAccount) -> Burst:
    """Twice the limit for the spec's judging span (multi-second) from a fresh identity, while a second fresh
    identity reads slowly — right after each refusal of the noisy one, when a shared bucket is empty too."""
    if target.run_id in _BURSTS:
        return _BURSTS[target.run_id]
    spec = contract.ext("rate-limit")
    limit, window, throttled = spec["requests_per_second"], spec["window_seconds"], spec["exceeded_status"]
    noisy, quiet = fresh_identity(), fresh_identity()
    bystander: list[int] = []
    reacted: list[bool] = []
    stop, noisy_refused = threading.Event(), threading.Event()

    def quiet_reads() -> None:
        # A read every quarter window, or at once after the noisy user is refused: its limit is reached at that
        # moment, so under one bucket for everybody the bystander is refused as well. A pause of an eighth window
        # after each read keeps the bystander under 8 req/s, far within its own limit.
        with httpx.Client(
            base_url=target.base_url, headers=auth_headers(quiet.root, "cookie"), verify=target.verify
        ) as client:
            while not stop.is_set():
                woken = noisy_refused.wait(window / 4)
                noisy_refused.clear()
                if stop.is_set():
                    break
                bystander.append(client.get(contract.url(READS["compute"])).status_code)
                reacted.append(woken)
                time.sleep(window / 8)

    thread = threading.Thread(target=quiet_reads, daemon=True)
    thread.start()
    offered = offer(
        target.base_url,
        auth_headers(noisy.root, "cookie"),
        _paths(contract),
        rate=limit * 2,
        seconds=max(2 * window, cloudnx_spec.rate_limit().judged_over_seconds),
        loops=8,
        verify=target.verify,
        on_shot=lambda shot: noisy_refused.set() if shot.status == throttled else None,
    )
    stop.set()
    noisy_refused.set()
    thread.join()
    after, waited = None, 0.0
    hits = offered.statuses(throttled)
    if hits and (hits[-1].retry_after or "").isdigit():
        waited = float(hits[-1].retry_after or 0)
        time.sleep(waited)
        with httpx.Client(
            base_url=target.base_url, headers=auth_headers(noisy.root, "cookie"), verify=target.verify
        ) as client:
            after = client.get(contract.url(READS["storage"]))
    _BURSTS[target.run_id] = Burst(offered, bystander, after, waited, sum(reacted))
    return _BURSTS[target.run_id]


@check("RATE-OVER-LIMIT")
def test_over_the_limit_across_services_is_throttled(burst: Burst, contract: Contract) -> None:
    spec = contract.ext("rate-limit")
    limit, throttled = spec["requests_per_second"], spec["exceeded_status"]
    if burst.offered.rate < limit * 1.3:
        inconclusive(
            f"offered only {burst.offered.rate:.1f} req/s; need > {limit * 1.3:.0f} to judge a {limit}/s limit"
        )
    hits = burst.offered.statuses(throttled)
    assert hits, (
        f"offered {burst.offered.rate:.1f} req/s for {burst.offered.seconds:.1f}s spread over "
        f"{sorted({s.path for s in burst.offered.shots})}: never {throttled} (limit {limit}/s across services)"
    )
    rate = cloudnx_spec.rate_limit()
    # Every span from one window up to the whole run: a burst may show in the short ones, a sustained excess
    # (a limit per service, a limit set too high) in the long ones.
    spans = sorted({rate.window_seconds, *range(2, int(burst.offered.seconds) + 1)})
    for span in spans:
        most = burst.offered.max_accepted_in_window(span, throttled)
        allowed = rate.most_accepted(span)
        # 10 % of the sustained part as slack: the target's window edges are not exactly ours.
        assert most <= allowed + 0.1 * limit * span, (
            f"{most} requests accepted within {span:g}s; the soft limit allows {limit}/s x {span:g}s + a burst of "
            f"{rate.burst} = {allowed:g} ({rate.KEY})"
        )


@check("RATE-RETRY-AFTER-INTEGER")
def test_retry_after_is_an_integer_number_of_seconds(burst: Burst, contract: Contract) -> None:
    spec = contract.ext("rate-limit")
    hits = burst.offered.statuses(spec["exceeded_status"])
    if not hits:
        inconclusive("the burst was never throttled; RATE-OVER-LIMIT says why")
    for shot in hits:
        value = shot.retry_after
        assert value is not None and re.fullmatch(r"\d+", value), (
            f"{spec['exceeded_status']} on {shot.path} carries Retry-After {value!r}: the spec's form is "
            f"{spec['retry_after']['form']} (RFC 9110 §10.2.3)"
        )
        assert int(value) >= spec["retry_after"]["at_least"], f"Retry-After {value} < {spec['retry_after']}"


@check("ERR-SHAPE")
def test_429_has_the_error_shape(contract: Contract, target: Target, fresh_identity: FreshAccount) -> None:
    spec = contract.ext("rate-limit")
    headers = auth_headers(fresh_identity().root, "cookie")
    with httpx.Client(base_url=target.base_url, headers=headers, verify=target.verify) as client:
        for _ in range(spec["requests_per_second"] * 3):
            response = client.get(contract.url(READS["compute"]))
            if response.status_code == spec["exceeded_status"]:
                assert_error(response)
                return
    inconclusive(f"{spec['requests_per_second'] * 3} back-to-back requests were never throttled")


@check("RATE-WAIT-SUCCEEDS")
def test_waiting_out_retry_after_succeeds(burst: Burst, contract: Contract) -> None:
    spec = contract.ext("rate-limit")
    if burst.after_wait is None:
        inconclusive("no 429 with a usable Retry-After to wait out; see RATE-OVER-LIMIT / RATE-RETRY-AFTER-INTEGER")
    assert burst.after_wait.status_code != spec["exceeded_status"], (
        f"waited the {burst.waited:.0f}s Retry-After asked for, still {burst.after_wait.status_code} "
        f"(spec components.headers.Retry-After: waiting this long makes the next request succeed)"
    )


@check("RATE-OTHER-USER")
def test_another_user_is_unaffected(burst: Burst, contract: Contract) -> None:
    spec = contract.ext("rate-limit")
    if not burst.offered.statuses(spec["exceeded_status"]):
        inconclusive("the noisy user was never throttled, so isolation between users was not exercised")
    assert burst.bystander, "the bystander sent nothing"
    assert spec["exceeded_status"] not in burst.bystander, (
        f"a user sending under 8 req/s was throttled while another user flooded (scope: {spec['scope']}): "
        f"{burst.bystander}"
    )
    if not burst.bystander_while_throttled:
        inconclusive("no bystander read went out just after the noisy user was refused (a busy client machine)")


@check("RATE-UNDER-LIMIT")
def test_steady_rate_just_under_the_limit_is_never_throttled(
    contract: Contract, target: Target, fresh_identity: FreshAccount
) -> None:
    spec = contract.ext("rate-limit")
    limit = spec["requests_per_second"]
    steady = limit - 2  # "a steady rate just under the limit (28 req/s)", issue 5
    identity = fresh_identity()
    time.sleep(spec["window_seconds"])  # the bootstrap's own requests leave the window first
    offered = offer(
        target.base_url,
        auth_headers(identity.root, "cookie"),
        _paths(contract),
        rate=steady,
        seconds=3 * spec["window_seconds"],
        # Eight loops of 3.5 req/s each hold 28 req/s up to ~280 ms of round trip (a busy client machine); with
        # four, anything over ~140 ms left the check inconclusive and a limiter under test uncertified.
        loops=8,
        verify=target.verify,
    )
    if offered.rate < steady * 0.9:
        inconclusive(f"offered only {offered.rate:.1f} req/s of the planned {steady}")
    hits = offered.statuses(spec["exceeded_status"])
    # Requests queued on the way (a busy client machine) reach the target bunched. A 429 is the target's fault
    # only when fewer than the limit could have been counted in the window before it (round trips intersecting
    # it): the soft limit never throttles a client within the rate in every window (cloudnx_spec.rate_limit()).
    unjustified = [
        s for s in hits if offered.could_fill_window(s, spec["window_seconds"], spec["exceeded_status"]) < limit
    ]
    if hits and not unjustified:
        inconclusive(f"{len(hits)} throttled, each after the client's own bunching could have filled a window")
    hits = unjustified
    assert not hits, (
        f"{len(hits)} of {len(offered.shots)} requests throttled at a steady {offered.rate:.1f} req/s, "
        f"under the documented {limit}/s; first at {hits[0].sent:.2f}s on {hits[0].path}"
    )
