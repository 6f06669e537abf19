"""Idempotency-Key: replay, mismatch, in-flight duplicates, scope and key bounds.

Seed "Idempotency"; spec ``cloudnx_spec.idempotency()`` (header, replay header, scope, mismatch/in-flight statuses,
key bounds); draft-ietf-httpapi-idempotency-key-header §2; Stripe's semantics.
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import concurrent.futures
from typing import Any

import httpx
import pytest

import cloudnx_spec
from conformance.checks import check
from conformance.client import ApiClient
from conformance.contract import Contract
from conformance.contract import contract as spec_contract
from conformance.fixtures import ApiFactory
from conformance.identities import Account, Identity
from conformance.resources import creates
from conformance.runtime import Run
from conformance.suite.support import assert_error, describe, documented, fresh_key


def _targets() -> list[tuple[str, str, str]]:
    """(create, list, delete) per service: the first idempotent top-level create with a list and its own delete."""
    spec = spec_contract()
    found: dict[str, tuple[str, str, str]] = {}
    for create in creates(spec):
        listed = next(
            (o for o in spec.operations() if o.method == "GET" and o.path == create.path and o.list_key), None
        )
        delete = next(
            (
                t
                for t in create.links.values()
                if t.endswith(("_delete", "_release")) and spec.op(t).method == "DELETE"
            ),
            None,
        )
        if create.idempotent and not create.path_params and listed and delete and create.service not in found:
            found[create.service] = (create.operation_id, listed.operation_id, delete)
    return list(found.values())


TARGETS = _targets()
IDS = [create for create, _, _ in TARGETS]


def _body(cnx_run: Run, client: ApiClient, contract: Contract, create: str) -> dict[str, Any]:
    return dict(cnx_run.resources.valid_body(client, contract.op(create)))


def _count(api: ApiFactory, identity: Identity, contract: Contract, listed: str, name: str) -> list[dict[str, Any]]:
    key = contract.op(listed).list_key
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = api(identity).call(listed, params=params).json()
        found += [item for item in page.get(key, []) if item.get("name") == name]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


def _cleanup(
    api: ApiFactory, identity: Identity, contract: Contract, delete: str, items: list[dict[str, Any]]
) -> None:
    param = contract.op(delete).path_params[-1]
    for item in items:
        api(identity).call(delete, path_params={param: item.get("id") or item.get("name")})


@check("IDEM-REPLAY")
@pytest.mark.parametrize(("create", "listed", "delete"), TARGETS, ids=IDS)
def test_identical_retry_replays_with_one_side_effect(
    api: ApiFactory, alice: Account, contract: Contract, cnx_run: Run, create: str, listed: str, delete: str
) -> None:
    spec = contract.idempotency
    client = api(alice.admin)
    key, body = fresh_key(), _body(cnx_run, client, contract, create)
    first = client.call(create, json=body, headers={spec.header: key})
    second = client.call(create, json=body, headers={spec.header: key})
    created = _count(api, alice.admin, contract, listed, body["name"])
    try:
        assert first.status_code == contract.op(create).success_status, f"first create: {describe(first)}"
        assert second.status_code == first.status_code, f"replay status differs: {describe(second)}"
        assert second.json() == first.json(), f"replay body differs: {first.text[:200]} vs {second.text[:200]}"
        assert len(created) == 1, f"two identical requests with one key created {len(created)} resources"
    finally:
        _cleanup(api, alice.admin, contract, delete, created)


@check("IDEM-REPLAYED-HEADER")
def test_a_replay_is_marked(api: ApiFactory, alice: Account, contract: Contract, cnx_run: Run) -> None:
    spec = contract.idempotency
    create, listed, delete = TARGETS[0]
    client = api(alice.admin)
    key, body = fresh_key(), _body(cnx_run, client, contract, create)
    first = client.call(create, json=body, headers={spec.header: key})
    second = client.call(create, json=body, headers={spec.header: key})
    created = _count(api, alice.admin, contract, listed, body["name"])
    try:
        assert first.headers.get(spec.replay_header) != "true", f"an original marked as a replay: {describe(first)}"
        assert second.headers.get(spec.replay_header) == "true", (
            f"a replay is marked {spec.replay_header}: true (spec {spec.KEY}): {dict(second.headers)}"
        )
    finally:
        _cleanup(api, alice.admin, contract, delete, created)


@check("IDEM-MISMATCH-422")
@pytest.mark.parametrize(("create", "listed", "delete"), TARGETS, ids=IDS)
def test_same_key_different_body_is_rejected(
    api: ApiFactory, alice: Account, contract: Contract, cnx_run: Run, create: str, listed: str, delete: str
) -> None:
    spec = contract.idempotency
    key = fresh_key()
    client = api(alice.admin)
    body, changed = _body(cnx_run, client, contract, create), _body(cnx_run, client, contract, create)
    first = client.call(create, json=body, headers={spec.header: key})
    other = client.call(create, json=changed, headers={spec.header: key})
    created = _count(api, alice.admin, contract, listed, body["name"])
    created += _count(api, alice.admin, contract, listed, changed["name"])
    try:
        assert first.status_code == contract.op(create).success_status, describe(first)
        # 422 after the IETF draft, or the seed's own 400 / 409 (the levels decision "idempotency-mismatch").
        accepted = {spec.mismatch_status, *cloudnx_spec.levels().decision("idempotency-mismatch").seed_equivalents}
        assert other.status_code in accepted, (
            f"same Idempotency-Key, different body: the spec documents {spec.mismatch_status} "
            f"(the seed's {sorted(accepted - {spec.mismatch_status})} accepted), received {describe(other)}"
        )
        assert_error(other)
        assert len(created) == 1, f"a mismatched reuse created a second resource ({len(created)})"
    finally:
        _cleanup(api, alice.admin, contract, delete, created)


@check("IDEM-IN-FLIGHT-409")
@pytest.mark.parametrize(("create", "listed", "delete"), TARGETS, ids=IDS)
def test_concurrent_duplicates_never_double_the_side_effect(
    api: ApiFactory, alice: Account, contract: Contract, cnx_run: Run, create: str, listed: str, delete: str
) -> None:
    spec = contract.idempotency
    client = api(alice.admin)
    key, body = fresh_key(), _body(cnx_run, client, contract, create)
    with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
        replies: list[httpx.Response] = list(
            pool.map(lambda _: client.call(create, json=body, headers={spec.header: key}), range(6))
        )
    created = _count(api, alice.admin, contract, listed, body["name"])
    try:
        statuses = sorted(r.status_code for r in replies)
        # Replays are told from originals by their marker when the target sets one (the marker is RECOMMENDED);
        # without it, one side effect (asserted below) is what proves the duplicates were not processed.
        marks = any(r.headers.get(spec.replay_header) == "true" for r in replies)
        originals = [
            r
            for r in replies
            if r.status_code == contract.op(create).success_status and r.headers.get(spec.replay_header) != "true"
        ]
        for reply in replies:
            assert reply.status_code in (contract.op(create).success_status, spec.in_flight_status), (
                f"a duplicate is either replayed or, while the first is in flight, "
                f"{spec.in_flight_status}: {describe(reply)}"
            )
        if marks:
            assert len(originals) == 1, (
                f"{len(originals)} concurrent duplicates were processed as originals: {statuses}"
            )
        assert len(created) == 1, f"6 concurrent requests with one key created {len(created)} resources ({statuses})"
    finally:
        _cleanup(api, alice.admin, contract, delete, created)


@check("IDEM-SCOPE")
@pytest.mark.parametrize(("create", "listed", "delete"), TARGETS, ids=IDS)
def test_keys_are_scoped_to_principal_and_route(
    api: ApiFactory,
    alice: Account,
    bob: Account,
    contract: Contract,
    cnx_run: Run,
    create: str,
    listed: str,
    delete: str,
) -> None:
    spec = contract.idempotency
    header = {spec.header: fresh_key()}
    other = next((c for c, _, _ in TARGETS if c != create), "")
    calls = [(alice.admin, create), (bob.admin, create)] + ([(alice.admin, other)] if other else [])
    replies = []
    for identity, operation_id in calls:
        client = api(identity)
        response = client.call(operation_id, json=_body(cnx_run, client, contract, operation_id), headers=header)
        if response.status_code < 300:
            cnx_run.resources.register(client, contract.op(operation_id), {}, response.json())
        replies.append((identity, operation_id, response))
    # Each is a new request of its own principal or route: a fresh success, never a replay nor a key mismatch.
    for identity, operation_id, response in replies:
        assert response.status_code == contract.op(operation_id).success_status, (
            f"{identity.name} on {operation_id} with a key used by another principal or route "
            f"(scope is principal+method+path): {describe(response)}"
        )
        assert response.headers.get(spec.replay_header) != "true", (
            f"{identity.name} on {operation_id} got another principal's or route's stored response: "
            f"{describe(response)}"
        )


@check("IDEM-KEY-BOUNDS")
@pytest.mark.parametrize(("create", "listed", "delete"), TARGETS, ids=IDS)
def test_key_bounds_are_enforced(
    api: ApiFactory, alice: Account, contract: Contract, cnx_run: Run, create: str, listed: str, delete: str
) -> None:
    spec = contract.idempotency
    client = api(alice.admin)
    info = contract.op(create)
    for bad in ("x" * (spec.key_max_length + 1),) + (("",) if spec.key_min_length > 0 else ()):
        response = client.call(create, json=_body(cnx_run, client, contract, create), headers={spec.header: bad})
        if response.status_code < 300:
            cnx_run.resources.register(client, info, {}, response.json())
        assert response.status_code == documented(contract, create, "BadRequest"), (
            f"an Idempotency-Key of {len(bad)} characters is outside {spec.key_min_length}..{spec.key_max_length}: "
            f"{describe(response)}"
        )
        assert_error(response)
    longest = "k" * (spec.key_max_length - 36) + fresh_key()
    ok = client.call(create, json=_body(cnx_run, client, contract, create), headers={spec.header: longest})
    assert ok.status_code == info.success_status, f"a key of maxLength is valid: {describe(ok)}"
    cnx_run.resources.register(client, info, {}, ok.json())
