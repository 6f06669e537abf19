"""Auth resources: pagination (opaque, signed, insert-stable), teams and invites (410 after ttl, 404 for the
wrong invitee), pending tokens, billing from recorded usage, the audit log, tenant isolation."""

from __future__ import annotations

import httpx
import pytest

from reference_server.app import PlatformApp

from .conftest import PASSWORD, AccountFactory, cookie_value

pytestmark = [pytest.mark.server, pytest.mark.anyio]


async def test_cursor_walk_is_stable_under_inserts_and_forgery_is_400(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    root = await account_factory()
    for i in range(7):
        await client.post("/auth/iam/users", json={"name": f"u{i}"}, headers=root.cookie)
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": "3", **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/auth/iam/users", params=params, headers=root.cookie)).json()
        seen += [u["name"] for u in page["iam_users"]]
        await client.post("/auth/iam/users", json={"name": f"late{len(seen)}"}, headers=root.cookie)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    originals = [f"u{i}" for i in range(7)]
    assert [n for n in seen if n in originals] == originals
    assert len(seen) == len(set(seen))
    first = (await client.get("/auth/iam/users", params={"limit": "1"}, headers=root.cookie)).json()["next_cursor"]
    forged = first[:-2] + ("AA" if not first.endswith("AA") else "BB")
    assert (await client.get("/auth/iam/users", params={"cursor": forged}, headers=root.cookie)).status_code == 400
    other_list = await client.get("/auth/teams", params={"cursor": first}, headers=root.cookie)
    assert other_list.status_code == 400


async def test_invite_lifecycle(app: PlatformApp, client: httpx.AsyncClient, account_factory: AccountFactory) -> None:
    owner, invitee, stranger = await account_factory(), await account_factory(), await account_factory()
    team = (await client.post("/auth/teams", json={"name": "core"}, headers=owner.cookie)).json()
    base = f"/auth/teams/{team['id']}/invites"
    invite = (await client.post(base, json={"email": invitee.email, "ttl_seconds": 5}, headers=owner.cookie)).json()
    assert (await client.post(base, json={"email": invitee.email}, headers=owner.cookie)).status_code == 409
    listed = (await client.get(base, headers=owner.cookie)).json()["invites"]
    assert all("token" not in i for i in listed)
    accept = f"/auth/invites/{invite['id']}/accept"
    wrong_person = await client.post(accept, json={"token": invite["token"]}, headers=stranger.cookie)
    assert wrong_person.status_code == 404
    wrong_token = await client.post(accept, json={"token": "x" * 40}, headers=invitee.cookie)
    assert wrong_token.status_code == 404
    app.ctx.clock.advance(6)
    fresh = await client.post("/auth/login", json={"email": invitee.email, "password": PASSWORD})
    invitee_cookie = {"Cookie": f"cnx_access={cookie_value(fresh, 'cnx_access')}"}
    assert (await client.post(accept, json={"token": invite["token"]}, headers=invitee_cookie)).status_code == 410
    owner_login = await client.post("/auth/login", json={"email": owner.email, "password": PASSWORD})
    owner_cookie = {"Cookie": f"cnx_access={cookie_value(owner_login, 'cnx_access')}"}
    second = (await client.post(base, json={"email": invitee.email}, headers=owner_cookie)).json()
    accept2 = f"/auth/invites/{second['id']}/accept"
    joined = await client.post(accept2, json={"token": second["token"]}, headers=invitee_cookie)
    assert joined.status_code == 200, joined.text
    assert joined.json()["user_id"] == invitee.user_id
    assert (await client.post(accept2, json={"token": second["token"]}, headers=invitee_cookie)).status_code == 409
    members = (await client.get(f"/auth/teams/{team['id']}/members", headers=owner_cookie)).json()["members"]
    assert {m["role"] for m in members} == {"owner", "member"}
    last_owner = await client.delete(f"/auth/teams/{team['id']}/members/{owner.user_id}", headers=owner_cookie)
    assert last_owner.status_code == 409
    third = (await client.post(base, json={"email": stranger.email}, headers=owner_cookie)).json()
    assert (await client.delete(f"{base}/{third['id']}", headers=owner_cookie)).status_code == 200
    revoked = await client.post(f"/auth/invites/{third['id']}/accept", json={"token": third["token"]})
    assert revoked.status_code == 401  # no credentials
    stranger_login = await client.post("/auth/login", json={"email": stranger.email, "password": PASSWORD})
    stranger_cookie = {"Cookie": f"cnx_access={cookie_value(stranger_login, 'cnx_access')}"}
    revoked = await client.post(
        f"/auth/invites/{third['id']}/accept", json={"token": third["token"]}, headers=stranger_cookie
    )
    assert revoked.status_code == 410


