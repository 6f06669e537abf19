"""Cursor pagination: walking every page returns each item exactly once and ends with ``next_cursor: null``.

Spec: list envelope ``{<plural>: [...], next_cursor: string|null}``, opaque ``cursor`` and ``limit`` parameters
(components.parameters.Cursor / Limit); a cursor the server did not issue is a validation error.
"""

# ruff: noqa: S101, PT018 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

import cloudnx_spec
from conformance.checks import check
from conformance.contract import Contract
from conformance.fixtures import ApiFactory, MakeResource
from conformance.identities import Account
from conformance.resources import creates
from conformance.runtime import Target
from conformance.suite.support import assert_error, describe, documented, made, sampled, walk

LIST = "vpcs_list"
CREATE = "vpcs_create"


def _page_size(contract: Contract) -> int:
    # The smallest page above one item: several pages from a handful of resources.
    return int(cloudnx_spec.component("parameters", "Limit")["schema"]["minimum"]) + 1


def _walkable(contract: Contract, target: Target) -> list[tuple[Any, Any]]:
    """(create, list) pairs on one collection path: every top-level list, or in ``ci`` one per service."""
    pairs = []
    for create in creates(contract):
        listed = next(
            (o for o in contract.operations() if o.method == "GET" and o.path == create.path and o.list_key), None
        )
        if listed is not None and not create.path_params:
            pairs.append((create, listed))
    by_create = {create.operation_id: (create, listed) for create, listed in pairs}
    return [by_create[c.operation_id] for c in sampled(target, [c for c, _ in pairs])]


@check("PAGE-WALK")
def test_walk_returns_each_item_once_and_ends_with_null(
    api: ApiFactory, alice: Account, contract: Contract, make: MakeResource, target: Target
) -> None:
    size = _page_size(contract)
    pairs = _walkable(contract, target)
    assert pairs, "no list operation has a create on the same collection"
    for create, listed in pairs:
        planted = [_id_of(made(make, create.operation_id, alice.root)) for _ in range(size * 2 + 1)]
        # A target that hands out one id for every create (or none) cannot be paginated correctly.
        assert len(set(planted)) == len(planted) and all(planted), (
            f"{create.operation_id} gave {len(set(planted))} distinct ids for {len(planted)} creates: {planted}"
        )
        key = listed.list_key
        seen: list[str] = []
        pages = 0
        last: dict[str, Any] = {}
        for response, items in walk(api(alice.root), listed.operation_id, key, limit=size, max_pages=500):
            pages += 1
            last = response.json()
            assert len(items) <= size, f"limit={size} but a page holds {len(items)} items: {describe(response)}"
            seen.extend(_id_of(item) for item in items)
        counts = Counter(seen)
        duplicates = sorted(i for i, n in counts.items() if n > 1)
        assert not duplicates, f"{listed.operation_id}: items on more than one page: {duplicates} ({pages} pages)"
        assert last.get("next_cursor", "absent") is None, (
            f"{listed.operation_id}: the walk did not end with next_cursor null after {pages} pages (a cursor that "
            f"never advances?): last page {str(last)[:200]}"
        )
        missing = [p for p in planted if counts[p] != 1]
        assert not missing, (
            f"{listed.operation_id}: planted {len(planted)} items, the walk of {pages} pages did not show each "
            f"exactly once: {missing}"
        )


@check("PAGE-FORGED-CURSOR")
def test_forged_cursor_is_rejected(api: ApiFactory, alice: Account, contract: Contract, make: MakeResource) -> None:
    size = _page_size(contract)
    for _ in range(size + 1):
        make(CREATE, alice.root)
    client = api(alice.root)
    first = client.call(LIST, params={"limit": size}).json()
    cursor = first.get("next_cursor")
    assert isinstance(cursor, str) and cursor, f"{size + 1} items at limit={size} must give a next_cursor: {first}"
    flipped = cursor[:-2] + ("A" if cursor[-2] != "A" else "B") + cursor[-1]
    forged = [flipped, base64.urlsafe_b64encode(b'{"offset": 0, "account": "*"}').decode(), "not-a-cursor"]
    for value in forged:
        response = client.call(LIST, params={"limit": size, "cursor": value})
        assert response.status_code == documented(contract, LIST, "BadRequest"), (
            f"cursor {value[:40]!r} was never issued by the target; an opaque, tamper-evident cursor must be "
            f"rejected: {describe(response)}"
        )
        assert_error(response)


def _id_of(resource: dict[str, Any]) -> str:
    """A resource's identity: its id, or its name where the name is the id (buckets, spec BucketName)."""
    return str(resource.get("id") or resource.get("name") or "")
