"""Idempotency-Key handling (cloudnx_spec.idempotency(); draft-ietf-httpapi-idempotency-key-header, Stripe).

A key is scoped to principal + method + path. The first request opens an in-flight record; a retry with the same
body replays the stored status, body and the headers that matter (``Idempotent-Replayed: true``); a different
body answers 422; a retry while the first is still running answers 409. Records live in the store (so a
persistent backend keeps them) and expire after ``ttl`` seconds. Opening a record is synchronous, so on one
event loop two concurrent requests can never both open it.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reference_server import errors

if TYPE_CHECKING:
    from reference_server.platform.store import Store

__all__ = ["IdempotencyKeys", "StoredResponse", "fingerprint"]

KIND = "idempotency"
# cloudnx_spec.idempotency().replayed: status and body always, plus these headers.
REPLAYED_HEADERS = ("content-type", "set-cookie", "location")


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


def fingerprint(body: Any, raw: bytes) -> str:
    """Same request body = same JSON value (key order and whitespace do not matter)."""
    if body is not None:
        raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(raw).hexdigest()


class IdempotencyKeys:
    """Records in the store, bounded: expired ones (``ttl``) are purged, and past ``max_per_principal`` records of
    one principal or ``max_records`` in all, the least recently used (created or replayed) is forgotten early, so
    a retry with that key runs as a new request. One principal's flood therefore only pushes out its own keys,
    and the process's memory has a ceiling (see benchmarks/bench_memory.py)."""

    def __init__(
        self,
        store: Store,
        clock: Callable[[], float],
        ttl_seconds: int,
        *,
        max_per_principal: int = 10_000,
        max_records: int = 200_000,
    ) -> None:
        self._store = store
        self._clock = clock
        self._ttl = ttl_seconds
        self._max_per_principal = max_per_principal
        self._max_records = max_records
        # Creation order is expiry order (one TTL for all): an OrderedDict, so a record forgotten early leaves no
        # stale entry behind (a deque would keep one per forgotten key for 24 h).
        self._expiry: OrderedDict[str, float] = OrderedDict()
        self._lru: OrderedDict[str, str] = OrderedDict()  # scope -> principal id, least recently used first
        self._by_principal: dict[str, OrderedDict[str, None]] = {}

    def __len__(self) -> int:
        return len(self._lru)

    @staticmethod
    def scope(principal_id: str, method: str, path: str, key: str) -> str:
        return hashlib.sha256("\n".join((principal_id, method, path, key)).encode()).hexdigest()

    def _forget(self, scope: str) -> None:
        self._expiry.pop(scope, None)
        principal = self._lru.pop(scope, None)
        if principal is not None:
            own = self._by_principal.get(principal)
            if own is not None:
                own.pop(scope, None)
                if not own:
                    del self._by_principal[principal]
        self._store.delete(KIND, scope)

    def _purge(self, now: float) -> None:
        while self._expiry:
            scope, expires_at = next(iter(self._expiry.items()))
            if expires_at > now:
                return
            self._forget(scope)

    def _touch(self, scope: str, principal: str) -> None:
        self._lru[scope] = principal
        self._lru.move_to_end(scope)
        own = self._by_principal.setdefault(principal, OrderedDict())
        own[scope] = None
        own.move_to_end(scope)

    def _make_room(self, principal: str) -> None:
        own = self._by_principal.get(principal)
        while own and len(own) >= self._max_per_principal:
            self._forget(next(iter(own)))
        while len(self._lru) >= self._max_records:
            self._forget(next(iter(self._lru)))

    def begin(self, scope: str, body_fingerprint: str, principal: str = "") -> StoredResponse | None:
        """None: go ahead (the record is now in flight). A StoredResponse: replay it. Raises 409 / 422."""
        now = self._clock()
        self._purge(now)
        record = self._store.get(KIND, scope)
        if record is not None and record["expires_at"] > now:
            self._touch(scope, principal)
            if record["fingerprint"] != body_fingerprint:
                raise errors.unprocessable("Idempotency-Key was already used with a different request body")
            if record["response"] is None:
                raise errors.conflict("a request with this Idempotency-Key is still in flight")
            return StoredResponse(**record["response"])
        if record is not None:
            self._forget(scope)
        self._make_room(principal)
        expires_at = now + self._ttl
        self._store.insert(
            KIND, {"id": scope, "fingerprint": body_fingerprint, "response": None, "expires_at": expires_at}
        )
        self._expiry[scope] = expires_at
        self._touch(scope, principal)
        return None

    def complete(self, scope: str, response: StoredResponse) -> None:
        if self._store.get(KIND, scope) is None:
            return  # forgotten while in flight (its principal's newer keys pushed it out): nothing to keep
        kept = tuple((k, v) for k, v in response.headers if k.lower() in REPLAYED_HEADERS)
        stored = {"status": response.status, "body": response.body, "headers": kept}
        self._store.update(KIND, scope, response=stored)

    def abandon(self, scope: str) -> None:
        # A failure the client should retry (5xx, 429) must not be frozen under its key.
        self._forget(scope)
