"""``make``: create any resource through its create operation, with run-prefixed names and cleanup.

The request body starts from the create operation's example in the spec; names get the run prefix; id fields the
caller did not give are created first when the schema requires them (a firewall needs a VPC) and dropped when
optional. Cleanup deletes in reverse order through the create's delete link; a failure is reported, never raised
into the test and never cascading.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

import cloudnx_spec
from conformance.client import ApiClient
from conformance.contract import Contract, OperationInfo
from conformance.errors import KitError

__all__ = ["CleanupFailure", "Resources", "creates"]

_DELETE_SUFFIXES = ("_delete", "_release", "_revoke")


@dataclass(frozen=True)
class CleanupFailure:
    operation_id: str
    path_params: dict[str, str]
    status: int | None
    detail: str
    owner: str  # the test (node id) that created the resource, or "bootstrap"


@dataclass
class _Pending:
    client: ApiClient
    operation_id: str
    path_params: dict[str, str]
    owner: str


class Resources:
    def __init__(self, contract: Contract, run_id: str, owner: Callable[[], str]) -> None:
        self.contract = contract
        self.run_id = run_id
        self._owner = owner
        self._counter = itertools.count(1)
        self._pending: list[_Pending] = []
        self._lock = threading.Lock()
        self.failures: list[CleanupFailure] = []
        self._creates = {o.operation_id: o for o in contract.operations() if _is_create(o)}
        self._by_ref = self._index_creates()

    def creates_by_ref(self) -> dict[str, str]:
        """Id schema ref (``#/components/schemas/VpcId``) -> the create operation that makes such a resource."""
        return dict(self._by_ref)

    def name(self, label: str = "r") -> str:
        # Lower-case letters, digits and hyphens satisfy every name pattern of the spec (bucket names included).
        return f"cnx-{self.run_id}-{label}-{next(self._counter)}"

    def create_operation(self, kind: str) -> OperationInfo:
        for candidate in (kind, f"{kind}_create", f"{kind}s_create"):
            if candidate in self._creates:
                return self._creates[candidate]
        starts = [o for o in self._creates.values() if o.operation_id.split("_")[0] in (kind, f"{kind}s")]
        if len(starts) == 1:
            return starts[0]
        raise KeyError(f"no create operation for kind {kind!r}; known: {sorted(self._creates)}")

    def make(self, client: ApiClient, kind: str, **fields: Any) -> dict[str, Any]:
        info = self.create_operation(kind)
        path_params = {p: str(fields.pop(p)) for p in info.path_params if p in fields}
        for param in info.path_params:
            if param not in path_params:
                parent = self._make_for_ref(client, self._param_ref(info, param))
                path_params[param] = str(parent.get("id", parent.get("name")))
        body = self._body(client, info, fields)
        reply = client.call(info.operation_id, path_params=path_params, json=body)
        if reply.status_code != info.success_status:
            raise AssertionError(
                f"{info.operation_id} answered {reply.status_code}, the spec documents {info.success_status} "
                f"for a valid create: {reply.text[:300]}"
            )
        created: dict[str, Any] = reply.json()
        self.register(client, info, path_params, created)
        # The parents' ids travel with the result (a rule's firewall_id), so callers can address the resource.
        return {**path_params, **created}

    def register(
        self, client: ApiClient, info: OperationInfo, path_params: dict[str, str], created: dict[str, Any]
    ) -> None:
        delete = next((t for t in info.links.values() if t.endswith(_DELETE_SUFFIXES)), None)
        if delete is None:
            return
        params = dict(path_params)
        own = [p for p in self.contract.op(delete).path_params if p not in params]
        if own:
            params[own[-1]] = str(created.get("id", created.get("name", "")))
        self.schedule(client, delete, params, self._owner())

    def schedule(self, client: ApiClient, operation_id: str, path_params: dict[str, str], owner: str) -> None:
        """Queue ``operation_id`` (a delete) for the cleanup of ``owner``."""
        with self._lock:
            self._pending.append(_Pending(client, operation_id, path_params, owner))

    def ended(self, operation_id: str, path_params: dict[str, str]) -> None:
        """A test ended a resource itself with ``operation_id`` (its delete, revoke, release): nothing to clean.

        Calling it again is not a no-op everywhere: revoking a revoked invite is a documented 409, which cleanup
        would retry for its whole deadline and then report as a resource left behind.
        """
        with self._lock:
            self._pending = [
                p for p in self._pending if not (p.operation_id == operation_id and p.path_params == path_params)
            ]

    def cleanup(
        self, owner: str | None = None, deadline: float = 3.0, skip: tuple[str, ...] = ()
    ) -> list[CleanupFailure]:
        """Delete what ``owner`` created (everything but ``skip``'s when None), newest first; report what would not
        go. A 409 or 429 is retried with backoff until ``deadline`` seconds have passed for that resource."""
        with self._lock:
            mine = [p for p in self._pending if (p.owner == owner if owner else p.owner not in skip)]
            self._pending = [p for p in self._pending if p not in mine]
        failures = []
        for pending in reversed(mine):
            failure = self._delete(pending, time.monotonic() + deadline)
            if failure:
                failures.append(failure)
        self.failures.extend(failures)
        return failures

    def abandon(self, reason: str) -> list[CleanupFailure]:
        """Give up every pending delete (the target no longer answers): each is reported as left behind."""
        with self._lock:
            left, self._pending = self._pending, []
        failures = [CleanupFailure(p.operation_id, p.path_params, None, reason, p.owner) for p in reversed(left)]
        self.failures.extend(failures)
        return failures

    def _delete(self, pending: _Pending, until: float) -> CleanupFailure | None:
        delay = 0.2
        while True:
            try:
                reply = pending.client.call(
                    pending.operation_id,
                    path_params=pending.path_params,
                    params=self.force_params(pending.operation_id),
                )
            except (KitError, httpx.HTTPError) as exc:  # reported, never cascading into the run
                return CleanupFailure(pending.operation_id, pending.path_params, None, repr(exc), pending.owner)
            # 404: already gone (a test deleted it itself). 409: still in use while a dependant terminates.
            if reply.status_code < 300 or reply.status_code == 404:
                return None
            if reply.status_code not in (409, 429) or time.monotonic() > until:
                return CleanupFailure(
                    pending.operation_id, pending.path_params, reply.status_code, reply.text[:300], pending.owner
                )
            time.sleep(delay)
            delay = min(delay * 2, 2.0)

    def force_params(self, operation_id: str) -> dict[str, str] | None:
        """A cleanup deletes what its test made, dependants included, when the spec offers a force parameter."""
        for param in cloudnx_spec.operation(operation_id).parameters:
            if param.location == "query" and param.name == "force":
                return {"force": "true"}
        return None

    def valid_body(self, client: ApiClient, info: OperationInfo, **fields: Any) -> dict[str, Any]:
        """A valid body for ``info`` (a create or an update): the spec's example, run-prefixed names, reference
        fields it requires filled with resources created first, optional references left out."""
        return self._body(client, info, fields)

    def _body(self, client: ApiClient, info: OperationInfo, fields: dict[str, Any]) -> dict[str, Any]:
        schema = info.request_schema or {}
        example = copy.deepcopy(info.request_example) if isinstance(info.request_example, dict) else {}
        required = set(schema.get("required", ()))
        properties = schema.get("properties", {})
        body: dict[str, Any] = {}
        for prop, value in example.items():
            if prop in fields:
                continue
            ref = _ref_of(properties.get(prop, {}))
            # A reference to the kind being created is its own name (a bucket's BucketName), not a parent.
            if ref and ref in self._by_ref and self._by_ref[ref] != info.operation_id:
                if prop in required:
                    dependency = self._make_for_ref(client, ref)
                    body[prop] = dependency.get("id", dependency.get("name"))
                continue  # optional references to other resources are left out
            if _ref_of(properties.get(prop, {}).get("items", {})) in self._by_ref:
                continue
            body[prop] = self.name(info.operation_id.split("_")[0]) if prop == "name" else value
        body.update(fields)
        return body

    def _make_for_ref(self, client: ApiClient, ref: str | None) -> dict[str, Any]:
        if ref is None or ref not in self._by_ref:
            raise KeyError(f"cannot create a parent resource for reference {ref!r}")
        return self.make(client, self._by_ref[ref])

    def _param_ref(self, info: OperationInfo, param: str) -> str | None:
        for spec_param in cloudnx_spec.operation(info.operation_id).parameters:
            if spec_param.name == param and spec_param.location == "path":
                return _ref_of(dict(spec_param.schema))
        return None

    def _index_creates(self) -> dict[str, str]:
        """Id schema ref (e.g. #/components/schemas/VpcId) -> the create operation that makes such a resource."""
        index: dict[str, str] = {}
        for info in self._creates.values():
            response = info.raw["responses"].get(str(info.success_status), {})
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            schema = cloudnx_spec.deref(schema)
            for part in [schema, *schema.get("allOf", [])]:
                part = cloudnx_spec.deref(part)
                for key in ("id", "name"):
                    ref = _ref_of(part.get("properties", {}).get(key, {}))
                    if ref and ref not in index and ref.endswith(("Id", "BucketName")):
                        index[ref] = info.operation_id
        return index


def _is_create(info: OperationInfo) -> bool:
    return info.method in ("POST", "PUT") and 201 in info.statuses and not info.public


def creates(contract: Contract) -> list[OperationInfo]:
    """Every authenticated operation that creates a resource (documents 201), in document order."""
    return [info for info in contract.operations() if _is_create(info)]


def _ref_of(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref") if isinstance(node, dict) else None
    return ref if isinstance(ref, str) else None
