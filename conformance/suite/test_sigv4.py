"""SigV4 on the API: a correctly signed request is accepted; any single-field change, a clock skew beyond the
spec's window, or a wrong region/service is rejected.

Seed "Access keys + SigV4" (region in-mum, service cloudnx); spec ``components.securitySchemes.sigv4``
(``cloudnx_spec.sigv4()``: required signed headers, clock skew); AWS Signature Version 4 specification.
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from unittest import mock

import httpx

import cloudnx_spec
from conformance.checks import check
from conformance.contract import Contract
from conformance.fixtures import ApiFactory
from conformance.identities import Account, Identity
from conformance.resources import creates
from conformance.runtime import Run
from conformance.sigv4 import sign, sigv4_scheme
from conformance.suite.support import ENDING_SUFFIXES, describe, documented, own_link, per_service

Mutation = Callable[[httpx.Request], httpx.Request]


def _signed(
    raw: httpx.Client,
    identity: Identity,
    method: str,
    path: str,
    *,
    content: bytes = b"",
    params: dict[str, str] | None = None,
    when: dt.datetime | None = None,
    region: str | None = None,
    service: str | None = None,
) -> httpx.Request:
    headers = {"Content-Type": "application/json"} if content else {}
    request = raw.build_request(method, path, params=params, content=content or None, headers=headers)
    if when is None:
        return sign(request, *identity.access_key(), region=region, service=service)
    with mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
        return sign(request, *identity.access_key(), region=region, service=service)


def _clone(
    request: httpx.Request,
    *,
    method: str | None = None,
    url: httpx.URL | None = None,
    content: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Request:
    merged = dict(request.headers)
    merged.update(headers or {})
    merged.pop("content-length", None)
    return httpx.Request(
        method or request.method,
        url or request.url,
        headers=merged,
        content=request.content if content is None else content,
    )


@check("SIGV4-ACCEPTED")
def test_signed_requests_are_accepted_on_every_service(
    raw: httpx.Client, api: ApiFactory, alice: Account, contract: Contract, cnx_run: Run
) -> None:
    """A list with a query, then a create with a JSON body, its update and its delete, per service, all signed."""
    signer = alice.admin
    for create in per_service([c for c in creates(contract) if not c.path_params]):
        lists = [o for o in contract.operations() if o.method == "GET" and o.list_key and o.service == create.service]
        listed = next(o for o in lists if not o.path_params)
        exchanges: list[tuple[str, str, str, bytes, dict[str, str] | None]] = [
            (listed.operation_id, "GET", contract.url(listed.operation_id), b"", {"limit": "5"})
        ]
        body = cnx_run.resources.valid_body(api(signer), create)
        sent = json.dumps(body).encode()
        response = raw.send(_signed(raw, signer, create.method, contract.url(create.operation_id), content=sent))
        assert response.status_code == create.success_status, (
            f"a signed {create.method} with a JSON body must be accepted: {describe(response)}"
        )
        created = response.json()
        cnx_run.resources.register(api(signer), create, {}, created)
        own = {
            contract.op(t).path_params[-1]: str(created.get("id", created.get("name"))) for t in create.links.values()
        }
        update = own_link(contract, create.operation_id, ("_update",))
        if update is not None:
            patch = json.dumps(cnx_run.resources.valid_body(api(signer), contract.op(update))).encode()
            exchanges.append((update, contract.op(update).method, contract.url(update, **own), patch, None))
        delete = own_link(contract, create.operation_id, ENDING_SUFFIXES)
        if delete is not None:
            exchanges.append((delete, "DELETE", contract.url(delete, **own), b"", None))
        for operation_id, method, path, content, params in exchanges:
            response = raw.send(_signed(raw, signer, method, path, content=content, params=params))
            assert response.status_code == contract.op(operation_id).success_status, (
                f"a request signed by botocore's SigV4 signer must be accepted ({operation_id}): {describe(response)}"
            )


@check("SIGV4-MUTATION")
def test_every_single_field_change_is_rejected(
    raw: httpx.Client, api: ApiFactory, alice: Account, bob: Account, contract: Contract, cnx_run: Run
) -> None:
    path = contract.url("vpcs_list")
    create = contract.op("teams_create")
    body = json.dumps(cnx_run.resources.valid_body(api(alice.admin), create)).encode()
    base = _signed(raw, alice.admin, "GET", path, params={"limit": "5"})
    post = _signed(raw, alice.admin, "POST", contract.url(create.operation_id), content=body)
    # Positive controls first: unmodified, both signed requests are accepted, so every refusal below is the
    # mutation's doing (a target refusing all SigV4 would otherwise pass).
    for control, operation_id in ((base, "vpcs_list"), (post, create.operation_id)):
        response = raw.send(_clone(control))
        assert response.status_code == contract.op(operation_id).success_status, (
            f"the unmodified signed request must be accepted before its mutations mean anything: {describe(response)}"
        )
        if operation_id == create.operation_id:
            cnx_run.resources.register(api(alice.admin), create, {}, response.json())
    date = base.headers["x-amz-date"]
    later = (dt.datetime.strptime(date, "%Y%m%dT%H%M%SZ") + dt.timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
    auth = base.headers["authorization"]
    signature = auth.rsplit("Signature=", 1)[1]
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    mutations: dict[str, httpx.Request] = {
        "method": _clone(base, method="POST"),
        "path": _clone(base, url=base.url.copy_with(path=contract.url("teams_list"))),
        "query": _clone(base, url=base.url.copy_with(params={"limit": "6"})),
        "x-amz-date": _clone(base, headers={"x-amz-date": later}),
        "host": _clone(base, headers={"host": "evil.example"}),
        "signature": _clone(base, headers={"authorization": auth.replace(signature, flipped)}),
        "access key": _clone(
            base, headers={"authorization": auth.replace(alice.admin.access_key()[0], bob.admin.access_key()[0])}
        ),
        "body": _clone(post, content=body.replace(b"cnx-", b"cnx-evil-", 1)),
        "body, dropped": _clone(post, content=b"{}"),
    }
    refused = documented(contract, "vpcs_list", "Unauthorized")
    # A front proxy may refuse an unknown Host before any signature is read (the levels decision below).
    host_refused = {refused, *cloudnx_spec.levels().decision("sigv4-host-mutation").also_accepted}
    for field, request in mutations.items():
        response = raw.send(request)
        assert response.status_code in (host_refused if field == "host" else {refused}), (
            f"a signed request with its {field} changed after signing must be refused: {describe(response)}"
        )


@check("SIGV4-SKEW")
def test_clock_skew_beyond_the_window_is_rejected(raw: httpx.Client, alice: Account, contract: Contract) -> None:
    skew = sigv4_scheme()["clock_skew_seconds"]
    now = dt.datetime.now(dt.UTC)
    path = contract.url("auth_me_get")
    for offset in (skew + 120, -(skew + 120)):
        response = raw.send(_signed(raw, alice.admin, "GET", path, when=now + dt.timedelta(seconds=offset)))
        assert response.status_code == documented(contract, "auth_me_get", "Unauthorized"), (
            f"X-Amz-Date {offset:+d}s from now is outside ±{skew}s: {describe(response)}"
        )
    for offset in (skew - 120, -(skew - 120)):
        response = raw.send(_signed(raw, alice.admin, "GET", path, when=now + dt.timedelta(seconds=offset)))
        assert response.status_code == contract.op("auth_me_get").success_status, (
            f"X-Amz-Date {offset:+d}s from now is inside ±{skew}s and must be accepted: {describe(response)}"
        )


@check("SIGV4-SCOPE")
def test_wrong_region_or_service_is_rejected(raw: httpx.Client, alice: Account, contract: Contract) -> None:
    scheme = sigv4_scheme()
    path = contract.url("auth_me_get")
    wrong = {"region": ("us-east-1", scheme["service"]), "service": (scheme["region"], "s3")}
    for what, (region, service) in wrong.items():
        response = raw.send(_signed(raw, alice.admin, "GET", path, region=region, service=service))
        assert response.status_code == documented(contract, "auth_me_get", "Unauthorized"), (
            f"signed for {what} {region}/{service}, the API is {scheme['region']}/{scheme['service']}: "
            f"{describe(response)}"
        )
