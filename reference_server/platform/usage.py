"""Recorded usage, the only input of billing: services call ``ctx.usage.record(...)`` when they meter something.

Usage is kept as one running total per account, calendar month (UTC), service and metric, so invoices are
sums of what really happened rather than invented figures.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from reference_server.platform.store import Store

__all__ = ["USAGE_KIND", "UsageMeter", "period_of"]

USAGE_KIND = "usage"


def period_of(timestamp: float) -> str:
    """The billing period (``YYYY-MM``, UTC) a moment belongs to."""
    return time.strftime("%Y-%m", time.gmtime(timestamp))


class UsageMeter:
    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._store = store
        self._clock = clock
        # Services that meter lazily (on read or change) register a catch-up per account; totals() runs them,
        # so every reader of usage (billing) sees time not yet metered.
        self._flushers: list[Callable[[str], None]] = []

    def add_flusher(self, flush: Callable[[str], None]) -> None:
        self._flushers.append(flush)

    def record(self, account_id: str, service: str, metric: str, quantity: float) -> None:
        if quantity < 0:
            raise ValueError("usage quantity must be >= 0")
        now = self._clock()
        period = period_of(now)
        key = f"{account_id}:{period}:{service}:{metric}"
        existing = self._store.get(USAGE_KIND, key)
        if existing is None:
            self._store.insert(
                USAGE_KIND,
                {
                    "id": key,
                    "account_id": account_id,
                    "period": period,
                    "service": service,
                    "metric": metric,
                    "quantity": quantity,
                    "first_at": now,
                    "last_at": now,
                },
            )
        else:
            self._store.update(USAGE_KIND, key, quantity=existing["quantity"] + quantity, last_at=now)

    def totals(self, account_id: str, period: str | None = None) -> list[dict[str, Any]]:
        """Usage rows of one account (optionally one period), in the order they were first recorded."""
        for flush in self._flushers:
            flush(account_id)
        return self._store.scan(USAGE_KIND, account_id, None if period is None else (lambda r: r["period"] == period))
