"""The store interface and the embedded in-memory backend (docs/server-internals.md, "Store").

Records are plain dicts with ``id`` and ``account_id``; fields starting with ``_`` are private and never
rendered. A persistent backend implements :class:`Store` and is passed to ``create_app``.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any, Protocol

__all__ = ["MemoryStore", "Record", "Store"]

Record = dict[str, Any]


class Store(Protocol):
    def insert(self, kind: str, record: Record) -> Record: ...

    def get(self, kind: str, record_id: str) -> Record | None: ...

    def owned(self, kind: str, account_id: str, record_id: str) -> Record | None: ...

    def update(self, kind: str, record_id: str, **changes: Any) -> Record: ...

    def delete(self, kind: str, record_id: str) -> None: ...

    def scan(
        self, kind: str, account_id: str | None = None, where: Callable[[Record], bool] | None = None
    ) -> list[Record]: ...

    def count(self, kind: str, account_id: str) -> int: ...

    def lock(self, name: str) -> asyncio.Lock: ...


_CONTAINERS = (dict, list, set)


def _clone_record(record: Record) -> Record:
    cloned: Record = _clone(record)
    return cloned


def _clone(value: Any) -> Any:
    # Records hold JSON-like values (plus bytes): copying containers and sharing immutable leaves is enough,
    # and several times faster than copy.deepcopy on the request path.
    if isinstance(value, dict):
        return {k: _clone(v) if isinstance(v, _CONTAINERS) else v for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) if isinstance(v, _CONTAINERS) else v for v in value]
    if isinstance(value, set):
        return set(value)
    return value


class MemoryStore:
    """Dicts per kind; Python dicts keep insertion order, which is the order lists and cursors walk."""

    def __init__(self) -> None:
        self._tables: dict[str, dict[str, Record]] = {}
        self._seq = itertools.count(1)
        self._locks: dict[str, asyncio.Lock] = {}

    def _table(self, kind: str) -> dict[str, Record]:
        return self._tables.setdefault(kind, {})

    def insert(self, kind: str, record: Record) -> Record:
        table = self._table(kind)
        record_id = record["id"]
        if record_id in table:
            raise KeyError(f"{kind} {record_id} already exists")
        stored = _clone_record(record)
        stored["_seq"] = next(self._seq)
        table[record_id] = stored
        return _clone_record(stored)

    def get(self, kind: str, record_id: str) -> Record | None:
        record = self._table(kind).get(record_id)
        # Copies, so a handler mutating what it read cannot change the store behind update()'s back.
        return _clone_record(record) if record is not None else None

    def owned(self, kind: str, account_id: str, record_id: str) -> Record | None:
        record = self._table(kind).get(record_id)
        if record is None or record.get("account_id") != account_id:
            return None
        return _clone_record(record)

    def update(self, kind: str, record_id: str, **changes: Any) -> Record:
        record = self._table(kind)[record_id]
        record.update(_clone(changes))
        return _clone_record(record)

    def delete(self, kind: str, record_id: str) -> None:
        self._table(kind).pop(record_id, None)

    def scan(
        self, kind: str, account_id: str | None = None, where: Callable[[Record], bool] | None = None
    ) -> list[Record]:
        rows = self._table(kind).values()
        return [
            _clone(r)
            for r in rows
            if (account_id is None or r.get("account_id") == account_id) and (where is None or where(r))
        ]

    def count(self, kind: str, account_id: str) -> int:
        return sum(1 for r in self._table(kind).values() if r.get("account_id") == account_id)

    def lock(self, name: str) -> asyncio.Lock:
        lock = self._locks.get(name)
        if lock is None:
            lock = self._locks[name] = asyncio.Lock()
        return lock
