"""Credentials that must not outlive their rule, and a client address that must not be chosen by the client:

- a query-string-signed (presigned) control-plane request is held to the spec's 15 minutes
  (``cloudnx_spec.sigv4().presigned_max_seconds``): a longer ``X-Amz-Expires``, or a link signed 20 minutes ago,
  is 401 and a DELETE it carries is not executed;
- a bearer token exchanged from an access key ends when the key is deleted or set Inactive (spec:
  iam_exchange_credentials);
- the anonymous rate limit counts per client address (``cloudnx_spec.rate_limit().anonymous_scope``), which a rotating
  ``X-Forwarded-For`` must not change (RFC 7239 §8.2: forwarded headers are believed only from trusted proxies).
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

import cloudnx_spec
from conformance.checks import check, inconclusive
from conformance.contract import Contract
from conformance.fixtures import ApiFactory, MakeResource
from conformance.identities import Account
from conformance.runtime import Target
from conformance.sigv4 import presign
from conformance.suite.support import auth_headers, describe


def _absolute(raw: httpx.Client, path: str) -> str:
    return str(raw.base_url.join(path))


@check("SIGV4-PRESIGNED-LIFETIME")
def test_presigned_control_plane_requests_live_fifteen_minutes(
    raw: httpx.Client, alice: Account, contract: Contract, make: MakeResource
) -> None:
    (key_id, secret), limit = alice.admin.access_key(), cloudnx_spec.sigv4().presigned_max_seconds
    me = _absolute(raw, contract.url("auth_me_get"))
    fresh = raw.get(presign("GET", me, key_id, secret, expires=60))
    assert fresh.status_code == contract.op("auth_me_get").success_status, (
        f"a request presigned for 60 s must be accepted at once (spec: components.securitySchemes.sigv4): "
        f"{describe(fresh)}"
    )
    too_long = raw.get(presign("GET", me, key_id, secret, expires=limit + 1))
    assert too_long.status_code == 401, (
        f"X-Amz-Expires of {limit + 1} s is beyond presigned_max_seconds ({limit}): expected 401, "
        f"received {describe(too_long)}"
    )
    team = make("teams_create", alice.root)
    url = _absolute(raw, contract.url("teams_delete", team_id=team["id"]))
    twenty_minutes_ago = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=limit + 300)
    stale_url = presign("DELETE", url, key_id, secret, expires=4 * limit, signed_at=twenty_minutes_ago)
    stale = raw.delete(stale_url)
    assert stale.status_code == 401, (
        f"a DELETE presigned {limit + 300} s ago must be refused (held to {limit} s): {describe(stale)}"
    )
    kept = raw.get(contract.url("teams_get", team_id=team["id"]), headers=auth_headers(alice.root, "cookie"))
    assert kept.status_code == contract.op("teams_get").success_status, (
        f"the stale presigned DELETE must not have been executed: {describe(kept)}"
    )


def _exchange(raw: httpx.Client, contract: Contract, key: dict[str, Any]) -> dict[str, str]:
    body = {"access_key_id": key["id"], "secret_access_key": key["secret_access_key"]}
    exchanged = raw.post(contract.url("iam_exchange_credentials"), json=body)
    assert exchanged.status_code == contract.op("iam_exchange_credentials").success_status, describe(exchanged)
    return {"Authorization": f"Bearer {exchanged.json()['access_token']}"}


@check("AUTH-EXCHANGED-TOKEN-ENDS")
def test_exchanged_tokens_end_with_their_access_key(
    raw: httpx.Client, api: ApiFactory, alice: Account, contract: Contract, make: MakeResource
) -> None:
    root = api(alice.root)
    user = make("iam_users_create", alice.root)
    me = contract.url("auth_me_get")
    for how in ("deleted", "set Inactive"):
        key = make("access_keys_create", alice.root, iam_user_id=user["id"])
        bearer = _exchange(raw, contract, key)
        before = raw.get(me, headers=bearer)
        # The user has no policy: 403 proves the token authenticated as well as 200 would.
        assert before.status_code != 401, f"a freshly exchanged token must authenticate: {describe(before)}"
        params = {"iam_user_id": user["id"], "access_key_id": key["id"]}
        if how == "deleted":
            changed = root.call("access_keys_delete", path_params=params)
        else:
            changed = root.call("access_keys_update", path_params=params, json={"status": "Inactive"})
        assert changed.status_code < 300, f"access key could not be {how}: {describe(changed)}"
        after = raw.get(me, headers=bearer)
        assert after.status_code == 401, (
            f"a token exchanged from an access key that was {how} must answer 401 (spec: iam_exchange_credentials): "
            f"{describe(after)}"
        )


def _accepted_in_one_window(stamps: list[tuple[float, float, int]], window: float) -> tuple[int, int]:
    """(most accepted, most sent) among requests whose whole round trip lies inside one window: the target decided
    each of them inside it, however they bunched on the way."""
    best_accepted = best_sent = 0
    for start, _, _ in stamps:
        inside = [s for s in stamps if s[0] >= start and s[1] <= start + window]
        best_sent = max(best_sent, len(inside))
        best_accepted = max(best_accepted, sum(1 for s in inside if s[2] != 429))
    return best_accepted, best_sent


@check("RATE-FORWARDED-NOT-TRUSTED")
def test_rotating_forwarded_for_does_not_lift_the_anonymous_limit(
    raw: httpx.Client, contract: Contract, target: Target
) -> None:
    rate = cloudnx_spec.rate_limit()
    window, throttled = rate.window_seconds, rate.exceeded_status
    most = rate.most_accepted(window)  # the soft limit: the rate over one window plus the burst
    path = contract.url("auth_jwks")
    # A bare pooled client (the flood is not worth recording): enough parallel connections to offer well over
    # the soft limit inside one window even from a busy machine.
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    with httpx.Client(base_url=str(raw.base_url), verify=target.config.verify_tls, limits=limits) as flood:

        def one(n: int) -> tuple[float, float, int]:
            hop = f"198.51.100.{n % 250 + 1}"
            sent = time.monotonic()
            status = flood.get(path, headers={"X-Forwarded-For": hop, "Forwarded": f"for={hop}"}).status_code
            return sent, time.monotonic(), status

        with ThreadPoolExecutor(16) as pool:
            stamps = list(pool.map(one, range(3 * int(most))))
    accepted, sent = _accepted_in_one_window(stamps, window)
    refusals = sum(1 for s in stamps if s[2] == throttled)
    time.sleep(2 * window)  # leave the anonymous budget as found for the checks after this one
    assert accepted <= most, (
        f"{accepted} anonymous requests, each with another X-Forwarded-For, were accepted within one {window:g} s "
        f"window; the soft limit for one client address allows {rate.requests_per_second} + a burst of "
        f"{rate.burst} = {most:g} ({rate.KEY}): the limiter believes a header the client chooses"
    )
    if sent <= most and not refusals:
        inconclusive(f"only {sent} requests fitted inside one {window:g} s window: the soft limit was never reached")
