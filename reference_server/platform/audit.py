"""Audit log: every mutating request on every service, successful or not, by a principal of an account.

Events are store records (kind ``audit_event``) owned by the account; each account keeps its newest
``max_per_account`` events so a flood of requests cannot grow memory without bound.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from reference_server.platform.core import Principal, new_id

if TYPE_CHECKING:
    from reference_server.platform.store import Store

__all__ = ["KIND", "AuditLog", "iso8601"]

KIND = "audit_event"
MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def iso8601(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


class AuditLog:
    def __init__(self, store: Store, clock: Callable[[], float], max_per_account: int = 10000) -> None:
        self._store = store
        self._clock = clock
        self._max = max_per_account
        self._ids: dict[str, deque[str]] = {}

    def record(
        self,
        actor: Principal,
        account_id: str,
        action: str,
        target: str,
        method: str,
        path: str,
        status: int,
        source_ip: str,
    ) -> None:
        now, event_id = self._clock(), new_id("evt-")
        event = {
            "id": event_id,
            "account_id": account_id,
            "actor": {
                "type": actor.kind,
                "id": None if actor.is_anonymous else actor.id,
            },
            "action": action,
            "target": target,
            "method": method,
            "path": path[:2048],
            "status_code": status,
            "outcome": "success" if status < 400 else "failure",
            "source_ip": source_ip[:45],
            "occurred_at": iso8601(now),
            "_at": now,
        }
        self._store.insert(KIND, event)
        ids = self._ids.setdefault(account_id, deque())
        ids.append(event_id)
        if len(ids) > self._max:
            self._store.delete(KIND, ids.popleft())
