"""The credential plain ``schemathesis run`` gets: a bearer token, bootstrapped the way a real user would.

A user pointing schemathesis at CloudNx needs ``-H 'Authorization: Bearer …'``. The root user's login token is
tied to a session, and the fuzzer calls ``auth_logout`` and ``auth_sessions_revoke`` itself, which would revoke
it a few seconds into the run (every later request a 401). So, as the seed's machine path for tools: sign up,
log in, create an allow-all IAM policy and an IAM user with it, create an access key and trade it at
``iam_exchange_credentials`` for a 15-minute bearer JWT (an exchange token is not bound to a session).
Paths, methods and the policy version come from the spec; only the allow-all statement is written here.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx

import cloudnx_spec
from killmatrix.routes import path_of

__all__ = ["BootstrapFailed", "bearer_token", "token_lifetime_s"]

_ALLOW_ALL = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]


class BootstrapFailed(RuntimeError):
    """The target would not hand out a credential through its public API."""


def _method(operation_id: str) -> str:
    return cloudnx_spec.operation(operation_id).method


def _policy_version() -> str:
    document = cloudnx_spec.component("schemas", "PolicyDocument")
    return str(document["properties"]["Version"]["enum"][0])


def token_lifetime_s() -> float:
    """How long an exchanged bearer lives (the spec's lifetimes): the schemathesis budget must fit in it."""
    return float(cloudnx_spec.lifetimes().exchange_token_seconds)


def _call(http: httpx.Client, operation_id: str, body: dict[str, Any] | None = None, **path: str) -> httpx.Response:
    url = path_of(operation_id).format(**path)
    reply = http.request(_method(operation_id), url, json=body)
    if reply.status_code >= 300:
        raise BootstrapFailed(f"{operation_id} answered {reply.status_code}: {reply.text[:200]}")
    return reply


def bearer_token(base_url: str, label: str) -> str:
    """A fresh account's IAM admin bearer token on ``base_url``."""
    email = f"km-{label}-{secrets.token_hex(4)}@example.com"
    password = secrets.token_urlsafe(18)
    with httpx.Client(base_url=base_url, timeout=30.0) as http:
        _call(http, "auth_signup", {"email": email, "password": password, "display_name": f"km-{label}"})
        login = _call(http, "auth_login", {"email": email, "password": password})
        # Secure cookies are not sent back over http://127.0.0.1 by httpx's jar: send the Cookie header ourselves.
        access = login.cookies.get("cnx_access")
        if not access:
            raise BootstrapFailed("auth_login set no cnx_access cookie")
        http.cookies.clear()
        http.headers["Cookie"] = f"cnx_access={access}"
        document = {"Version": _policy_version(), "Statement": _ALLOW_ALL}
        policy = _call(http, "iam_policies_create", {"name": f"km-{label}-all", "document": document}).json()
        user = _call(http, "iam_users_create", {"name": f"km-{label}-fuzzer"}).json()
        _call(http, "iam_user_policies_attach", iam_user_id=user["id"], policy_id=policy["id"])
        key = _call(http, "access_keys_create", {}, iam_user_id=user["id"]).json()
        del http.headers["Cookie"]
        exchanged = _call(
            http,
            "iam_exchange_credentials",
            {"access_key_id": key["id"], "secret_access_key": key["secret_access_key"]},
        ).json()
    token = exchanged.get("access_token")
    if not isinstance(token, str):
        raise BootstrapFailed("iam_exchange_credentials answered without an access_token")
    return token
