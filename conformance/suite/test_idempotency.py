"""Idempotency-Key: replay, mismatch, in-flight duplicates, scope and key bounds.

Seed "Idempotency"; spec ``x-cloudnx-idempotency`` (header, replay header, scope, mismatch/in-flight statuses,
key bounds); draft-ietf-httpapi-idempotency-key-header §2; Stripe's semantics.
"""

# ruff: noqa: S101, PT018 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import concurrent.futures
from typing import Any

import httpx

import cloudnx_spec
from conformance.checks import check
from conformance.suite.support import assert_error, describe, documented, fresh_key

CREATE, LIST, DELETE = "vpcs_create", "vpcs_list", "vpcs_delete"


def _body(contract: Any, tag: str) -> dict[str, Any]:
    return {**contract.op(CREATE).request_example, "name": f"cnx-idem-{tag}"}


def _count(api: Any, identity: Any, contract: Any, name: str) -> list[dict[str, Any]]:
    key = contract.op(LIST).list_key
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = api(identity).call(LIST, params=params).json()
        found += [item for item in page.get(key, []) if item.get("name") == name]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


def _cleanup(api: Any, identity: Any, items: list[dict[str, Any]]) -> None:
    for item in items:
        api(identity).call(DELETE, path_params={"vpc_id": item["id"]})


@check("IDEM-REPLAY")
def test_identical_retry_replays_with_one_side_effect(api: Any, alice: Any, contract: Any) -> None:
    spec = contract.ext("idempotency")
    key, body = fresh_key(), _body(contract, fresh_key()[:8])
    client = api(alice.admin)
    first = client.call(CREATE, json=body, headers={spec["header"]: key})
    second = client.call(CREATE, json=body, headers={spec["header"]: key})
    created = _count(api, alice.admin, contract, body["name"])
    try:
        assert first.status_code == contract.op(CREATE).success_status, f"first create: {describe(first)}"
        assert second.status_code == first.status_code, f"replay status differs: {describe(second)}"
        assert second.json() == first.json(), f"replay body differs: {first.text[:200]} vs {second.text[:200]}"
        assert second.headers.get(spec["replay_header"]) == "true", (
            f"a replay is marked {spec['replay_header']}: true (spec x-cloudnx-idempotency): {dict(second.headers)}"
        )
        assert len(created) == 1, f"two identical requests with one key created {len(created)} resources"
    finally:
        _cleanup(api, alice.admin, created)


@check("IDEM-MISMATCH-422")
def test_same_key_different_body_is_rejected(api: Any, alice: Any, contract: Any) -> None:
    spec = contract.ext("idempotency")
    key, tag = fresh_key(), fresh_key()[:8]
    client = api(alice.admin)
    first = client.call(CREATE, json=_body(contract, tag), headers={spec["header"]: key})
    other = client.call(CREATE, json=_body(contract, tag + "b"), headers={spec["header"]: key})
    created = _count(api, alice.admin, contract, f"cnx-idem-{tag}b") + _count(
        api, alice.admin, contract, f"cnx-idem-{tag}"
    )
    try:
        assert first.status_code == contract.op(CREATE).success_status, describe(first)
        # 422 after the IETF draft, or the seed's own 400 / 409 (x-cloudnx-levels decision idempotency-mismatch).
        accepted = {spec["mismatch_status"], *cloudnx_spec.levels().decision("idempotency-mismatch").seed_equivalents}
        assert other.status_code in accepted, (
            f"same Idempotency-Key, different body: the spec documents {spec['mismatch_status']} "
            f"(the seed's {sorted(accepted - {spec['mismatch_status']})} accepted), received {describe(other)}"
        )
        assert_error(other)
        assert len(created) == 1, f"a mismatched reuse created a second resource ({len(created)})"
    finally:
        _cleanup(api, alice.admin, created)


