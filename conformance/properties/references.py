"""Reference fields of valid input filled with ids that exist, so refusing valid input cannot hide behind a 404.

A generated ``vpc_id`` matches the id pattern but names no VPC: a correct target may refuse it. For positive
cases the request body's reference fields (a property whose schema is an id type some create operation makes,
``$ref: VpcId``) get the id of a resource of that kind owned by the property part's account, made once per run
on first need. Then the only honest answers to valid input are the documented non-error codes (statuses.py).
"""

from __future__ import annotations

import threading
from typing import Any

import cloudnx_spec
from conformance.runtime import Run

__all__ = ["References"]

_MAX_DEPTH = 4


class References:
    def __init__(self, run: Run) -> None:
        self.run = run
        self._ids: dict[str, str | None] = {}  # id schema ref -> an existing id (None: could not make one)
        self._lock = threading.Lock()

    def fill(self, case: Any) -> None:
        info = self.run.contract.op(case.operation.definition.raw.get("operationId", ""))
        if info.request_schema is None or not isinstance(case.body, dict):
            return
        self._walk(case.body, info.request_schema, info.operation_id, 0)

    def _walk(self, value: Any, schema: dict[str, Any], operation_id: str, depth: int) -> None:
        if depth > _MAX_DEPTH or not isinstance(schema, dict):
            return
        for part in [schema, *schema.get("allOf", ())]:
            part = _resolve(part)
            if isinstance(value, dict):
                for prop, sub in (part.get("properties") or {}).items():
                    if prop not in value:
                        continue
                    replaced = self._reference(sub, value[prop], operation_id)
                    if replaced is not None:
                        value[prop] = replaced
                    else:
                        self._walk(value[prop], _resolve(sub), operation_id, depth + 1)
            elif isinstance(value, list) and isinstance(part.get("items"), dict):
                ids = [self._reference(part["items"], item, operation_id) for item in value]
                existing = [i for i in ids if i is not None]
                if value and len(existing) == len(ids):
                    value[:] = list(dict.fromkeys(existing))  # one existing id: a list of refs stays unique
                    continue
                for item in value:
                    self._walk(item, _resolve(part["items"]), operation_id, depth + 1)

    def _reference(self, schema: dict[str, Any], current: Any, operation_id: str) -> str | None:
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        creates = self.run.resources.creates_by_ref()
        if not isinstance(ref, str) or ref not in creates or not isinstance(current, str):
            return None
        if creates[ref] == operation_id:
            return None  # the create's own name (buckets_create's BucketName) is new, not a reference
        return self._existing(ref, creates[ref])

    def _existing(self, ref: str, create: str) -> str | None:
        with self._lock:
            if ref not in self._ids:
                self._ids[ref] = self._make(create)
            return self._ids[ref]

    def _make(self, create: str) -> str | None:
        account = self.run.account("props")
        previous = self.run.owner
        self.run.owner = "properties"  # kept for the whole part, deleted when the run closes
        try:
            created = self.run.make(create, account.admin)
        except (AssertionError, KeyError):
            return None  # the create itself is judged by STATUS-CREATE-201; the field keeps its generated id
        finally:
            self.run.owner = previous
        value = created.get("id", created.get("name"))
        return str(value) if value is not None else None


def _resolve(node: Any) -> dict[str, Any]:
    node = cloudnx_spec.deref(node)
    return node if isinstance(node, dict) else {}
