"""Sign up, log in, refresh (rotation + reuse detection), log out, the current principal, and the JWKS."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

import cloudnx_spec
from reference_server.auth.common import (
    ACCOUNT,
    BILLING,
    EMAIL_INDEX,
    USER,
    display_name_from,
    now_iso,
    principal_view,
    root_principal,
)
from reference_server.errors import conflict, unauthorized
from reference_server.platform import platform_of
from reference_server.platform.authn import IAM_USER, parse_cookies
from reference_server.platform.core import Call, Reply, handler
from reference_server.platform.sessions import open_session, revoke_session, rotate_refresh_token

# scrypt (RFC 7914) with interactive-login parameters: slow enough to resist guessing, fast enough for tests.
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
# Compared against when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_SALT = secrets.token_bytes(16)
_DUMMY_HASH = hashlib.scrypt(b"not-a-password", salt=_DUMMY_SALT, **_SCRYPT)


def _hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)


def _cookie(name: str, value: str, max_age: int) -> str:
    # Attributes come from the login operation's cookies in the spec, so the spec decides them (RFC 6265 §4.1).
    attrs = next(c for c in cloudnx_spec.operation("auth_login").cookies if c.name == name)
    parts = [f"{name}={value}", f"Max-Age={max_age}", f"Path={attrs.path}"]
    if attrs.secure:
        parts.append("Secure")
    if attrs.http_only:
        parts.append("HttpOnly")
    parts.append(f"SameSite={attrs.same_site}")
    return "; ".join(parts)


def _session_cookies(call: Call, user: dict[str, Any], session_id: str, refresh: str) -> list[str]:
    settings = call.ctx.settings
    access = platform_of(call.ctx).tokens.issue(
        user["id"], user["account_id"], "root", settings.access_token_seconds, session_id
    )
    return [
        _cookie("cnx_access", access, settings.access_token_seconds),
        _cookie("cnx_refresh", refresh, settings.refresh_token_seconds),
    ]


def _root_view(user: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "account_id", "email", "email_verified", "display_name", "created_at")
    return {"type": "root", **{k: user[k] for k in keys}}


@handler("auth_signup")
async def auth_signup(call: Call) -> Reply:
    store, body = call.ctx.store, call.body
    email = str(body["email"])
    if store.get(EMAIL_INDEX, email.lower()) is not None:
        raise conflict("an account with this email already exists")
    created = now_iso(call)
    account_id, user_id = call.ctx.new_id("acc-"), call.ctx.new_id("usr-")
    salt = secrets.token_bytes(16)
    store.insert(ACCOUNT, {"id": account_id, "account_id": account_id, "created_at": created})
    user = store.insert(
        USER,
        {
            "id": user_id,
            "account_id": account_id,
            "email": email,
            "email_verified": False,
            "display_name": body.get("display_name") or display_name_from(email.split("@", 1)[0]),
            "created_at": created,
            "_salt": salt,
            "_password": _hash_password(str(body["password"]), salt),
        },
    )
    store.insert(EMAIL_INDEX, {"id": email.lower(), "user_id": user_id})
    store.insert(
        BILLING,
        {
            "id": account_id,
            "account_id": account_id,
            "billing_email": email,
            "currency": "INR",
            "created_at": created,
        },
    )
    call.audit_as = root_principal(user)
    call.audit_target = f"crn:cloudnx:auth:{call.ctx.settings.region}:{account_id}:principal/{user_id}"
    return Reply(201, _root_view(user))


@handler("auth_login")
async def auth_login(call: Call) -> Reply:
    store = call.ctx.store
    index = store.get(EMAIL_INDEX, str(call.body["email"]).lower())
    user = store.get(USER, index["user_id"]) if index else None
    if user is None:
        hmac.compare_digest(_hash_password(str(call.body["password"]), _DUMMY_SALT), _DUMMY_HASH)
        raise unauthorized("wrong email or password")
    call.audit_as = root_principal(user, "cookie")
    call.audit_target = f"crn:cloudnx:auth:{call.ctx.settings.region}:{user['account_id']}:session/*"
    if not hmac.compare_digest(_hash_password(str(call.body["password"]), user["_salt"]), user["_password"]):
        raise unauthorized("wrong email or password")
    session, refresh = open_session(call.ctx, user, call.headers.get("user-agent"), call.client_address)
    call.audit_target = call.audit_target[:-1] + session["id"]
    settings = call.ctx.settings
    body = {
        "principal": _root_view(user),
        "session_id": session["id"],
        "access_expires_in": settings.access_token_seconds,
        "refresh_expires_in": settings.refresh_token_seconds,
    }
    return Reply(200, body, cookies=_session_cookies(call, user, session["id"], refresh))


@handler("auth_refresh")
async def auth_refresh(call: Call) -> Reply:
    token = parse_cookies(call.headers.get("cookie", "")).get("cnx_refresh", "")
    session, refresh = rotate_refresh_token(call.ctx, token)
    user = call.ctx.store.get(USER, session["principal_id"])
    if user is None:
        raise unauthorized("the account no longer exists")
    settings = call.ctx.settings
    body = {
        "session_id": session["id"],
        "access_expires_in": settings.access_token_seconds,
        "refresh_expires_in": settings.refresh_token_seconds,
    }
    return Reply(200, body, cookies=_session_cookies(call, user, session["id"], refresh))


@handler("auth_logout")
async def auth_logout(call: Call) -> Reply:
    if call.principal.session_id is not None:
        revoke_session(call.ctx, call.principal.session_id)
    cleared = [_cookie("cnx_access", "", 0), _cookie("cnx_refresh", "", 0)]
    return Reply(200, {"status": "logged_out"}, cookies=cleared)


@handler("auth_me_get")
async def auth_me_get(call: Call) -> Reply:
    return Reply(200, principal_view(call))


@handler("auth_me_update")
async def auth_me_update(call: Call) -> Reply:
    name = call.body["display_name"]
    if call.principal.kind == "root":
        call.ctx.store.update(USER, call.principal.id, display_name=name)
    else:
        call.ctx.store.update(IAM_USER, call.principal.id, _display_name=name)
    return Reply(200, principal_view(call))


@handler("auth_jwks")
async def auth_jwks(call: Call) -> Reply:
    return Reply(200, platform_of(call.ctx).tokens.jwks())
