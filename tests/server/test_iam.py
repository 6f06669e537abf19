"""IAM: policy evaluation rules (pure) and their enforcement on IAM users (403 before lookup, root exempt)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reference_server.platform.iam import RequestContext, evaluate, wildcard_match

from .conftest import Account, AccountFactory

pytestmark = pytest.mark.server

ACCOUNT = "acc-0a1b2c3d4e5f6789"


def ctx(action: str = "compute:instances_get", resource: str = "", **conditions: str) -> RequestContext:
    values = {"cnx:SourceIp": "10.1.2.3", "cnx:PrincipalId": "iamu-1", "cnx:Service": "compute"}
    values |= {"cnx:AuthMethod": "bearer"} | {f"cnx:{k}": v for k, v in conditions.items()}
    return RequestContext(action, resource or f"crn:cloudnx:compute:in-mum:{ACCOUNT}:instance/i-1", values)


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any = "*", resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_default_deny() -> None:
    assert evaluate([], ctx()) == "implicit-deny"
    assert evaluate([doc(allow("storage:*"))], ctx()) == "implicit-deny"


def test_allow_and_explicit_deny_wins_across_policies() -> None:
    assert evaluate([doc(allow("compute:*"))], ctx()) == "allow"
    assert evaluate([doc(allow("compute:*")), doc(deny("compute:instances_get"))], ctx()) == "deny"
    assert evaluate([doc(deny("compute:instances_delete"), allow())], ctx()) == "allow"


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("compute:instances_*", "compute:instances_get", True),
        ("compute:instances_?et", "compute:instances_get", True),
        ("compute:instances_?", "compute:instances_get", False),
        ("*", "anything:at_all", True),
        ("crn:cloudnx:compute:in-mum:*:instance/*", f"crn:cloudnx:compute:in-mum:{ACCOUNT}:instance/i-1", True),
        ("crn:cloudnx:compute:in-mum:acc-other:*", f"crn:cloudnx:compute:in-mum:{ACCOUNT}:instance/i-1", False),
        ("a.b", "axb", False),
    ],
)
def test_wildcards(pattern: str, value: str, expected: bool) -> None:
    assert wildcard_match(pattern, value) is expected


def test_actions_match_case_insensitively_resources_do_not() -> None:
    assert evaluate([doc(allow("COMPUTE:Instances_Get"))], ctx()) == "allow"
    upper = f"CRN:CLOUDNX:COMPUTE:IN-MUM:{ACCOUNT.upper()}:INSTANCE/I-1"
    assert evaluate([doc(allow("*", upper))], ctx()) == "implicit-deny"


def test_lists_of_actions_and_resources() -> None:
    statement = allow(["storage:*", "compute:instances_get"], ["crn:x", f"crn:cloudnx:compute:in-mum:{ACCOUNT}:*"])
    assert evaluate([doc(statement)], ctx()) == "allow"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"IpAddress": {"cnx:SourceIp": "10.0.0.0/8"}}, "allow"),
        ({"IpAddress": {"cnx:SourceIp": ["192.168.0.0/16", "10.1.2.3/32"]}}, "allow"),
        ({"NotIpAddress": {"cnx:SourceIp": "10.0.0.0/8"}}, "implicit-deny"),
        ({"StringEquals": {"cnx:AuthMethod": "sigv4"}}, "implicit-deny"),
        ({"StringEquals": {"cnx:AuthMethod": ["sigv4", "bearer"]}}, "allow"),
        ({"StringNotEquals": {"cnx:Service": "storage"}}, "allow"),
        ({"StringLike": {"cnx:PrincipalId": "iamu-*"}}, "allow"),
        ({"StringLike": {"cnx:PrincipalId": "usr-*"}, "IpAddress": {"cnx:SourceIp": "10.0.0.0/8"}}, "implicit-deny"),
    ],
)
def test_conditions(condition: dict[str, Any], expected: str) -> None:
    assert evaluate([doc(allow(Condition=condition))], ctx()) == expected


def test_conditional_deny_only_applies_when_its_condition_holds() -> None:
    policy = doc(allow(), deny(Condition={"NotIpAddress": {"cnx:SourceIp": "10.0.0.0/8"}}))
    assert evaluate([policy], ctx()) == "allow"
    assert evaluate([policy], ctx(SourceIp="203.0.113.9")) == "deny"


# -- enforcement over the API ---------------------------------------------------------------------------------


async def iam_user_token(client: httpx.AsyncClient, root: Account, document: dict[str, Any] | None) -> str:
    user = (await client.post("/auth/iam/users", json={"name": "worker"}, headers=root.cookie)).json()
    if document is not None:
        policy = await client.post(
            "/auth/iam/policies", json={"name": "p1", "document": document}, headers=root.cookie
        )
        assert policy.status_code == 201, policy.text
        attach = await client.put(f"/auth/iam/users/{user['id']}/policies/{policy.json()['id']}", headers=root.cookie)
        assert attach.status_code == 200, attach.text
    key = (await client.post(f"/auth/iam/users/{user['id']}/access-keys", json={}, headers=root.cookie)).json()
    exchanged = await client.post(
        "/auth/iam/exchange-credentials",
        json={"access_key_id": key["id"], "secret_access_key": key["secret_access_key"]},
    )
    assert exchanged.status_code == 200, exchanged.text
    assert exchanged.json()["expires_in"] == 900
    return str(exchanged.json()["access_token"])


@pytest.mark.anyio
async def test_iam_user_is_denied_by_default_and_before_lookup(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    root = await account_factory()
    token = await iam_user_token(client, root, None)
    bearer = {"Authorization": f"Bearer {token}"}
    team = (await client.post("/auth/teams", json={"name": "t"}, headers=root.cookie)).json()
    existing = await client.get(f"/auth/teams/{team['id']}", headers=bearer)
    missing = await client.get("/auth/teams/team-0000000000000000", headers=bearer)
    assert existing.status_code == missing.status_code == 403


@pytest.mark.anyio
async def test_allowed_iam_user_gets_404_for_missing_and_root_is_exempt(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    root = await account_factory()
    scoped = doc(allow("auth:teams_*", f"crn:cloudnx:auth:in-mum:{root.account_id}:team/*"))
    bearer = {"Authorization": f"Bearer {await iam_user_token(client, root, scoped)}"}
    created = await client.post("/auth/teams", json={"name": "by-iam"}, headers=bearer)
    assert created.status_code == 201, created.text
    assert (await client.get("/auth/teams/team-0000000000000000", headers=bearer)).status_code == 404
    assert (await client.get("/auth/iam/users", headers=bearer)).status_code == 403
    assert (await client.get("/auth/iam/users", headers=root.cookie)).status_code == 200


@pytest.mark.anyio
async def test_policy_changes_apply_to_the_next_request(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    root = await account_factory()
    bearer = {"Authorization": f"Bearer {await iam_user_token(client, root, doc(allow('auth:teams_list')))}"}
    assert (await client.get("/auth/teams", headers=bearer)).status_code == 200
    policy_id = (await client.get("/auth/iam/policies", headers=root.cookie)).json()["iam_policies"][0]["id"]
    update = {"document": doc(allow("auth:teams_list"), deny("auth:teams_list"))}
    assert (
        await client.patch(f"/auth/iam/policies/{policy_id}", json=update, headers=root.cookie)
    ).status_code == 200
    assert (await client.get("/auth/teams", headers=bearer)).status_code == 403
    assert (await client.delete(f"/auth/iam/policies/{policy_id}", headers=root.cookie)).status_code == 409


@pytest.mark.anyio
async def test_access_key_lifecycle_and_deleted_user_tokens(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    root = await account_factory()
    user = (await client.post("/auth/iam/users", json={"name": "k"}, headers=root.cookie)).json()
    base = f"/auth/iam/users/{user['id']}/access-keys"
    first = (await client.post(base, json={}, headers=root.cookie)).json()
    assert (await client.post(base, json={}, headers=root.cookie)).status_code == 201
    assert (await client.post(base, json={}, headers=root.cookie)).status_code == 409  # at most 2 per user
    listed = (await client.get(base, headers=root.cookie)).json()["access_keys"]
    assert all("secret_access_key" not in k for k in listed)
    creds = {"access_key_id": first["id"], "secret_access_key": first["secret_access_key"]}
    patched = await client.patch(f"{base}/{first['id']}", json={"status": "Inactive"}, headers=root.cookie)
    assert patched.json()["status"] == "Inactive"
    assert (await client.post("/auth/iam/exchange-credentials", json=creds)).status_code == 401
    await client.patch(f"{base}/{first['id']}", json={"status": "Active"}, headers=root.cookie)
    token = (await client.post("/auth/iam/exchange-credentials", json=creds)).json()["access_token"]
    # No policy attached: authenticated (403, not 401) but denied by default.
    assert (await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 403
    assert (await client.delete(f"/auth/iam/users/{user['id']}", headers=root.cookie)).status_code == 200
    assert (await client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})).status_code == 401
    assert (await client.post("/auth/iam/exchange-credentials", json=creds)).status_code == 401
