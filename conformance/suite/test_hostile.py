"""Hostile input: whatever bytes arrive, the answer is a 4xx in the error shape, never a 5xx, and the target lives.

Seed "Status codes" (400 validation error, 5xx is a bug) and "Request / response shape" (every 4xx is
``{"error": ...}``); the payloads and their RFCs are in :mod:`conformance.hostile`. In ``ci`` each body battery
runs on a sample (one public operation and the first create of each service); ``core`` and ``full`` sweep every
operation with a JSON body. A case the target's HTTP layer drops without any answer cannot be judged: the check
says so (inconclusive), it never counts it as passed.
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from conformance.checks import check, inconclusive
from conformance.contract import Contract, OperationInfo
from conformance.errors import TargetUnreachable
from conformance.fixtures import ApiFactory
from conformance.hostile import (
    OVERSIZE_BYTES,
    Case,
    RawAnswer,
    deep_cases,
    duplicate_cases,
    encoding_cases,
    number_cases,
    raw_exchange,
)
from conformance.identities import Account
from conformance.runtime import Run, Target
from conformance.sigv4 import sign
from conformance.suite.support import assert_error, describe, documented, missing_id

Builder = Callable[[dict[str, Any], dict[str, Any]], list[Case]]


def _bodied(contract: Contract, profile: str) -> list[Any]:
    """The operations a body battery is sent to: all with a JSON body, or in ``ci`` a sample across services."""
    every = [o for o in contract.operations() if o.request_schema is not None]
    if profile != "ci":
        return every
    sample = [next(o for o in every if o.public)]
    for service in sorted({o.service for o in every}):
        sample += [next(o for o in every if o.service == service and not o.public and not o.path_params)]
    with_integers = next(o for o in every if not o.public and _integers(o))
    return sample + ([with_integers] if with_integers not in sample else [])


def _integers(info: OperationInfo) -> list[str]:
    properties = (info.request_schema or {}).get("properties") or {}
    return [k for k, v in properties.items() if isinstance(v, dict) and v.get("type") == "integer"]


def _control(api: ApiFactory, alice: Account, contract: Contract, when: str) -> None:
    """A positive control: alice's own read works (before the battery: the target is up; after: it survived)."""
    operation = next(o for o in contract.operations() if o.method == "GET" and not o.public and not o.path_params)
    try:
        response = api(alice.root).call(operation.operation_id)
    except TargetUnreachable as exc:
        raise AssertionError(f"{when} the hostile input, the target no longer answers: {exc}") from exc
    assert response.status_code == operation.success_status, (
        f"{when} the hostile input, {operation.operation_id} for a valid user: {describe(response)}"
    )


def _judge(info: OperationInfo, label: str, response: httpx.Response, allowed: set[int] | None = None) -> str | None:
    """None when ``response`` is a documented 4xx in the error shape; else what is wrong, in one line."""
    status = response.status_code
    where = f"{info.operation_id} with {label}"
    if status >= 500:
        return f"{where}: {status} (seed: 5xx is a bug) — {describe(response)}"
    if not 400 <= status < 500 or (allowed is not None and status not in allowed) or not info.documents(status):
        wanted = sorted(allowed) if allowed else "a documented 4xx"
        return f"{where}: expected {wanted}, received {describe(response)}"
    try:
        assert_error(response)
    except AssertionError as exc:
        return f"{where}: {exc}"
    return None


def _body_battery(
    cnx_run: Run, api: ApiFactory, raw: httpx.Client, accounts: list[Any], contract: Contract, build: Builder
) -> None:
    profile = cnx_run.target.profile
    callers = itertools.cycle([i for account in accounts for i in (account.root, account.admin)])
    failures: list[str] = []
    sent = 0
    _control(api, accounts[0], contract, "before")
    for info in _bodied(contract, profile):
        example = info.request_example if isinstance(info.request_example, dict) else {}
        params = {p: missing_id(contract, info.operation_id, p) for p in info.path_params}
        path = contract.url(info.operation_id, **params)
        for case in build(example, info.request_schema or {}):
            headers = {"Content-Type": "application/json"}
            try:
                if info.public:
                    response = raw.request(info.method, path, content=case.body, headers=headers)
                else:
                    client = api(next(callers))
                    response = client.call(info.operation_id, path_params=params, content=case.body, headers=headers)
            except (TargetUnreachable, httpx.TransportError) as exc:
                failures.append(f"{info.operation_id} with {case.label}: no answer, the connection failed ({exc})")
                continue
            sent += 1
            problem = _judge(info, case.label, response)
            if problem:
                failures.append(problem)
            if 200 <= response.status_code < 300 and info.success_status == 201 and not info.public:
                cnx_run.resources.register(client, info, params, response.json())  # accepted: clean it up
    _control(api, accounts[0], contract, "after")
    assert not failures, f"{len(failures)} of {sent} hostile bodies were not refused cleanly:\n" + "\n".join(failures)


