"""Small helpers the protocol checks share: error assertions, ids that do not exist, page walks, raw clients.

Nothing here knows a path, status or limit: everything comes from the contract (spec/openapi.yaml).
"""

# ruff: noqa: S101, PT018 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import secrets
import string
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx

import cloudnx_spec
from conformance.client import ApiClient
from conformance.contract import Contract
from conformance.errors import KitError
from conformance.fixtures import ApiFactory, MakeResource
from conformance.identities import Account, Identity
from conformance.runtime import Target

__all__ = [
    "answer_once_expired",
    "assert_error",
    "auth_headers",
    "describe",
    "fresh_key",
    "missing_id",
    "normalise",
    "path_param_schema",
    "walk",
]


def describe(response: httpx.Response) -> str:
    """One line saying what was received, for failure messages."""
    body = response.text[:300].replace("\n", "\\n")
    return (
        f"{response.request.method} {response.request.url.path} -> {response.status_code} "
        f"[{response.headers.get('content-type', '-')}] {body}"
    )


def assert_error(response: httpx.Response, *, status: int | None = None) -> None:
    """The seed's error shape: ``{"error": string}`` with a JSON Content-Type (seed, Request / response shape)."""
    if status is not None:
        assert response.status_code == status, f"expected {status}, received {describe(response)}"
    assert response.status_code >= 400, f"expected an error status, received {describe(response)}"
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    assert media == "application/json" or media.endswith("+json"), (
        f"an error must be JSON (seed: Responses are always JSON); Content-Type is {media!r}: {describe(response)}"
    )
    try:
        body = response.json()
    except ValueError as exc:
        raise AssertionError(f"error body is not JSON: {describe(response)}") from exc
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], (
        f'error body must be {{"error": "human-readable explanation"}} (spec components.schemas.Error): '
        f"{describe(response)}"
    )


def fresh_key() -> str:
    """A new Idempotency-Key (a uuid4, as draft-ietf-httpapi-idempotency-key-header recommends)."""
    return str(uuid.uuid4())


#: The suffixes of the operationIds that end a resource's life (delete, EIP release, invite revoke).
ENDING_SUFFIXES = ("_delete", "_release", "_revoke")


def own_link(contract: Contract, create: str, suffixes: tuple[str, ...]) -> str | None:
    """The create's link to an operation on the created resource itself (one path parameter more), not a parent."""
    info = contract.op(create)
    for target in info.links.values():
        params = contract.op(target).path_params
        if target.endswith(suffixes) and params[:-1] == info.path_params and len(params) == len(info.path_params) + 1:
            return str(target)
    return None


def resource_params(contract: Contract, operation_id: str, created: dict[str, Any]) -> dict[str, str]:
    """The created resource's own id in the last path parameter, its parents' ids (named alike) before it."""
    *parents, own = contract.op(operation_id).path_params
    values = {p: str(created[p]) for p in parents if p in created}
    values[own] = str(created.get("id", created.get("name")))
    return values


def path_param_schema(contract: Contract, operation_id: str, param: str) -> dict[str, Any]:
    for spec_param in cloudnx_spec.operation(operation_id).parameters:
        if spec_param.location == "path" and spec_param.name == param:
            return dict(cloudnx_spec.deref(dict(spec_param.schema)))
    raise KeyError(f"{operation_id} has no path parameter {param}")


def missing_id(contract: Contract, operation_id: str, param: str) -> str:
    """A well-formed id for ``param`` that names nothing: the spec's prefix plus random characters."""
    schema = path_param_schema(contract, operation_id, param)
    prefix = cloudnx_spec.id_prefix(schema)
    length = int(schema.get("maxLength", 20))
    if prefix.isupper():
        alphabet = string.ascii_uppercase + string.digits
        return prefix + "".join(secrets.choice(alphabet) for _ in range(length - len(prefix)))
    if prefix:
        return prefix + secrets.token_hex(length)[: length - len(prefix)]
    return "cnx-missing-" + secrets.token_hex(8)  # names (buckets): pattern [a-z0-9-]


def normalise(text: str, ids: Mapping[str, str]) -> str:
    """``text`` with each concrete id replaced by its parameter name, so two 404s can be compared byte for byte."""
    for name, value in sorted(ids.items(), key=lambda item: -len(item[1])):
        text = text.replace(value, f"<{name}>")
    return text