@check("IDEM-IN-FLIGHT-409")
def test_concurrent_duplicates_never_double_the_side_effect(api: Any, alice: Any, contract: Any) -> None:
    spec = contract.ext("idempotency")
    key, body = fresh_key(), _body(contract, fresh_key()[:8])
    client = api(alice.admin)
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        replies: list[httpx.Response] = list(
            pool.map(lambda _: client.call(CREATE, json=body, headers={spec["header"]: key}), range(6))
        )
    created = _count(api, alice.admin, contract, body["name"])
    try:
        statuses = sorted(r.status_code for r in replies)
        originals = [
            r
            for r in replies
            if r.status_code == contract.op(CREATE).success_status and r.headers.get(spec["replay_header"]) != "true"
        ]
        for reply in replies:
            assert reply.status_code in (contract.op(CREATE).success_status, spec["in_flight_status"]), (
                f"a duplicate is either replayed or, while the first is in flight, "
                f"{spec['in_flight_status']}: {describe(reply)}"
            )
        assert len(originals) == 1, f"{len(originals)} concurrent duplicates were processed as originals: {statuses}"
        assert len(created) == 1, f"6 concurrent requests with one key created {len(created)} resources ({statuses})"
    finally:
        _cleanup(api, alice.admin, created)


@check("IDEM-SCOPE")
def test_keys_are_scoped_to_principal_and_route(api: Any, alice: Any, bob: Any, contract: Any) -> None:
    spec = contract.ext("idempotency")
    key, tag = fresh_key(), fresh_key()[:8]
    header = {spec["header"]: key}
    first = api(alice.admin).call(CREATE, json=_body(contract, tag), headers=header)
    assert first.status_code == contract.op(CREATE).success_status, describe(first)
    bobs = api(bob.admin).call(CREATE, json=_body(contract, tag), headers=header)
    other_route = api(alice.admin).call("teams_create", json={"name": f"cnx-idem-{tag}"}, headers=header)
    try:
        assert bobs.status_code == contract.op(CREATE).success_status, f"bob's own create: {describe(bobs)}"
        assert bobs.headers.get(spec["replay_header"]) != "true" and bobs.json().get("id") != first.json()["id"], (
            f"bob reused alice's key and got alice's stored response (scope is principal+method+path): "
            f"{describe(bobs)}"
        )
        assert other_route.status_code == contract.op("teams_create").success_status, (
            f"the same key on another route is a new request: {describe(other_route)}"
        )
        assert other_route.headers.get(spec["replay_header"]) != "true", describe(other_route)
    finally:
        api(alice.admin).call(DELETE, path_params={"vpc_id": first.json()["id"]})
        if bobs.status_code < 300:
            api(bob.admin).call(DELETE, path_params={"vpc_id": bobs.json()["id"]})
        if other_route.status_code < 300:
            api(alice.admin).call("teams_delete", path_params={"team_id": other_route.json()["id"]})


@check("IDEM-KEY-BOUNDS")
def test_key_bounds_are_enforced(api: Any, alice: Any, contract: Any) -> None:
    spec = contract.ext("idempotency")
    bounds = spec["key"]
    client = api(alice.admin)
    for bad in ("x" * (bounds["maxLength"] + 1),) + (("",) if bounds["minLength"] > 0 else ()):
        response = client.call(CREATE, json=_body(contract, fresh_key()[:8]), headers={spec["header"]: bad})
        if response.status_code < 300:
            client.call(DELETE, path_params={"vpc_id": response.json()["id"]})
        assert response.status_code == documented(contract, CREATE, "BadRequest"), (
            f"an Idempotency-Key of {len(bad)} characters is outside {bounds}: {describe(response)}"
        )
        assert_error(response)
    longest = "k" * (bounds["maxLength"] - 36) + fresh_key()
    ok = client.call(CREATE, json=_body(contract, fresh_key()[:8]), headers={spec["header"]: longest})
    assert ok.status_code == contract.op(CREATE).success_status, f"a key of maxLength is valid: {describe(ok)}"
    client.call(DELETE, path_params={"vpc_id": ok.json()["id"]})
