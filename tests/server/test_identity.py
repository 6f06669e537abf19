"""Signup, login cookies, refresh rotation with reuse detection, logout, sessions, me."""

from __future__ import annotations

import httpx
import pytest

from .conftest import PASSWORD, Account, AccountFactory, cookie_value

pytestmark = [pytest.mark.server, pytest.mark.anyio]


def cookie_attributes(response: httpx.Response, name: str) -> dict[str, str]:
    header = next(h for h in response.headers.get_list("set-cookie") if h.startswith(name + "="))
    attrs = {}
    for part in header.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        attrs[key.lower()] = value
    return attrs


async def test_signup_conflict_on_taken_email(client: httpx.AsyncClient) -> None:
    body = {"email": "Dup@Example.com", "password": PASSWORD}
    assert (await client.post("/auth/signup", json=body)).status_code == 201
    again = await client.post("/auth/signup", json={**body, "email": "dup@example.com"})
    assert again.status_code == 409


async def test_login_sets_secure_cookies(client: httpx.AsyncClient) -> None:
    await client.post("/auth/signup", json={"email": "c@example.com", "password": PASSWORD})
    response = await client.post("/auth/login", json={"email": "c@example.com", "password": PASSWORD})
    assert response.status_code == 200
    access = cookie_attributes(response, "cnx_access")
    refresh = cookie_attributes(response, "cnx_refresh")
    for attrs in (access, refresh):
        assert {"httponly", "secure"} <= set(attrs)
        assert attrs["samesite"] == "Strict"
    assert access["max-age"] == "900"
    assert access["path"] == "/"
    assert refresh["max-age"] == "2592000"
    assert refresh["path"] == "/auth"


async def test_wrong_password_and_unknown_email_look_the_same(client: httpx.AsyncClient) -> None:
    await client.post("/auth/signup", json={"email": "w@example.com", "password": PASSWORD})
    wrong = await client.post("/auth/login", json={"email": "w@example.com", "password": "x" * 12})
    unknown = await client.post("/auth/login", json={"email": "nobody@example.com", "password": "x" * 12})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


async def test_cookie_and_bearer_both_work(client: httpx.AsyncClient, account_factory: AccountFactory) -> None:
    account: Account = await account_factory()
    for headers in (account.cookie, account.bearer):
        me = await client.get("/auth/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["id"] == account.user_id


async def test_refresh_rotates_and_reuse_revokes_the_session(
    client: httpx.AsyncClient, account_factory: AccountFactory
) -> None:
    account: Account = await account_factory()
    first = await client.post("/auth/refresh", headers={"Cookie": f"cnx_refresh={account.refresh}"})
    assert first.status_code == 200, first.text
    new_refresh, new_access = cookie_value(first, "cnx_refresh"), cookie_value(first, "cnx_access")
    assert new_refresh != account.refresh
    assert (await client.get("/auth/me", headers={"Cookie": f"cnx_access={new_access}"})).status_code == 200
    # Replaying the rotated token is theft (RFC 9700): the whole session dies, new tokens included.
    replay = await client.post("/auth/refresh", headers={"Cookie": f"cnx_refresh={account.refresh}"})
    assert replay.status_code == 401
    assert (await client.post("/auth/refresh", headers={"Cookie": f"cnx_refresh={new_refresh}"})).status_code == 401
    assert (await client.get("/auth/me", headers={"Cookie": f"cnx_access={new_access}"})).status_code == 401


async def test_logout_clears_cookies_and_revokes(client: httpx.AsyncClient, account_factory: AccountFactory) -> None:
    account: Account = await account_factory()
    response = await client.post("/auth/logout", headers=account.cookie)
    assert response.status_code == 200
    assert response.json() == {"status": "logged_out"}
    assert cookie_attributes(response, "cnx_access")["max-age"] == "0"
    assert cookie_attributes(response, "cnx_refresh")["max-age"] == "0"
    assert (await client.get("/auth/me", headers=account.cookie)).status_code == 401
    refresh = await client.post("/auth/refresh", headers={"Cookie": f"cnx_refresh={account.refresh}"})
    assert refresh.status_code == 401


async def test_sessions_list_and_revoke(client: httpx.AsyncClient, account_factory: AccountFactory) -> None:
    account: Account = await account_factory()
    second = await client.post("/auth/login", json={"email": account.email, "password": PASSWORD})
    other_session = second.json()["session_id"]
    listed = (await client.get("/auth/sessions", headers=account.cookie)).json()["sessions"]
    assert {s["id"] for s in listed} == {account.session_id, other_session}
    assert [s["current"] for s in listed if s["id"] == account.session_id] == [True]
    revoked = await client.delete(f"/auth/sessions/{other_session}", headers=account.cookie)
    assert revoked.status_code == 200
    other_access = cookie_value(second, "cnx_access")
    assert (await client.get("/auth/me", headers={"Cookie": f"cnx_access={other_access}"})).status_code == 401
    assert (await client.delete(f"/auth/sessions/{other_session}", headers=account.cookie)).status_code == 404


async def test_other_accounts_session_is_404(client: httpx.AsyncClient, account_factory: AccountFactory) -> None:
    alice: Account = await account_factory()
    bob: Account = await account_factory()
    foreign = await client.delete(f"/auth/sessions/{bob.session_id}", headers=alice.cookie)
    missing = await client.delete("/auth/sessions/ses-0000000000000000", headers=alice.cookie)
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json()["error"].replace(bob.session_id, "X") == missing.json()["error"].replace(
        "ses-0000000000000000", "X"
    )


async def test_me_update(client: httpx.AsyncClient, account_factory: AccountFactory) -> None:
    account: Account = await account_factory()
    response = await client.patch("/auth/me", json={"display_name": "Ada L"}, headers=account.cookie)
    assert response.status_code == 200
    assert response.json()["display_name"] == "Ada L"