async def test_pending_token_expires_into_410(
    app: PlatformApp, client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    root = await account_factory()
    created = await client.post(
        "/auth/pending-tokens", json={"purpose": "email_verification", "ttl_seconds": 2}, headers=root.cookie
    )
    assert created.status_code == 201
    token = created.json()
    path = f"/auth/pending-tokens/{token['id']}"
    assert (await client.get(path, headers=root.cookie)).json()["status"] == "pending"
    assert (await client.post(f"{path}/confirm", json={"token": "y" * 40}, headers=root.cookie)).status_code == 404
    confirmed = await client.post(f"{path}/confirm", json={"token": token["token"]}, headers=root.cookie)
    assert confirmed.json()["status"] == "confirmed"
    assert (await client.get("/auth/me", headers=root.cookie)).json()["email_verified"] is True
    again = await client.post(f"{path}/confirm", json={"token": token["token"]}, headers=root.cookie)
    assert again.status_code == 409
    other = (
        await client.post(
            "/auth/pending-tokens", json={"purpose": "cli_authorization", "ttl_seconds": 1}, headers=root.cookie
        )
    ).json()
    app.ctx.clock.advance(2)
    fresh = await client.post("/auth/login", json={"email": root.email, "password": PASSWORD})
    cookie = {"Cookie": f"cnx_access={cookie_value(fresh, 'cnx_access')}"}
    assert (await client.get(f"/auth/pending-tokens/{other['id']}", headers=cookie)).status_code == 410


async def test_billing_is_computed_from_recorded_usage(
    app: PlatformApp, client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    root = await account_factory()
    app.ctx.usage.record(root.account_id, "compute", "instance-seconds:cnx.small", 3600)
    app.ctx.usage.record(root.account_id, "compute", "instance-seconds:cnx.small", 1800.5)
    invoices = (await client.get("/auth/billing/invoices", headers=root.cookie)).json()["invoices"]
    assert invoices[0]["status"] == "open"
    line = next(line for line in invoices[0]["lines"] if line["metric"] == "instance-seconds:cnx.small")
    assert line["quantity"] == 5401
    assert line["amount_minor"] == line["quantity"] * line["unit_price_minor"]
    assert invoices[0]["total_minor"] == sum(line["amount_minor"] for line in invoices[0]["lines"])
    account = (await client.get("/auth/billing/account", headers=root.cookie)).json()
    assert account["balance_due_minor"] == invoices[0]["total_minor"]
    got = await client.get(f"/auth/billing/invoices/{invoices[0]['id']}", headers=root.cookie)
    assert got.json() == invoices[0]


async def test_audit_log_records_mutations_with_outcome_and_filters(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    root, other = await account_factory(), await account_factory()
    await client.post("/auth/teams", json={"name": "audited"}, headers=root.cookie)
    await client.post("/auth/teams", json={"name": "audited"}, headers=root.cookie)  # 409
    await client.delete("/compute/instances/i-0000000000000000", headers=root.cookie)  # another service, 404
    events = (await client.get("/auth/audit-logs", headers=root.cookie)).json()["events"]
    actions = [(e["action"], e["status_code"], e["outcome"]) for e in events]
    assert ("auth:teams_create", 201, "success") in actions
    assert ("auth:teams_create", 409, "failure") in actions
    assert any(a.startswith("compute:") and s == 404 for a, s, _ in actions)
    assert all(e["account_id"] == root.account_id for e in events)
    failures = (await client.get("/auth/audit-logs", params={"outcome": "failure"}, headers=root.cookie)).json()
    assert {e["outcome"] for e in failures["events"]} == {"failure"}
    one = events[0]
    assert (await client.get(f"/auth/audit-logs/{one['id']}", headers=root.cookie)).json() == one
    assert (await client.get(f"/auth/audit-logs/{one['id']}", headers=other.cookie)).status_code == 404


async def test_other_accounts_resources_are_404_on_every_verb(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    alice, bob = await account_factory(), await account_factory()
    team = (await client.post("/auth/teams", json={"name": "private"}, headers=alice.cookie)).json()
    for method, json_body in (("GET", None), ("PATCH", {"name": "stolen"}), ("DELETE", None)):
        foreign = await client.request(method, f"/auth/teams/{team['id']}", json=json_body, headers=bob.cookie)
        missing = await client.request(
            method, "/auth/teams/team-0000000000000000", json=json_body, headers=bob.cookie
        )
        assert foreign.status_code == missing.status_code == 404
        assert foreign.json()["error"].replace(team["id"], "X") == missing.json()["error"].replace(
            "team-0000000000000000", "X"
        )
    assert (await client.get("/auth/teams", headers=bob.cookie)).json()["teams"] == []
