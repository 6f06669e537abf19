"""Per-user request records: what every verdict is computed from.

Each Locust process records every request of every user (send and receive time, status, Retry-After, whether it
was the first request after obeying a Retry-After). Workers ship new records to the master with Locust's
``report_to_master`` / ``worker_report`` events; the master (or the single local process) keeps them all.
Records are plain lists so they cross Locust's msgpack messaging unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["FLAG_JUDGED_PROBE", "FLAG_PROBE", "Event", "Recorder", "UserRecord"]

#: The first request a user sent after waiting out a 429's Retry-After.
FLAG_PROBE = 1
#: ... and the wait was the target's own Retry-After (not the kit's fallback for a missing/invalid one).
FLAG_JUDGED_PROBE = 2


@dataclass(frozen=True)
class Event:
    sent: float  # time.time() just before the request left
    received: float  # time.time() when the response (or the error) arrived
    status: int  # HTTP status; 0 = no response (connection refused, timeout)
    retry_after: str | None  # the raw header of a 429 (None when absent)
    flags: int = 0
    operation: str = ""

    def as_row(self) -> list[Any]:
        return [
            round(self.sent, 5),
            round(self.received, 5),
            self.status,
            self.retry_after,
            self.flags,
            self.operation,
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> Event:
        sent, received, status, retry_after, flags, operation = row
        return cls(float(sent), float(received), int(status), retry_after, int(flags), str(operation))


@dataclass
class UserRecord:
    user: str  # unique across the run: "<process>/<class>/<n>"
    kind: str  # hammer | polite | quiet | mixed
    identity: str  # who the target saw (an opaque digest of the login email): users must not share one
    events: list[Event] = field(default_factory=list)

    def meta(self) -> dict[str, str]:
        return {"user": self.user, "kind": self.kind, "identity": self.identity}


class Recorder:
    """All users of one process. Only touched from gevent greenlets of one thread, so no locking is needed."""

    def __init__(self) -> None:
        self.users: dict[str, UserRecord] = {}
        self._shipped: dict[str, int] = {}

    def reset(self) -> None:
        self.users.clear()
        self._shipped.clear()

    def user(self, user: str, kind: str, identity: str) -> UserRecord:
        record = self.users.get(user)
        if record is None:
            record = self.users[user] = UserRecord(user, kind, identity)
        return record

    def drain(self) -> list[dict[str, Any]]:
        """The events not shipped yet, per user, as msgpack-friendly dicts (for ``report_to_master``)."""
        batch = []
        for name, record in self.users.items():
            start = self._shipped.get(name, 0)
            if start < len(record.events):
                rows = [event.as_row() for event in record.events[start:]]
                self._shipped[name] = len(record.events)
                batch.append({**record.meta(), "rows": rows})
        return batch

    def merge(self, batch: list[dict[str, Any]]) -> None:
        """Add a worker's drained batch (on the master)."""
        for item in batch:
            record = self.user(str(item["user"]), str(item["kind"]), str(item["identity"]))
            record.events.extend(Event.from_row(row) for row in item["rows"])

    def records(self) -> list[UserRecord]:
        return list(self.users.values())