def walk(
    client: ApiClient,
    operation_id: str,
    list_key: str | None,
    *,
    path_params: Mapping[str, str] | None = None,
    limit: int | None = None,
    max_pages: int = 200,
) -> Iterator[tuple[httpx.Response, list[Any]]]:
    """Every page of a list, following next_cursor; stops at ``max_pages`` (the check then reports it)."""
    if list_key is None:
        raise KitError(f"{operation_id} is not a list operation (the spec gives it no list key)")
    cursor: str | None = None
    for _ in range(max_pages):
        params: dict[str, Any] = {}
        if limit is not None:
            params["limit"] = limit
        if cursor is not None:
            params["cursor"] = cursor
        response = client.call(operation_id, path_params=path_params, params=params)
        assert response.status_code == client.contract.op(operation_id).success_status, f"list: {describe(response)}"
        body = response.json()
        yield response, list(body.get(list_key) or [])
        cursor = body.get("next_cursor")
        if cursor is None:
            return


def auth_headers(identity: Identity, auth: str) -> dict[str, str]:
    """The headers an identity authenticates with, for the suite's own unpaced clients (rate-limit checks)."""
    if auth == "cookie":
        assert identity.cookie_header, f"{identity.name} has no session cookie"
        return {"Cookie": identity.cookie_header}
    assert identity.bearer, f"{identity.name} has no bearer token"
    return {"Authorization": f"Bearer {identity.bearer}"}


def documented(contract: Contract, operation_id: str, component: str) -> int:
    """The status code ``operation_id`` documents with ``#/components/responses/<component>`` (e.g. Gone)."""
    ref = f"#/components/responses/{component}"
    for code, response in contract.op(operation_id).raw.get("responses", {}).items():
        if code.isdigit() and response.get("$ref") == ref:
            return int(code)
    raise KeyError(f"{operation_id} documents no {component} response in spec/openapi.yaml")


def one_of(contract: Contract, predicate: Any) -> str:
    """The first operationId (document order) satisfying ``predicate(info)``."""
    for info in contract.operations():
        if predicate(info):
            return info.operation_id
    raise KeyError("no operation of spec/openapi.yaml matches")


def per_service(infos: list[Any]) -> list[Any]:
    """The first of ``infos`` for each service (document order): a sample that still crosses every service."""
    seen: dict[str, Any] = {}
    for info in infos:
        seen.setdefault(info.service, info)
    return list(seen.values())


def sampled(target: Target, infos: list[Any]) -> list[Any]:
    """All of ``infos``, or in the ``ci`` profile one per service (the catalogue says "sample" for ci)."""
    return per_service(infos) if target.profile == "ci" else list(infos)


def answer_once_expired(read: Callable[[], httpx.Response], live: int, expires: float, by: float) -> httpx.Response:
    """Read something that expires at ``expires`` (time.monotonic()) until it stops answering ``live``.

    The target's clock and rounding may let it live up to ``by`` (a deadline, same clock): reads start at
    ``expires`` and back off (0.1 s doubling to 0.5 s), and one read at ``by`` or later is the answer when it is
    still live, so a target that never expires it is judged on a read made as late as a single fixed wait would
    have made it, and a prompt one is not waited for.
    """
    time.sleep(max(0.0, expires - time.monotonic()))
    delay = 0.1
    while True:
        reply = read()
        left = by - time.monotonic()
        if reply.status_code != live or left <= 0:
            return reply
        time.sleep(min(delay, left))
        delay = min(delay * 2, 0.5)


def bucket_name(label: str = "b") -> str:
    """A fresh bucket name (spec BucketName: lower-case, digits, hyphens; globally unique)."""
    return f"cnx-{label}-{secrets.token_hex(6)}"


def made(make: MakeResource, create: str, identity: Identity | Account | None, **fields: Any) -> dict[str, Any]:
    """``make`` with the bucket name chosen here: buckets are named by the caller, not by a generated id."""
    if create.startswith("buckets") and "name" not in fields:
        fields["name"] = bucket_name()
    elif create.startswith("bucket_") and "bucket_name" not in fields:
        fields["bucket_name"] = made(make, "buckets_create", identity)["name"]
    return dict(make(create, identity, **fields))


def assert_distinct_accounts(api: ApiFactory, first: Account, second: Account) -> None:
    """Isolation is judged between two accounts: the target must see the two bootstrapped ones as distinct."""
    seen = []
    for account in (first, second):
        response = api(account.root).call("auth_me_get")
        assert response.status_code < 300, f"{account.label}'s own auth_me_get: {describe(response)}"
        seen.append(str(response.json().get("account_id")))
        assert seen[-1] == account.account_id, (
            f"{account.label} was bootstrapped as account {account.account_id}, the target says {seen[-1]}"
        )
    assert seen[0] != seen[1] and first.root.principal_id != second.root.principal_id, (
        f"the two bootstrapped accounts are one ({seen[0]}): another account's resources cannot be judged"
    )
