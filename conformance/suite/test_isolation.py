"""Tenant isolation (BOLA, OWASP API1:2023): another account's resources are invisible.

Seed "Status codes": 404 means "not found, or owned by another account"; the spec's path parameters say the two
are indistinguishable. The matrix walks every operation of the spec with an id parameter, on every verb.
"""

# ruff: noqa: S101, PT018 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import re
from typing import Any

from conformance.checks import check, inconclusive
from conformance.contract import Contract, OperationInfo
from conformance.fixtures import ApiFactory, MakeResource
from conformance.identities import Account
from conformance.resources import creates
from conformance.runtime import Target
from conformance.suite.support import (
    assert_distinct_accounts,
    describe,
    documented,
    made,
    missing_id,
    normalise,
    path_param_schema,
    sampled,
    walk,
)


def _bob_ids(
    api: ApiFactory, bob: Account, contract: Contract, make: MakeResource, kinds: list[Any]
) -> dict[str, str]:
    return _plant(api, bob, contract, make, kinds)[0]


def _plant(
    api: ApiFactory, owner: Account, contract: Contract, make: MakeResource, kinds: list[OperationInfo]
) -> tuple[dict[str, str], set[str]]:
    """One resource of each kind in ``kinds`` for ``owner``: (path parameter -> an id for it, every id planted)."""
    ids: dict[str, str] = {"session_id": owner.root.session_id or "", "user_id": owner.root.principal_id}
    planted: set[str] = set()
    for info in kinds:
        created = made(make, info.operation_id, owner.root)
        planted.add(str(created.get("id", created.get("name"))))
        for key, value in created.items():
            if isinstance(value, str) and (key.endswith("_id") or key == "bucket_name"):
                ids.setdefault(key, value)
        value = str(created.get("id", created.get("name")))
        for target in info.links.values():
            param = contract.op(target).path_params[-1]
            # A link may point at the parent (a rule links to its firewall): keep ids of the parameter's shape.
            pattern = path_param_schema(contract, target, param).get("pattern")
            if param not in ids and (pattern is None or re.fullmatch(pattern, value)):
                ids[param] = value
    client = api(owner.root)
    # Resources nobody creates through the API (audit events, invoices): one id from the owner's list of them.
    for info in contract.operations():
        sole = info.path_params[0] if len(info.path_params) == 1 else None
        if info.method != "GET" or sole is None or sole in ids:
            continue
        parent = info.path.rsplit("/", 1)[0]
        listed = next(
            (o for o in contract.operations() if o.method == "GET" and o.path == parent and o.list_key), None
        )
        if listed is not None and not listed.path_params:
            items = client.call(listed.operation_id).json().get(listed.list_key) or []
            if items and items[0].get("id"):
                ids[sole] = str(items[0]["id"])
    return {k: v for k, v in ids.items() if v}, planted


@check("ISO-FOREIGN-404")
def test_foreign_resource_answers_exactly_like_a_missing_one(
    api: ApiFactory, alice: Account, bob: Account, contract: Contract, make: MakeResource, target: Target
) -> None:
    assert_distinct_accounts(api, alice, bob)
    ids = _bob_ids(api, bob, contract, make, sampled(target, creates(contract)))
    caller = api(alice.root)  # the root user is not subject to IAM: nothing but ownership can refuse it
    mine = api(bob.root)
    reads = [o for o in contract.operations() if o.method == "GET" and o.path_params and not o.public]
    before: dict[str, tuple[dict[str, str], int]] = {}
    for info in reads:
        if all(p in ids for p in info.path_params):
            params = {p: ids[p] for p in info.path_params}
            before[info.operation_id] = (params, mine.call(info.operation_id, path_params=params).status_code)
    tried: list[str] = []
    for info in contract.operations():
        if not info.path_params or info.public or not all(p in ids for p in info.path_params):
            continue
        foreign = {p: ids[p] for p in info.path_params}
        missing = {p: missing_id(contract, info.operation_id, p) for p in info.path_params}
        body = info.request_example if info.request_schema else None
        theirs = caller.call(info.operation_id, path_params=foreign, json=body)
        nobodys = caller.call(info.operation_id, path_params=missing, json=body)
        tried.append(info.operation_id)
        not_found = documented(contract, info.operation_id, "NotFound")
        assert not 200 <= theirs.status_code < 300, (
            f"{info.operation_id} let account {alice.account_id} reach account {bob.account_id}'s "
            f"{foreign}: {describe(theirs)}"
        )
        assert theirs.status_code == not_found and nobodys.status_code == not_found, (
            f"{info.operation_id}: another account's resource and a missing one must both answer {not_found} "
            f"(seed: 404 not found, or owned by another account): foreign {describe(theirs)}; missing "
            f"{describe(nobodys)}"
        )
        assert normalise(theirs.text, foreign) == normalise(nobodys.text, missing), (
            f"{info.operation_id}: the foreign 404 body differs from the missing one (an existence oracle): "
            f"{theirs.text[:200]!r} vs {nobodys.text[:200]!r}"
        )
        assert theirs.headers.get("content-type") == nobodys.headers.get("content-type"), describe(theirs)
    skipped = [
        o.operation_id
        for o in contract.operations()
        if o.path_params and not o.public and o.operation_id not in tried
    ]
    assert tried, "no operation with an id parameter could be exercised"
    # Nothing of bob's was deleted by the attempts: each of his reads answers as it did before them.
    for operation_id, (params, status) in before.items():
        response = mine.call(operation_id, path_params=params)
        assert response.status_code == status, (
            f"after account {alice.account_id}'s attempts, bob's {operation_id} answers {describe(response)} "
            f"(before them: {status})"
        )
    if skipped and target.profile != "ci":
        inconclusive(f"{len(tried)} operations judged; no resource of the other account for {skipped}")


@check("ISO-LIST")
def test_lists_never_show_another_accounts_items(
    api: ApiFactory, alice: Account, bob: Account, contract: Contract, make: MakeResource, target: Target
) -> None:
    assert_distinct_accounts(api, alice, bob)
    kinds = sampled(target, creates(contract))
    _, theirs = _plant(api, bob, contract, make, kinds)
    mine, _ = _plant(api, alice, contract, make, kinds)  # alice's own parents, to walk the nested lists
    client = api(alice.root)
    walked: list[str] = []
    skipped: list[str] = []
    for info in contract.operations():
        if info.method != "GET" or not info.list_key or info.public:
            continue
        if not all(p in mine for p in info.path_params):
            skipped.append(info.operation_id)
            continue
        params = {p: mine[p] for p in info.path_params}
        walked.append(info.operation_id)
        for response, items in walk(client, info.operation_id, info.list_key, path_params=params, max_pages=20):
            for item in items:
                owner = item.get("account_id")
                assert owner in (None, alice.account_id), (
                    f"{info.operation_id} shows an item of account {owner} to {alice.account_id}: {item}"
                )
                shown = {str(item.get("id", item.get("name")))}
                assert not shown & theirs, (
                    f"{info.operation_id} shows bob's {sorted(shown & theirs)} to alice: {describe(response)}"
                )
    assert walked, "no list operation could be walked"
    if skipped and target.profile != "ci":
        inconclusive(f"{len(walked)} lists walked; no parent resource to walk {skipped}")