@check("HOSTILE-DEEP-JSON")
def test_deeply_nested_json_is_refused(
    cnx_run: Run, api: ApiFactory, raw: httpx.Client, alice: Account, bob: Account, contract: Contract
) -> None:
    _body_battery(cnx_run, api, raw, [alice, bob], contract, deep_cases)


@check("HOSTILE-TEXT-ENCODING")
def test_lone_surrogates_and_invalid_utf8_are_refused(
    cnx_run: Run, api: ApiFactory, raw: httpx.Client, alice: Account, bob: Account, contract: Contract
) -> None:
    _body_battery(cnx_run, api, raw, [alice, bob], contract, encoding_cases)


@check("HOSTILE-JSON-NUMBERS")
def test_nan_infinity_and_huge_numbers_are_refused(
    cnx_run: Run, api: ApiFactory, raw: httpx.Client, alice: Account, bob: Account, contract: Contract
) -> None:
    _body_battery(cnx_run, api, raw, [alice, bob], contract, number_cases)


@check("HOSTILE-DUPLICATE-KEYS")
def test_duplicate_keys_are_refused(
    cnx_run: Run, api: ApiFactory, raw: httpx.Client, alice: Account, bob: Account, contract: Contract
) -> None:
    _body_battery(cnx_run, api, raw, [alice, bob], contract, duplicate_cases)


def _reads(contract: Contract) -> list[Any]:
    """One authenticated read without path parameters per service."""
    reads = [o for o in contract.operations() if o.method == "GET" and not o.public and not o.path_params]
    return [next(o for o in reads if o.service == s) for s in sorted({o.service for o in reads})]


def _auth_cases(raw: httpx.Client, alice: Account, path: str) -> Iterator[tuple[str, dict[str, bytes]]]:
    admin = alice.admin
    token = (admin.bearer or "x" * 40).encode()
    middle = len(token) // 2
    yield "Authorization: Bearer with bytes FF FE FD", {"Authorization": b"Bearer \xff\xfe\xfd"}
    yield (
        "a real bearer token with one byte made E9",
        {"Authorization": b"Bearer " + token[:middle] + b"\xe9" + token[middle + 1 :]},
    )
    yield "Authorization of UTF-8 text without a scheme", {"Authorization": "é-ключ".encode()}
    yield "a cnx_access cookie with bytes C3 28", {"Cookie": b"cnx_access=\xc3\x28" + token[:20]}
    signed = sign(raw.build_request("GET", path, headers={"X-Cnx-Note": "plain"}), *admin.access_key())
    base = {
        k: v.encode()
        for k, v in signed.headers.items()
        if k.lower() in ("authorization", "x-amz-date", "x-amz-content-sha256", "x-cnx-note")
    }
    auth = base["authorization"]
    key = admin.access_key()[0].encode()
    unknown = b"AKIA" + b"\xe9" * (len(key) - 4)
    yield "SigV4 from an unknown access key id with bytes E9", {**base, "authorization": auth.replace(key, unknown)}
    yield (
        "SigV4 from the known access key id followed by byte E9",
        {**base, "authorization": auth.replace(key, key + b"\xe9")},
    )
    yield "SigV4 (known key) with X-Amz-Date ending in byte FF", {**base, "x-amz-date": base["x-amz-date"] + b"\xff"}
    yield "SigV4 (known key) with X-Amz-Content-SHA256 of bytes FF", {**base, "x-amz-content-sha256": b"\xff" * 64}
    scope = auth.split(b"/")[2]
    yield (
        "SigV4 (known key) with a region of bytes FC",
        {**base, "authorization": auth.replace(b"/" + scope + b"/", b"/" + scope[:-1] + b"\xfc/")},
    )
    yield (
        "SigV4 (known key) with SignedHeaders holding byte E4",
        {**base, "authorization": auth.replace(b"SignedHeaders=", b"SignedHeaders=x-\xe4;")},
    )
    yield "SigV4 (known key) with a Signature of bytes FF", {**base, "authorization": auth[:-8] + b"\xff" * 8}
    yield (
        "SigV4 (known key) with a signed header's value changed to bytes E9 74 E9",
        {**base, "x-cnx-note": b"\xe9t\xe9"},
    )


def _statuses(contract: Contract, operation_id: str, *components: str) -> set[int]:
    """The statuses ``operation_id`` documents for these ``#/components/responses`` (those it documents)."""
    found = set()
    for component in components:
        try:
            found.add(documented(contract, operation_id, component))
        except KeyError:
            continue
    return found


