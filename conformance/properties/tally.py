"""Per-operation results of the property-based part: which schemathesis checks ran, which failed and why."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from conformance.catalogue import catalogue

__all__ = ["Tally"]


@dataclass
class Tally:
    """Check name -> outcomes seen while one operation (or the stateful walk) was tested."""

    operation: str | None = None
    passed: set[str] = field(default_factory=set)
    failed: dict[str, str] = field(default_factory=dict)
    inconclusive: dict[str, str] = field(default_factory=dict)
    cases: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    exchanges: dict[str, dict[str, Any]] = field(default_factory=dict)  # check name -> its first failing exchange

    def add(self, name: str, failure: Any, where: str = "", exchange: Any = None) -> None:
        with self.lock:
            if failure is None:
                self.passed.add(name)
            else:
                self.failed.setdefault(name, f"{str(failure)[:3000]}\n{where}".strip())
                if exchange is not None and name not in self.exchanges:
                    self.exchanges[name] = exchange.to_dict()

    def exchanges_of(self, check_id: str) -> list[dict[str, Any]]:
        """The failing exchange of the check behind a catalogue id (request and response, redacted)."""
        ids = catalogue().schemathesis_checks()
        return [e for name, e in self.exchanges.items() if ids.get(name) == check_id][:1]

    def by_id(self) -> dict[str, tuple[str, str]]:
        """Catalogue id -> (status, message); a failure outranks an inconclusive case, which outranks a pass."""
        result: dict[str, tuple[str, str]] = {}
        ids = catalogue().schemathesis_checks()
        for name in self.passed:
            if name in ids:
                result[ids[name]] = ("passed", "")
        for name, message in self.inconclusive.items():
            if name in ids and name not in self.passed:
                result[ids[name]] = ("inconclusive", f"inconclusive: {message}")
        for name, message in self.failed.items():
            if name in ids:
                result[ids[name]] = ("failed", f"{name}: {message}")
        return result
