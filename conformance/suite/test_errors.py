"""Errors: every class of error in the seed's shape, with its documented status, never leaking internals.

Seed "Request / response shape": every 4xx/5xx is ``{"error": "human-readable explanation"}``; "Status codes":
5xx is always a bug. Statuses come from each operation's ``#/components/responses/*`` in the spec.
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import time
from collections.abc import Callable
from http import HTTPStatus

import httpx
import pytest

import cloudnx_spec
from conformance.checks import check
from conformance.contract import Contract
from conformance.fixtures import RECORDER_KEY, ApiFactory, MakeResource
from conformance.identities import Account
from conformance.leaks import find_leak
from conformance.runtime import Run, Target
from conformance.suite.support import (
    answer_once_expired,
    assert_error,
    describe,
    documented,
    fresh_key,
    made,
    missing_id,
)

# Error class -> how to provoke it. Each answer is cached per run: three checks read the same exchanges.
CLASSES = (
    "BadRequest",
    "Unauthorized",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "Conflict",
    "Gone",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "UnprocessableEntity",
)
_CACHE: dict[tuple[str, str], tuple[httpx.Response, int]] = {}
#: The ``provoke`` fixture: an error class (a components/responses name) -> (its response, the documented status).
Provoke = Callable[[str], tuple[httpx.Response, int]]


def _provoke(
    name: str,
    contract: Contract,
    api: ApiFactory,
    raw: httpx.Client,
    alice: Account,
    make: MakeResource,
) -> tuple[httpx.Response, int]:
    """(response, the status the spec documents for it)."""
    root = api(alice.root)
    if name == "BadRequest":
        reply = root.call("vpcs_create", content=b'{"name": ', headers={"Content-Type": "application/json"})
        return reply, documented(contract, "vpcs_create", name)
    if name == "Unauthorized":
        return raw.get(contract.url("instances_list")), documented(contract, "instances_list", name)
    if name == "Forbidden":
        body = contract.op("vpcs_create").request_example
        return api(alice.restricted).call("vpcs_create", json=body), documented(contract, "vpcs_create", name)
    if name == "NotFound":
        gone = missing_id(contract, "instances_get", "instance_id")
        return root.call("instances_get", path_params={"instance_id": gone}), documented(
            contract, "instances_get", name
        )
    if name == "MethodNotAllowed":
        path, method = _undocumented_method()
        return root.request(method, path), HTTPStatus.METHOD_NOT_ALLOWED
    if name == "Conflict":
        bucket = made(make, "buckets_create", alice.root)
        reply = root.call("buckets_create", json={"name": bucket["name"]})
        return reply, documented(contract, "buckets_create", name)
    if name == "Gone":
        bounds = contract.lifetimes.pending_token_ttl_seconds
        token = make("pending_tokens", alice.root, purpose="email_verification", ttl_seconds=bounds.minimum)
        made_at = time.monotonic()
        reply = answer_once_expired(
            lambda: root.call("pending_tokens_get", path_params={"pending_id": token["id"]}),
            contract.op("pending_tokens_get").success_status,
            expires=made_at + bounds.minimum,
            by=made_at + bounds.minimum + 1.0,  # a target counting whole seconds
        )
        return reply, documented(contract, "pending_tokens_get", name)
    if name == "PayloadTooLarge":
        size = contract.limits.max_body_bytes + 1
        content = b'{"name": "' + b"x" * size + b'"}'
        reply = root.call("vpcs_create", content=content, headers={"Content-Type": "application/json"})
        return reply, documented(contract, "vpcs_create", name)
    if name == "UnsupportedMediaType":
        reply = root.call("vpcs_create", content=b"name=x", headers={"Content-Type": "text/plain"})
        return reply, documented(contract, "vpcs_create", name)
    if name == "UnprocessableEntity":
        # Same Idempotency-Key, different body (cloudnx_spec.idempotency().mismatch_status).
        key = fresh_key()
        header = contract.idempotency.header
        first = root.call("teams_create", json={"name": f"cnx-e-{key[:8]}"}, headers={header: key})
        assert first.status_code < 300, f"setup: {describe(first)}"
        reuse = root.call("teams_create", json={"name": f"cnx-f-{key[:8]}"}, headers={header: key})
        root.call("teams_delete", path_params={"team_id": first.json()["id"]})
        return reuse, documented(contract, "teams_create", name)
    raise KeyError(name)


def _undocumented_method() -> tuple[str, str]:
    for path, item in cloudnx_spec.load()["paths"].items():
        for method in ("put", "patch", "delete", "post"):
            if method not in item and "{" not in path:
                return path, method.upper()
    raise KeyError("every path documents every method")


@pytest.fixture
def provoke(
    contract: Contract, api: ApiFactory, raw: httpx.Client, alice: Account, make: MakeResource, target: Target
) -> Provoke:
    def run(name: str) -> tuple[httpx.Response, int]:
        key = (target.run_id, name)
        if key not in _CACHE:
            _CACHE[key] = _provoke(name, contract, api, raw, alice, make)
        return _CACHE[key]

    return run


@check("ERR-SHAPE")
@pytest.mark.parametrize("error_class", CLASSES)
def test_every_error_class_has_the_error_shape(provoke: Provoke, error_class: str) -> None:
    response, _status = provoke(error_class)
    assert_error(response)


@check("STATUS-ERROR-CLASS")
@pytest.mark.parametrize("error_class", CLASSES)
def test_every_error_class_has_its_documented_status(provoke: Provoke, error_class: str) -> None:
    response, status = provoke(error_class)
    # A code the seed's table lacks admits the seed's own code for the situation (cloudnx_spec.levels()).
    levels = cloudnx_spec.levels()
    if error_class == "UnprocessableEntity":  # the idempotency reuse: 400 or 409 in the seed's table
        accepted = {status, *levels.decision("idempotency-mismatch").seed_equivalents}
    else:
        accepted = set(levels.accepted({status}))
    assert response.status_code in accepted, (
        f"{error_class}: the spec documents {status} (accepted: {sorted(accepted)}), received {describe(response)}"
    )


@check("ERR-NO-INTERNALS")
@pytest.mark.parametrize("error_class", CLASSES)
def test_errors_leak_no_internals(provoke: Provoke, error_class: str) -> None:
    response, _status = provoke(error_class)
    leak = find_leak(response.text)
    assert leak is None, (
        f"{error_class}: the error shows internals ({leak}); spec components.responses.ServerError: never stack "
        f"traces or internals: {describe(response)}"
    )


@check("ERR-NO-INTERNALS")
@pytest.mark.cnx_last
def test_no_error_seen_in_the_run_leaks_internals(request: pytest.FixtureRequest, cnx_run: Run) -> None:
    # Runs after every other check (conformance/suite/conftest.py): it reads each error body the run received.
    recorders = [cnx_run.bootstrap_recorder]
    recorders += [r for item in request.session.items if (r := item.stash.get(RECORDER_KEY, None)) is not None]
    errors = [e for r in recorders for e in list(r.exchanges) if e.status is not None and e.status >= 400]
    leaks = []
    for exchange in errors:
        leak = find_leak(exchange.response_body)
        if leak:
            leaks.append(f"{exchange.method} {exchange.url} -> {exchange.status}: {leak}")
    assert not leaks, (
        f"{len(leaks)} of {len(errors)} error bodies seen in the run show internals (spec "
        f"components.responses.ServerError; OWASP API8:2023):\n" + "\n".join(sorted(set(leaks))[:20])
    )


@check("STATUS-METHOD-NOT-ALLOWED")
def test_undocumented_methods_answer_405_with_allow(api: ApiFactory, alice: Account, contract: Contract) -> None:
    root = api(alice.root)
    for path, item in cloudnx_spec.load()["paths"].items():
        documented_methods = {m.upper() for m in item if m in cloudnx_spec.HTTP_METHODS}
        method = (
            next(m for m in ("PATCH", "PUT", "DELETE", "POST") if m not in documented_methods)
            if len(documented_methods) < 4
            else None
        )
        if method is None:
            continue
        concrete = path
        for param in contract.op(contract.match(next(iter(documented_methods)), path) or "").path_params:
            concrete = concrete.replace("{" + param + "}", "x1")
        response = root.request(method, concrete)
        assert response.status_code == HTTPStatus.METHOD_NOT_ALLOWED, (
            f"{method} {path} is not in the spec: RFC 9110 §15.5.6 wants 405, received {describe(response)}"
        )
        allow = {m.strip().upper() for m in response.headers.get("allow", "").split(",") if m.strip()}
        assert documented_methods <= allow, (
            f"405 must carry Allow with {sorted(documented_methods)} (RFC 9110 §10.2.1), got "
            f"{response.headers.get('allow')!r}: {describe(response)}"
        )
        assert_error(response)


ODD_STRINGS = (
    "nul\u0000byte",
    "emoji-\U0001f4a5",
    "rtl-\u202e",
    "x" * 5000,
    "' OR 1=1 --",
    "../../etc/passwd",
    "{{7*7}}",
)
ODD_BODIES: tuple[bytes, ...] = (
    b'{"name": "a\\u0000b", "cidr_block": "10.0.0.0/16"}',
    b'{"name": 1e400, "cidr_block": []}',
    b'{"name": {"$gt": ""}, "cidr_block": null}',
    b"[" * 200 + b"]" * 200,
    b'{"name": "v", "cidr_block": "999.999.0.0/99"}',
    b"\xff\xfe\x00garbage",
    b'{"name": "v", "name": "w", "cidr_block": "10.0.0.0/16"}',
)


@check("NO-5XX")
def test_odd_input_never_answers_5xx(api: ApiFactory, alice: Account, contract: Contract) -> None:
    root = api(alice.root)
    for content in ODD_BODIES:
        response = root.call("vpcs_create", content=content, headers={"Content-Type": "application/json"})
        assert response.status_code < 500, f"seed: 5xx is a bug; odd body {content[:60]!r}: {describe(response)}"
        if response.status_code < 300:
            root.call("vpcs_delete", path_params={"vpc_id": response.json()["id"]})
    for value in ODD_STRINGS:
        for params in ({"cursor": value}, {"limit": value}):
            response = root.call("instances_list", params=params)
            assert response.status_code < 500, f"seed: 5xx is a bug; query {params!r}: {describe(response)}"
        response = root.call("instances_get", path_params={"instance_id": value})
        assert response.status_code < 500, f"seed: 5xx is a bug; id {value!r}: {describe(response)}"
    # The target survived: a valid request right after the odd ones still succeeds.
    after = root.call("instances_list")
    assert after.status_code == contract.op("instances_list").success_status, f"after odd input: {describe(after)}"