@check("HOSTILE-AUTH-BYTES")
def test_non_ascii_credentials_are_refused(
    api: ApiFactory, raw: httpx.Client, alice: Account, contract: Contract
) -> None:
    failures: list[str] = []
    sent = 0
    _control(api, alice, contract, "before")
    for info in _reads(contract):
        allowed = _statuses(contract, info.operation_id, "Unauthorized", "BadRequest")
        path = contract.url(info.operation_id)
        for label, headers in _auth_cases(raw, alice, path):
            try:
                response = raw.request("GET", path, headers={k.encode(): v for k, v in headers.items()})
            except httpx.TransportError as exc:
                failures.append(f"{info.operation_id} with {label}: no answer, the connection failed ({exc})")
                continue
            sent += 1
            problem = _judge(info, label, response, allowed)
            if problem:
                failures.append(problem)
    _control(api, alice, contract, "after")
    assert not failures, (
        f"{len(failures)} of {sent} credentials with non-ASCII bytes were not refused cleanly:\n"
        + "\n".join(failures)
    )


def _oversize_cases(base: bytes, path: bytes, auth: bytes) -> Iterator[tuple[str, bytes]]:
    pad = b"a" * OVERSIZE_BYTES
    yield (
        f"a {len(pad) // 1024} KiB header",
        b"GET " + path + b" HTTP/1.1\r\n" + base + auth + b"\r\nX-Cnx-Pad: " + pad,
    )
    many = b"".join(b"\r\nX-Cnx-%d: v" % i for i in range(OVERSIZE_BYTES // 16))
    yield f"{OVERSIZE_BYTES // 16} headers", b"GET " + path + b" HTTP/1.1\r\n" + base + auth + many
    yield f"a {len(pad) // 1024} KiB query string", b"GET " + path + b"?q=" + pad + b" HTTP/1.1\r\n" + base + auth


@check("HOSTILE-OVERSIZE")
def test_oversized_header_query_and_body_are_refused(
    api: ApiFactory, raw: httpx.Client, alice: Account, contract: Contract, target: Target
) -> None:
    failures: list[str] = []
    dropped: list[str] = []
    _control(api, alice, contract, "before")
    host = httpx.URL(target.base_url).netloc
    base = b"Host: " + host + b"\r\nConnection: close\r\n"
    auth = b"Cookie: " + (alice.root.cookie_header or "").encode()
    for info in _reads(contract):
        for label, head in _oversize_cases(base, contract.url(info.operation_id).encode(), auth):
            answer = raw_exchange(target.base_url, head, verify=target.config.verify_tls)
            if answer is None:
                dropped.append(f"{info.operation_id} with {label}")
                continue
            problem = _judge_raw(info, label, answer)
            if problem:
                failures.append(problem)
    limit = contract.limits.max_body_bytes
    too_large = _statuses(contract, "vpcs_create", "PayloadTooLarge")
    for info in _bodied(contract, "ci"):
        body = b'{"name": "' + b"x" * (limit * 16) + b'"}'
        params = {p: missing_id(contract, info.operation_id, p) for p in info.path_params}
        label = f"a body of {len(body) // 1024} KiB (limit {limit} bytes)"
        try:
            if info.public:
                response = raw.request(
                    info.method,
                    contract.url(info.operation_id, **params),
                    content=body,
                    headers={"Content-Type": "application/json"},
                )
            else:
                response = api(alice.root).call(
                    info.operation_id, path_params=params, content=body, headers={"Content-Type": "application/json"}
                )
        except (TargetUnreachable, httpx.TransportError) as exc:
            dropped.append(f"{info.operation_id} with {label} ({exc.__class__.__name__})")
            continue
        problem = _judge(
            info, label, response, _statuses(contract, info.operation_id, "PayloadTooLarge") or too_large
        )
        if problem:
            failures.append(problem)
    _control(api, alice, contract, "after")
    assert not failures, f"{len(failures)} oversized requests were not refused cleanly:\n" + "\n".join(
        failures + [f"(no answer: {d})" for d in dropped]
    )
    if dropped:
        inconclusive(
            "the target's HTTP layer closed the connection without any answer, so the rule could not be judged for: "
            + "; ".join(dropped)
        )


def _judge_raw(info: OperationInfo, label: str, answer: RawAnswer) -> str | None:
    where = f"{info.operation_id} with {label}"
    shown = f"{answer.status} [{answer.headers.get('content-type', '-')}] {answer.body[:200]!r}"
    if answer.status >= 500:
        return f"{where}: {shown} (seed: 5xx is a bug)"
    if not 400 <= answer.status < 500:
        return f"{where}: expected a refusal (414/431/400 in the error shape), received {shown}"
    media = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        body = answer.json()
    except ValueError:
        body = None
    if (
        not (media == "application/json" or media.endswith("+json"))
        or not isinstance(body, dict)
        or not isinstance(body.get("error"), str)
    ):
        return f'{where}: a refusal must be {{"error": "..."}} as JSON (seed: any 4xx), received {shown}'
    return None
