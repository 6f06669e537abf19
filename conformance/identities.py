"""Who the suite acts as: accounts and their identities (root session, IAM users with access keys)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie

import httpx

from conformance.errors import KitError

__all__ = ["Account", "Identity", "parse_set_cookies"]


@dataclass
class Identity:
    """One principal: the root user (session cookies) or an IAM user (access key, bearer token).

    Mutable on purpose: tokens are renewed in place when they near their 15-minute lifetime.
    """

    name: str  # e.g. "alice.admin": also the pacing key (the target limits per principal)
    kind: str  # "root" | "iam_user"
    account_id: str
    principal_id: str = ""
    # Credentials never appear in a repr: pytest prints fixture values into failure reports.
    cookie_header: str | None = field(default=None, repr=False)  # "cnx_access=...", sent explicitly (Secure)
    refresh_cookie: str | None = field(default=None, repr=False)  # the cnx_refresh value
    session_id: str | None = None
    access_key_id: str | None = None
    secret: str | None = field(default=None, repr=False)
    bearer: str | None = field(default=None, repr=False)
    bearer_obtained: float = 0.0
    cookie_obtained: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def access_key(self) -> tuple[str, str]:
        """(access key id, secret): an IAM user's; asking a root user for one is a kit error."""
        if not (self.access_key_id and self.secret):
            raise KitError(f"identity {self.name} has no access key", hint="use an IAM identity (alice.admin)")
        return self.access_key_id, self.secret

    def age(self, auth: str) -> float:
        stamp = self.bearer_obtained if auth == "bearer" else self.cookie_obtained
        return time.monotonic() - stamp


@dataclass
class Account:
    """An account and its three identities (docs/suite-internals.md)."""

    label: str
    account_id: str
    email: str
    password: str = field(repr=False)
    root: Identity
    admin: Identity
    restricted: Identity
    extra: list[Identity] = field(default_factory=list)  # more admin IAM users, for spreading load

    @property
    def identities(self) -> list[Identity]:
        return [self.root, self.admin, self.restricted, *self.extra]


def parse_set_cookies(response: httpx.Response) -> dict[str, str]:
    """Cookie name -> value from every Set-Cookie header.

    Python's cookie jar refuses to send ``Secure`` cookies over ``http://127.0.0.1`` (the session cookies are
    Secure by contract), so the suite reads them here and sends the ``Cookie`` header itself.
    """
    cookies: dict[str, str] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(header)
        except CookieError:
            continue  # a malformed Set-Cookie is the cookie checks' business, not the bootstrap's
        for name, morsel in jar.items():
            cookies[name] = morsel.value
    return cookies
