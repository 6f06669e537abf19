"""Cursor pagination: walking every page returns each item exactly once and ends with ``next_cursor: null``.

Spec: list envelope ``{<plural>: [...], next_cursor: string|null}``, opaque ``cursor`` and ``limit`` parameters
(components.parameters.Cursor / Limit); a cursor the server did not issue is a validation error.
"""

# ruff: noqa: S101, PT018 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import base64
from typing import Any

from conformance.checks import check
from conformance.suite.support import assert_error, describe, documented, walk

LIST = "vpcs_list"
CREATE = "vpcs_create"


def _page_size(contract: Any) -> int:
    # The smallest page above one item: several pages from a handful of resources.
    return int(contract.spec["components"]["parameters"]["Limit"]["schema"]["minimum"]) + 1


@check("PAGE-WALK")
def test_walk_returns_each_item_once_and_ends_with_null(api: Any, alice: Any, contract: Any, make: Any) -> None:
    size = _page_size(contract)
    made = {make(CREATE, alice.root)["id"] for _ in range(size * 2 + 1)}
    key = contract.op(LIST).list_key
    seen: list[str] = []
    pages = 0
    last: dict[str, Any] = {}
    for response, items in walk(api(alice.root), LIST, key, limit=size, max_pages=len(made) + 50):
        pages += 1
        last = response.json()
        assert len(items) <= size, f"limit={size} but a page holds {len(items)} items: {describe(response)}"
        seen.extend(str(item["id"]) for item in items)
    duplicates = sorted({i for i in seen if seen.count(i) > 1})
    assert not duplicates, f"items returned on more than one page: {duplicates} over {pages} pages"
    assert last.get("next_cursor", "absent") is None, (
        f"the walk did not end with next_cursor null after {pages} pages (a cursor that never advances?): "
        f"last page {str(last)[:200]}"
    )
    missing = made - set(seen)
    assert not missing, f"created {len(made)} items, the walk of {pages} pages never showed {sorted(missing)}"


@check("PAGE-FORGED-CURSOR")
def test_forged_cursor_is_rejected(api: Any, alice: Any, contract: Any, make: Any) -> None:
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
