"""Targets for the CLI's tests, each in its own process on a loopback port it binds itself: the reference server
(``cloudnx-reference --port 0``) or the same behind a client fault (``killmatrix.variants.cli``); and an IAM
access key bootstrapped over HTTP the way a user gets one (sign up, log in, allow-all policy, IAM user, key)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

import cloudnx_spec
from conformance.loopback import serve_on_loopback

BIN = Path(sys.executable).parent
PASSWORD = "correct horse battery staple"
_ALLOW_ALL = [{"Effect": "Allow", "Action": "*", "Resource": "*"}]


@dataclass(frozen=True)
class Key:
    access_key_id: str
    secret_access_key: str
    iam_user_id: str


def _serving(argv: Sequence[str]) -> Any:
    """Run ``argv`` (it binds its own loopback port and prints its URL); the base URL, stopped afterwards."""
    return serve_on_loopback(argv)


def reference(*options: str) -> Any:
    """The clean reference server, as a user starts it; the limiter lifted unless ``options`` set it."""
    argv = [str(BIN / "cloudnx-reference"), "--port", "0", "--rate-limit", "100000", *options]
    return _serving(argv)


def client_fault(name: str) -> Any:
    """The reference server behind a client-test fault (``killmatrix.variants.cli``), on a port it binds itself."""
    return _serving([sys.executable, "-m", "killmatrix.variants.cli", name])


def _send(client: httpx.Client, operation_id: str, body: Any = None, **params: str) -> httpx.Response:
    op = cloudnx_spec.operation(operation_id)
    for _ in range(10):  # a target with a tight rate limit answers 429: wait as it says (seed "Rate limits")
        response = client.request(op.method, op.path.format(**params), json=body)
        if response.status_code != 429:
            break
        time.sleep(float(response.headers.get("retry-after", "1")))
    assert response.status_code == op.success_status, f"{operation_id}: {response.status_code} {response.text}"
    return response


def _call(client: httpx.Client, operation_id: str, body: Any = None, **params: str) -> Any:
    response = _send(client, operation_id, body, **params)
    return response.json() if response.content else None


def access_key(base_url: str) -> Key:
    """A fresh account's IAM user allowed everything, and its access key (the secret is shown once)."""
    with httpx.Client(base_url=base_url, timeout=10) as client:
        email = f"cli-{secrets.token_hex(4)}@example.com"
        _call(client, "auth_signup", {"email": email, "password": PASSWORD})
        login = _send(client, "auth_login", {"email": email, "password": PASSWORD})
        # The session cookies are Secure: httpx's jar keeps them from http://127.0.0.1, so send the header.
        access = next(c for c in login.headers.get_list("set-cookie") if c.startswith("cnx_access="))
        client.headers["Cookie"] = access.split(";", 1)[0]
        version = cloudnx_spec.component("schemas", "PolicyDocument")["properties"]["Version"]["enum"][0]
        policy = _call(
            client,
            "iam_policies_create",
            {"name": "cli-all", "document": {"Version": version, "Statement": _ALLOW_ALL}},
        )
        user = _call(client, "iam_users_create", {"name": "cli-user"})
        _call(client, "iam_user_policies_attach", iam_user_id=user["id"], policy_id=policy["id"])
        key = _call(client, "access_keys_create", {}, iam_user_id=user["id"])
        return Key(key["id"], key["secret_access_key"], user["id"])


def cli_env(home: Path, **extra: str) -> dict[str, str]:
    """A fresh HOME and no CLOUDNX_* from the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLOUDNX_")}
    return {**env, "HOME": str(home), **extra}


def cloudnx(home: Path, *args: str, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    return subprocess.run(
        [str(BIN / "cloudnx"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_env(home, **env),
        timeout=120,
        check=False,
    )
