"""Status semantics: 201 on create, created readable at once, deleted gone, 409 conflicts, 410 expiry, 403 deny.

Seed "Status codes"; the statuses themselves come from each operation's documented responses.
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import time

import httpx
import pytest

from conformance.checks import check
from conformance.contract import Contract
from conformance.contract import contract as spec_contract
from conformance.fixtures import ApiFactory, MakeResource
from conformance.identities import Account
from conformance.resources import creates
from conformance.runtime import Run, Target
from conformance.suite.support import (
    ENDING_SUFFIXES,
    bucket_name,
    describe,
    documented,
    fresh_key,
    made,
    missing_id,
    own_link,
    resource_params,
)

CREATES = [info.operation_id for info in creates(spec_contract())]


def _link(contract: Contract, create: str, suffixes: tuple[str, ...]) -> str:
    target = own_link(contract, create, suffixes)
    if target is None:
        raise KeyError(f"{create} has no link ending in {suffixes} to its own resource")
    return target


# Creates whose resource has its own get and delete (spec links): the lifecycle checks walk those.
LIFECYCLE = [
    create
    for create in CREATES
    if all(own_link(spec_contract(), create, suffixes) for suffixes in (("_get",), ENDING_SUFFIXES))
]


@check("STATUS-CREATE-201")
@pytest.mark.cnx_kinds(CREATES)
def test_create_answers_its_documented_201(
    api: ApiFactory, alice: Account, contract: Contract, make: MakeResource, create: str
) -> None:
    # make() sends the create with the spec's example body (parents created first, reference fields filled with
    # ids that exist) and asserts the documented success status.
    created = made(make, create, alice.root)
    assert created.get("id") or created.get("name"), f"{create}: the created resource has no id: {created}"


@check("STATUS-CREATE-201")
def test_public_signup_answers_its_documented_201(raw: httpx.Client, contract: Contract, target: Target) -> None:
    signup = next(o for o in contract.operations() if o.public and 201 in o.statuses)
    body = dict(signup.request_example)
    body["email"] = f"cnx-{target.run_id}-{fresh_key()[:8]}@example.com"
    response = raw.request(signup.method, contract.url(signup.operation_id), json=body)
    assert response.status_code == signup.success_status, (
        f"{signup.operation_id} with the spec's example body and a fresh email: {describe(response)}"
    )
    assert response.json().get("id"), f"{signup.operation_id}: the created account has no id: {describe(response)}"


@check("STATE-CREATED-AVAILABLE")
@pytest.mark.cnx_kinds(LIFECYCLE)
def test_created_resource_is_readable_at_once(
    api: ApiFactory, alice: Account, contract: Contract, make: MakeResource, create: str
) -> None:
    created = made(make, create, alice.root)
    get = _link(contract, create, ("_get",))
    response = api(alice.root).call(get, path_params=resource_params(contract, get, created))
    assert response.status_code == contract.op(get).success_status, (
        f"{create} answered {created}, but {get} right after: {describe(response)}"
    )
    body = response.json()
    for key in ("id", "name", "account_id"):
        if key in created:
            assert body.get(key) == created[key], f"{get} disagrees with {create} on {key}: {describe(response)}"


@check("STATE-DELETED-GONE")
@pytest.mark.cnx_kinds(LIFECYCLE)
def test_deleted_resource_stays_gone(
    api: ApiFactory, alice: Account, contract: Contract, make: MakeResource, create: str, cnx_run: Run
) -> None:
    root = api(alice.root)
    created = made(make, create, alice.root)
    get = _link(contract, create, ("_get",))
    delete = _link(contract, create, ENDING_SUFFIXES)
    # A delete the spec lets force (an ASG with its instances) is forced: the check is about the 404 afterwards.
    force = cnx_run.resources.force_params(delete)
    params = resource_params(contract, delete, created)
    deleted = root.call(delete, path_params=params, params=force)
    assert deleted.status_code == contract.op(delete).success_status, f"delete failed: {describe(deleted)}"
    cnx_run.resources.ended(delete, params)
    # Instances pass through shutting-down (cloudnx_spec.state_machines()["instance"].final): poll for the 404.
    not_found = documented(contract, get, "NotFound")
    deadline = time.monotonic() + 10.0
    while True:
        response = root.call(get, path_params=resource_params(contract, get, created))
        if response.status_code == not_found or time.monotonic() > deadline:
            break
        assert response.status_code != contract.op(get).success_status or create == "instances_create", (
            f"{create}: deleted, yet {get} still answers: {describe(response)}"
        )
        time.sleep(0.5)
    assert response.status_code == not_found, f"deleted {created.get('id')}, {get} answers {describe(response)}"


@check("STATUS-CONFLICT-409")
def test_real_conflicts_answer_409(
    api: ApiFactory, alice: Account, bob: Account, contract: Contract, make: MakeResource
) -> None:
    root = api(alice.root)
    # Bucket names are globally unique (spec BucketName), so even another account's name is taken.
    bucket = make("buckets_create", alice.root, name=bucket_name())
    again = api(bob.root).call("buckets_create", json={"name": bucket["name"]})
    assert again.status_code == documented(contract, "buckets_create", "Conflict"), (
        f"bucket name {bucket['name']} is taken: {describe(again)}"
    )
    # A VPC in use by a firewall cannot be deleted.
    firewall = make("firewalls_create", alice.root)
    busy = root.call("vpcs_delete", path_params={"vpc_id": firewall["vpc_id"]})
    assert busy.status_code == documented(contract, "vpcs_delete", "Conflict"), (
        f"VPC {firewall['vpc_id']} is used by firewall {firewall['id']}: {describe(busy)}"
    )


@check("STATUS-GONE-410")
def test_expired_invite_and_pending_token_answer_410(
    api: ApiFactory, alice: Account, bob: Account, contract: Contract, make: MakeResource
) -> None:
    lifetimes = contract.ext("lifetimes")
    ttl = max(lifetimes["invite_ttl_seconds"]["minimum"], lifetimes["pending_token_ttl_seconds"]["minimum"])
    team = make("teams_create", alice.root)
    invite = make("team_invites_create", alice.root, team_id=team["id"], email=bob.email, ttl_seconds=ttl)
    pending = make("pending_tokens_create", alice.root, purpose="email_verification", ttl_seconds=ttl)
    time.sleep(ttl + 1.0)
    accept = api(bob.root).call(
        "team_invites_accept", path_params={"invite_id": invite["id"]}, json={"token": invite["token"]}
    )
    assert accept.status_code == documented(contract, "team_invites_accept", "Gone"), (
        f"invite expired {ttl}s after creation (ttl_seconds={ttl}): {describe(accept)}"
    )
    got = api(alice.root).call("pending_tokens_get", path_params={"pending_id": pending["id"]})
    assert got.status_code == documented(contract, "pending_tokens_get", "Gone"), (
        f"pending token expired (ttl_seconds={ttl}): {describe(got)}"
    )
    confirm = api(alice.root).call(
        "pending_tokens_confirm", path_params={"pending_id": pending["id"]}, json={"token": pending["token"]}
    )
    assert confirm.status_code == documented(contract, "pending_tokens_confirm", "Gone"), (
        f"confirming an expired pending token: {describe(confirm)}"
    )


@check("STATUS-IAM-DENY-403")
def test_iam_deny_answers_403(api: ApiFactory, alice: Account, contract: Contract, make: MakeResource) -> None:
    # The restricted user may only *_get and *_list (docs/suite-internals.md): the seed's 403 for a policy deny.
    restricted = api(alice.restricted)
    vpc = make("vpcs_create", alice.root)
    readable = restricted.call("vpcs_get", path_params={"vpc_id": vpc["id"]})
    assert readable.status_code == contract.op("vpcs_get").success_status, f"allowed read: {describe(readable)}"
    attempts = [
        ("vpcs_create", {}, contract.op("vpcs_create").request_example),
        ("vpcs_delete", {"vpc_id": vpc["id"]}, None),
    ]
    for operation_id, params, body in attempts:
        response = restricted.call(operation_id, path_params=params, json=body)
        assert response.status_code == documented(contract, operation_id, "Forbidden"), (
            f"{operation_id} is not allowed by the restricted user's policy: {describe(response)}"
        )
    still = api(alice.root).call("vpcs_get", path_params={"vpc_id": vpc["id"]})
    assert still.status_code == contract.op("vpcs_get").success_status, f"a denied delete deleted: {describe(still)}"


@check("IAM-DENY-BEFORE-LOOKUP")
def test_iam_deny_precedes_lookup(api: ApiFactory, alice: Account, contract: Contract) -> None:
    # cloudnx_spec.iam_scheme().authorize_before_lookup (RECOMMENDED: the seed's 404 is true of a missing id too).
    gone = missing_id(contract, "vpcs_delete", "vpc_id")
    response = api(alice.restricted).call("vpcs_delete", path_params={"vpc_id": gone})
    assert response.status_code == documented(contract, "vpcs_delete", "Forbidden"), (
        f"a denied delete of a missing id must be refused as denied before any lookup: {describe(response)}"
    )
