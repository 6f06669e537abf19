"""Tenant isolation (BOLA, OWASP API1:2023): another account's resources are invisible.

Seed "Status codes": 404 means "not found, or owned by another account"; the spec's path parameters say the two
are indistinguishable. The matrix walks every operation of the spec with an id parameter, on every verb.
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import re
from typing import Any

from conformance.checks import check
from conformance.suite.support import bucket_name, describe, made, missing_id, normalise, path_param_schema, walk

# Creates whose results give bob's ids; the framework creates parents (a rule's firewall, a key's IAM user).
OWNED = (
    "vpcs_create",
    "firewall_rules_create",
    "instances_create",
    "volumes_create",
    "snapshots_create",
    "eips_allocate",
    "load_balancers_create",
    "asgs_create",
    "iam_policies_create",
    "access_keys_create",
    "teams_create",
    "team_invites_create",
    "pending_tokens_create",
    "buckets_create",
    "bucket_keys_create",
)


def _bob_ids(api: Any, bob: Any, contract: Any, make: Any) -> dict[str, str]:
    """Path parameter name -> one of bob's ids for it."""
    ids: dict[str, str] = {"session_id": bob.root.session_id or "", "user_id": bob.root.principal_id}
    for create in OWNED:
        created = made(make, create, bob.root)
        for key, value in created.items():
            if isinstance(value, str) and (key.endswith("_id") or key == "bucket_name"):
                ids.setdefault(key, value)
        own = next((t for t in contract.op(create).links.values() if t.endswith("_get")), None)
        if own is not None:
            param = contract.op(own).path_params[-1]
            value = str(created.get("id", created.get("name")))
            # A link may point at the parent's get (a rule links to its firewall): keep ids of the right shape.
            pattern = path_param_schema(contract, own, param).get("pattern")
            if pattern is None or re.fullmatch(pattern, value):
                ids[param] = value
    client = api(bob.root)
    for list_op, param in (("audit_logs_list", "event_id"), ("invoices_list", "invoice_id")):
        items = client.call(list_op).json().get(contract.op(list_op).list_key) or []
        if items:
            ids[param] = items[0]["id"]
    return {k: v for k, v in ids.items() if v}


@check("ISO-FOREIGN-404")
def test_foreign_resource_answers_exactly_like_a_missing_one(
    api: Any, alice: Any, bob: Any, contract: Any, make: Any
) -> None:
    ids = _bob_ids(api, bob, contract, make)
    caller = api(alice.root)  # the root user is not subject to IAM: nothing but ownership can refuse it
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
        assert theirs.status_code < 300 or theirs.status_code == nobodys.status_code, (
            f"{info.operation_id} on another account's resource answers differently from a missing one: "
            f"{describe(theirs)} vs {describe(nobodys)}"
        )
        assert not 200 <= theirs.status_code < 300, (
            f"{info.operation_id} let account {alice.account_id} reach account {bob.account_id}'s "
            f"{foreign}: {describe(theirs)}"
        )
        assert normalise(theirs.text, foreign) == normalise(nobodys.text, missing), (
            f"{info.operation_id}: the foreign 404 body differs from the missing one (an existence oracle): "
            f"{theirs.text[:200]!r} vs {nobodys.text[:200]!r}"
        )
        if theirs.status_code >= 400 and info.method in ("GET", "DELETE"):
            assert theirs.status_code == nobodys.status_code, describe(theirs)
    assert tried, "no operation with an id parameter could be exercised"
    # Nothing of bob's was changed or deleted by the attempts.
    mine = api(bob.root)
    for info in contract.operations():
        if (
            info.method == "GET"
            and info.path_params
            and all(p in ids for p in info.path_params)
            and info.operation_id in ("vpcs_get", "buckets_get", "teams_get", "iam_policies_get")
        ):
            response = mine.call(info.operation_id, path_params={p: ids[p] for p in info.path_params})
            assert response.status_code == info.success_status, f"bob lost his resource: {describe(response)}"


@check("ISO-LIST")
def test_lists_never_show_another_accounts_items(api: Any, alice: Any, bob: Any, contract: Any, make: Any) -> None:
    theirs = {str(made(make, create, bob.root).get("id")) for create in ("vpcs_create", "teams_create")}
    theirs.add(str(make("buckets_create", bob.root, name=bucket_name())["name"]))
    make("vpcs_create", alice.root)
    client = api(alice.root)
    for info in contract.operations():
        if info.method != "GET" or not info.list_key or info.path_params:
            continue
        for response, items in walk(client, info.operation_id, info.list_key, max_pages=20):
            for item in items:
                owner = item.get("account_id")
                assert owner in (None, alice.account_id), (
                    f"{info.operation_id} shows an item of account {owner} to {alice.account_id}: {item}"
                )
                assert str(item.get("id", item.get("name"))) not in theirs, (
                    f"{info.operation_id} shows bob's {item.get('id', item.get('name'))} to alice: "
                    f"{describe(response)}"
                )
