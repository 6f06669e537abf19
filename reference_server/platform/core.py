"""The platform's public surface for service handlers (see docs/server-internals.md; change only together).

Handlers receive a fully prepared :class:`Call` and answer a :class:`Reply`; everything cross-cutting
(authentication, rate limit, validation, IAM, idempotency, audit) happens around them in ``pipeline``.
"""

from __future__ import annotations

import secrets
import string
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from starlette.requests import Request

from reference_server.platform.pagination import page
from reference_server.platform.usage import UsageMeter
from reference_server.settings import Settings

if TYPE_CHECKING:
    from cloudnx_spec import Operation
    from reference_server.platform.store import Store

__all__ = [
    "HANDLERS",
    "Call",
    "Clock",
    "Handler",
    "Principal",
    "Reply",
    "ServerContext",
    "handler",
]


PrincipalKind = Literal["root", "iam_user", "anonymous"]
AuthMethod = Literal["cookie", "bearer", "sigv4", "none"]


@dataclass(frozen=True)
class Principal:
    id: str
    kind: PrincipalKind
    account_id: str
    auth_method: AuthMethod
    session_id: str | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"


def anonymous(client_address: str) -> Principal:
    # The limiter keys anonymous traffic on this id (cloudnx_spec.rate_limit().anonymous_scope == "client-address").
    return Principal(id=f"anon:{client_address}", kind="anonymous", account_id="", auth_method="none")


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Set-Cookie may repeat, so it cannot live in a dict of headers.
    cookies: list[str] = field(default_factory=list)


@dataclass
class Call:
    ctx: ServerContext
    operation: Operation
    principal: Principal
    request: Request
    path_params: dict[str, Any]
    query: dict[str, Any]
    headers: Mapping[str, str]
    body: Any
    client_address: str
    # For the audit log: handlers of public operations (signup, login) name the principal that acted, and any
    # handler may name its target CRN; the platform fills created_id from a 201 body.
    audit_as: Principal | None = None
    audit_target: str | None = None
    created_id: str | None = None

    @property
    def operation_id(self) -> str:
        return self.operation.operation_id


Handler = Callable[[Call], Awaitable[Reply]]
HANDLERS: dict[str, Handler] = {}


def handler(operation_id: str) -> Callable[[Handler], Handler]:
    """Register ``fn`` as the implementation of the spec operation ``operation_id``."""

    def register(fn: Handler) -> Handler:
        if operation_id in HANDLERS and HANDLERS[operation_id] is not fn:
            raise RuntimeError(f"two handlers registered for operationId {operation_id!r}")
        HANDLERS[operation_id] = fn
        return fn

    return register


class Clock:
    """Wall-clock seconds that tests can move forward (lifetimes, TTLs and delayed transitions read it)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


_UPPER_ALNUM = string.ascii_uppercase + string.digits


def new_id(prefix: str) -> str:
    """A fresh id in the spec's shape: ``i-`` + 16 hex, or (credential ids such as ``CNXK``) 16 of A-Z0-9."""
    if prefix.isupper():
        return prefix + "".join(secrets.choice(_UPPER_ALNUM) for _ in range(16))
    return prefix + secrets.token_hex(8)


class ServerContext:
    """Everything a handler may reach: settings, the store, the clock, billing usage, pagination."""

    def __init__(self, settings: Settings, store: Store, cursor_key: bytes | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock = Clock()
        self.usage = UsageMeter(store, self.clock)
        # Signs pagination cursors; random per process unless given, so cursors cannot be forged offline.
        self.cursor_key = cursor_key or secrets.token_bytes(32)
        # Filled by the app factory: the services built on top of the context (keys, limiter, ...).
        self.extras: dict[str, Any] = {}

    def new_id(self, prefix: str) -> str:
        return new_id(prefix)

    def paginate(
        self, call: Call, records: list[dict[str, Any]], list_key: str, *, newest_first: bool = False
    ) -> Reply:
        """One page of ``records`` (already filtered; oldest first unless ``newest_first``) as the list envelope."""
        # Bound to operation + path + account: a cursor of one list is meaningless (and refused) on another.
        scope = f"{call.operation_id}:{call.request.url.path}:{call.principal.account_id}"
        items, next_cursor = page(self.cursor_key, scope, call.query, records, newest_first=newest_first)
        return Reply(200, {list_key: items, "next_cursor": next_cursor})

    def base_url(self, call: Call) -> str:
        url = call.request.url
        return f"{url.scheme}://{url.netloc}"
