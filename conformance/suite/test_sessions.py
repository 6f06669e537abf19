"""Sessions and credentials: cookie attributes and lifetimes, logout, refresh rotation and reuse detection,
access-key secrets shown once, exchange-credentials.

Seed "Authentication"; spec ``cloudnx_spec.operation("auth_login").cookies``, ``cloudnx_spec.lifetimes()``;
RFC 6265 §4.1 (cookie attributes); RFC 9700 §4.14.2 (refresh token rotation and reuse detection).
"""

# ruff: noqa: S101, PT018 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie

import httpx

import cloudnx_spec
from conformance.checks import check
from conformance.contract import Contract
from conformance.fixtures import ApiFactory, MakeResource
from conformance.identities import Account
from conformance.suite.support import describe, documented, made

_EXPIRES_SLACK_SECONDS = 2


def _login(raw: httpx.Client, contract: Contract, account: Account) -> httpx.Response:
    response = raw.post(contract.url("auth_login"), json={"email": account.email, "password": account.password})
    assert response.status_code == contract.op("auth_login").success_status, f"login: {describe(response)}"
    return response


def _cookies(response: httpx.Response) -> dict[str, dict[str, str]]:
    """Cookie name -> its attributes (lower-case names; flags map to ""), plus "value"."""
    found: dict[str, dict[str, str]] = {}
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        value, *attributes = rest.split(";")
        attrs = {"value": value.strip()}
        for attribute in attributes:
            key, _, val = attribute.strip().partition("=")
            attrs[key.lower()] = val
        found[name.strip()] = attrs
    return found


def _cookie_header(response: httpx.Response) -> str:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return "; ".join(f"{k}={m.value}" for k, m in jar.items())


@check("COOKIE-FLAGS")
def test_session_cookies_are_httponly(raw: httpx.Client, alice: Account, contract: Contract) -> None:
    cookies = _cookies(_login(raw, contract, alice))
    for expected in cloudnx_spec.operation("auth_login").cookies:
        name = expected.name
        assert name in cookies, f"login sets no {name} cookie (seed: cnx_access and cnx_refresh HttpOnly cookies)"
        got = cookies[name]
        assert ("httponly" in got) == expected.http_only, f"{name}: HttpOnly expected {expected}, got {got}"


@check("COOKIE-ATTRIBUTES")
def test_session_cookies_are_secure_samesite_with_their_path(
    raw: httpx.Client, alice: Account, contract: Contract
) -> None:
    cookies = _cookies(_login(raw, contract, alice))
    for expected in cloudnx_spec.operation("auth_login").cookies:
        name = expected.name
        got = cookies.get(name, {})
        assert ("secure" in got) == expected.secure, f"{name}: Secure expected, got {got}"
        assert got.get("samesite", "").lower() == expected.same_site.lower(), f"{name}: SameSite, got {got}"
        assert got.get("path", "/") == expected.path, f"{name}: Path {expected.path} expected, got {got}"


def _lifetime(attributes: dict[str, str], sent: str | None) -> float | None:
    """Seconds a cookie lives: Max-Age wins over Expires (RFC 6265 §5.3 step 3), Expires counts from Date."""
    if "max-age" in attributes:
        return float(attributes["max-age"]) if attributes["max-age"].lstrip("-").isdigit() else None
    if "expires" not in attributes:
        return None
    try:
        expires = parsedate_to_datetime(attributes["expires"])
        now = parsedate_to_datetime(sent) if sent else datetime.now(UTC)
    except (TypeError, ValueError):
        return None
    return (expires - now).total_seconds()


@check("COOKIE-LIFETIME")
def test_session_cookie_lifetimes(raw: httpx.Client, alice: Account, contract: Contract) -> None:
    lifetimes = contract.lifetimes
    login = _login(raw, contract, alice)
    cookies = _cookies(login)
    declared = {cookie.name: cookie for cookie in cloudnx_spec.operation("auth_login").cookies}
    expected = {"cnx_access": lifetimes.access_token_seconds, "cnx_refresh": lifetimes.refresh_token_seconds}
    for name, seconds in expected.items():
        assert declared[name].max_age == seconds, f"spec disagrees with itself on {name}"
        got = _lifetime(cookies.get(name, {}), login.headers.get("date"))
        # Expires has one-second resolution and Date may be a second older than the cookie: allow 2 s.
        assert got is not None and abs(got - seconds) <= _EXPIRES_SLACK_SECONDS, (
            f"{name} must live {seconds} s by Max-Age or Expires (seed: 15 min / 30 days), got {cookies.get(name)}"
        )


@check("AUTH-LOGOUT")
def test_logout_clears_cookies_and_revokes_the_session(raw: httpx.Client, alice: Account, contract: Contract) -> None:
    login = _login(raw, contract, alice)
    session = _cookie_header(login)
    before = raw.get(contract.url("auth_me_get"), headers={"Cookie": session})
    assert before.status_code == contract.op("auth_me_get").success_status, f"fresh session: {describe(before)}"
    out = raw.post(contract.url("auth_logout"), headers={"Cookie": session})
    assert out.status_code == contract.op("auth_logout").success_status, f"logout: {describe(out)}"
    cleared = _cookies(out)
    for name in ("cnx_access", "cnx_refresh"):
        assert cleared.get(name, {}).get("max-age") == "0" or "expires" in cleared.get(name, {}), (
            f"logout must clear {name} (Max-Age=0): {cleared.get(name)}"
        )
    me = raw.get(contract.url("auth_me_get"), headers={"Cookie": session})
    assert me.status_code == documented(contract, "auth_me_get", "Unauthorized"), (
        f"the access token of a logged-out session still works: {describe(me)}"
    )
    again = raw.post(contract.url("auth_refresh"), headers={"Cookie": session})
    assert again.status_code == documented(contract, "auth_refresh", "Unauthorized"), (
        f"the refresh token of a logged-out session still refreshes: {describe(again)}"
    )


