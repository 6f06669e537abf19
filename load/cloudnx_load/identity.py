"""One identity per Locust user: signed up through the public API, or taken from the suite's TOML config.

The rate limit is per principal, so two users sharing one identity would spoil every per-user verdict: each user
gets its own account (the verdict also refuses to judge identities it sees used twice).
"""

from __future__ import annotations

import functools
import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

from cloudnx_load.contract import LoadContract

__all__ = ["Account", "BootstrapError", "Identity", "Reply", "bootstrap", "load_accounts"]

#: (status, header getter for all values of a header, parsed JSON body or None)
Reply = tuple[int, Callable[[str], list[str]], Any]
Send = Callable[[str, str, dict[str, Any]], Reply]


class BootstrapError(RuntimeError):
    """The target would not give a load user an identity (signup or login failed for a reason other than 429)."""


@dataclass(frozen=True)
class Account:
    email: str
    password: str


@dataclass
class Identity:
    account: Account
    cookie_header: str  # "cnx_access=<jwt>": sent explicitly, the cookie is Secure and we may talk plain http
    obtained: float  # time.monotonic() of the login
    lifetime: float  # seconds the access token lives

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.account.email.encode()).hexdigest()[:12]

    def stale(self, margin: float = 60.0) -> bool:
        return time.monotonic() > self.obtained + self.lifetime - margin


def new_account(run_tag: str) -> Account:
    return Account(f"cnx-load-{run_tag}-{secrets.token_hex(5)}@example.com", secrets.token_urlsafe(18))


@functools.cache
def load_accounts(path: str) -> tuple[Account, ...]:
    """The ``[[accounts]]`` of the suite's target config, read by the suite's own validating loader."""
    from conformance.config import load_config  # same wheel; imported late so plain runs never need it

    return tuple(Account(a.email, a.password) for a in load_config(path).accounts)


def _access_cookie(header_values: list[str], name: str) -> str | None:
    for header in header_values:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            continue
        if name in jar:
            return jar[name].value
    return None


def _retrying(
    send: Send,
    method: str,
    path: str,
    body: dict[str, Any],
    contract: LoadContract,
    sleep: Callable[[float], None],
    attempts: int,
) -> Reply:
    """Anonymous calls are limited per client address, shared by every user here: obey 429s, bounded."""
    for _ in range(attempts):
        reply = send(method, path, body)
        status, headers, _body = reply
        if status != contract.rate.exceeded_status:
            return reply
        values = headers(contract.rate.retry_after_header)
        wait = float(values[0]) if values and values[0].isdigit() else contract.rate.window
        sleep(min(max(wait, contract.rate.window), 10.0))
    raise BootstrapError(f"{method} {path}: still throttled after {attempts} attempts")


def bootstrap(
    send: Send,
    contract: LoadContract,
    account: Account | None,
    run_tag: str,
    sleep: Callable[[float], None],
    attempts: int = 30,
) -> Identity:
    """Sign up (unless ``account`` is given) and log in; raise BootstrapError on anything but success."""
    if account is None:
        account = new_account(run_tag)
        body = {"email": account.email, "password": account.password, "display_name": f"cnx-load-{run_tag}"}
        status, _, reply = _retrying(
            send, contract.signup.method, contract.signup.path, body, contract, sleep, attempts
        )
        if status // 100 != 2:
            raise BootstrapError(f"{contract.signup.operation_id} answered {status}: {reply}")
    return login(send, contract, account, sleep, attempts)


def login(
    send: Send, contract: LoadContract, account: Account, sleep: Callable[[float], None], attempts: int = 30
) -> Identity:
    body = {"email": account.email, "password": account.password}
    status, headers, reply = _retrying(
        send, contract.login.method, contract.login.path, body, contract, sleep, attempts
    )
    token = _access_cookie(headers("Set-Cookie"), contract.access_cookie)
    if status // 100 != 2 or token is None:
        raise BootstrapError(
            f"{contract.login.operation_id} answered {status} without a {contract.access_cookie} cookie: {reply}"
        )
    lifetime = reply.get("access_expires_in") if isinstance(reply, dict) else None
    return Identity(
        account,
        f"{contract.access_cookie}={token}",
        time.monotonic(),
        float(lifetime if isinstance(lifetime, int) else contract.access_seconds),
    )
