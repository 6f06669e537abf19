"""Idempotency-Key handling (x-cloudnx-idempotency; draft-ietf-httpapi-idempotency-key-header, Stripe).

A key is scoped to principal + method + path. The first request opens an in-flight record; a retry with the same
body replays the stored status, body and the headers that matter (``Idempotent-Replayed: true``); a different
body answers 422; a retry while the first is still running answers 409. Records live in the store (so a
persistent backend keeps them) and expire after ``ttl`` seconds. Opening a record is synchronous, so on one
event loop two concurrent requests can never both open it.
"""

from __future__ import annotations

import hashlib
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from reference_server import errors

if TYPE_CHECKING:
    from reference_server.platform.store import Store

__all__ = ["IdempotencyKeys", "StoredResponse", "fingerprint"]

KIND = "idempotency"
# x-cloudnx-idempotency.replayed: status and body always, plus these headers.
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
    def __init__(self, store: Store, clock: Callable[[], float], ttl_seconds: int) -> None:
        self._store = store
        self._clock = clock
        self._ttl = ttl_seconds
        self._expiry: deque[tuple[float, str]] = deque()

    @staticmethod
    def scope(principal_id: str, method: str, path: str, key: str) -> str:
        return hashlib.sha256("\n".join((principal_id, method, path, key)).encode()).hexdigest()

    def _purge(self, now: float) -> None:
        while self._expiry and self._expiry[0][0] <= now:
            _, record_id = self._expiry.popleft()
            record = self._store.get(KIND, record_id)
            if record is not None and record["expires_at"] <= now:
                self._store.delete(KIND, record_id)

    def begin(self, scope: str, body_fingerprint: str) -> StoredResponse | None:
        """None: go ahead (the record is now in flight). A StoredResponse: replay it. Raises 409 / 422."""
        now = self._clock()
        self._purge(now)
        record = self._store.get(KIND, scope)
        if record is not None and record["expires_at"] > now:
            if record["fingerprint"] != body_fingerprint:
                raise errors.unprocessable("Idempotency-Key was already used with a different request body")
            if record["response"] is None:
                raise errors.conflict("a request with this Idempotency-Key is still in flight")
            return StoredResponse(**record["response"])
        if record is not None:
            self._store.delete(KIND, scope)
        expires_at = now + self._ttl
        self._store.insert(
            KIND, {"id": scope, "fingerprint": body_fingerprint, "response": None, "expires_at": expires_at}
        )
        self._expiry.append((expires_at, scope))
        return None

    def complete(self, scope: str, response: StoredResponse) -> None:
        kept = tuple((k, v) for k, v in response.headers if k.lower() in REPLAYED_HEADERS)
        stored = {"status": response.status, "body": response.body, "headers": kept}
        self._store.update(KIND, scope, response=stored)

    def abandon(self, scope: str) -> None:
        # A failure the client should retry (5xx, 429) must not be frozen under its key.
        self._store.delete(KIND, scope)