@check("AUTH-REFRESH-ROTATION")
def test_refresh_rotates_the_refresh_token(raw: httpx.Client, alice: Account, contract: Contract) -> None:
    first = _cookies(_login(raw, contract, alice))
    old = f"cnx_refresh={first['cnx_refresh']['value']}"
    rotated = raw.post(contract.url("auth_refresh"), headers={"Cookie": old})
    assert rotated.status_code == contract.op("auth_refresh").success_status, f"refresh: {describe(rotated)}"
    new = _cookies(rotated)
    assert new.get("cnx_refresh", {}).get("value") not in (None, "", first["cnx_refresh"]["value"]), (
        f"refresh must hand out a new refresh token (RFC 9700 §4.14.2): {new.get('cnx_refresh')}"
    )
    me = raw.get(contract.url("auth_me_get"), headers={"Cookie": f"cnx_access={new['cnx_access']['value']}"})
    assert me.status_code == contract.op("auth_me_get").success_status, f"the refreshed token fails: {describe(me)}"


@check("AUTH-REFRESH-REUSE")
def test_reused_refresh_token_revokes_the_session(raw: httpx.Client, alice: Account, contract: Contract) -> None:
    first = _cookies(_login(raw, contract, alice))
    old = f"cnx_refresh={first['cnx_refresh']['value']}"
    rotated = raw.post(contract.url("auth_refresh"), headers={"Cookie": old})
    assert rotated.status_code == contract.op("auth_refresh").success_status, f"refresh: {describe(rotated)}"
    successor = f"cnx_refresh={_cookies(rotated)['cnx_refresh']['value']}"
    reuse = raw.post(contract.url("auth_refresh"), headers={"Cookie": old})
    assert reuse.status_code == documented(contract, "auth_refresh", "Unauthorized"), (
        f"an already-rotated refresh token was accepted (RFC 9700 §4.14.2 reuse detection): {describe(reuse)}"
    )
    after = raw.post(contract.url("auth_refresh"), headers={"Cookie": successor})
    assert after.status_code == documented(contract, "auth_refresh", "Unauthorized"), (
        f"after a reuse the whole session must be revoked, yet its newest refresh token works: {describe(after)}"
    )


@check("AUTH-SECRET-ONCE")
def test_access_key_secret_only_in_the_create_response(
    api: ApiFactory, alice: Account, contract: Contract, make: MakeResource
) -> None:
    root = api(alice.root)
    for create, get, list_op in (
        ("access_keys_create", "access_keys_get", "access_keys_list"),
        ("bucket_keys_create", "bucket_keys_get", "bucket_keys_list"),
    ):
        key = made(make, create, alice.root)
        secret = key.get("secret_access_key")
        assert isinstance(secret, str) and secret, f"{create} must show the secret once: {key}"
        parent = {p: key[p] for p in contract.op(list_op).path_params if p in key}
        if "bucket_name" in contract.op(list_op).path_params and "bucket_name" not in parent:
            parent["bucket_name"] = key["bucket_name"]
        for response in (
            root.call(get, path_params={**parent, contract.op(get).path_params[-1]: key["id"]}),
            root.call(list_op, path_params=parent),
        ):
            assert response.status_code == contract.op(get).success_status, describe(response)
            assert secret not in response.text and "secret_access_key" not in response.text, (
                f"the secret appears again after creation (seed: you'll see the secret once): {describe(response)}"
            )


@check("AUTH-EXCHANGE")
def test_exchange_credentials_gives_a_working_bearer(raw: httpx.Client, alice: Account, contract: Contract) -> None:
    admin = alice.admin
    reply = raw.post(
        contract.url("iam_exchange_credentials"),
        json={"access_key_id": admin.access_key_id, "secret_access_key": admin.secret},
    )
    assert reply.status_code == contract.op("iam_exchange_credentials").success_status, describe(reply)
    body = reply.json()
    assert body.get("expires_in") == contract.lifetimes.exchange_token_seconds, describe(reply)
    bearer = {"Authorization": f"{body['token_type']} {body['access_token']}"}
    for operation_id in ("auth_me_get", "vpcs_list", "buckets_list"):
        response = raw.get(contract.url(operation_id), headers=bearer)
        assert response.status_code == contract.op(operation_id).success_status, (
            f"the exchanged token must work on every service: {describe(response)}"
        )
    me = raw.get(contract.url("auth_me_get"), headers=bearer).json()
    assert me.get("id") == admin.principal_id, f"the token is not the IAM user's: {me}"
    wrong = raw.post(
        contract.url("iam_exchange_credentials"),
        json={"access_key_id": admin.access_key_id, "secret_access_key": "x" * len(admin.access_key()[1])},
    )
    assert wrong.status_code == documented(contract, "iam_exchange_credentials", "Unauthorized"), describe(wrong)
