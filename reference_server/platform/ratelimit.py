"""Exact sliding-window limiter (cloudnx_spec.rate_limit()): at most N accepted requests in any W-second window,
per principal across all services, anonymous traffic per client address.

Each key keeps the timestamps of its last N accepted requests; rejected requests are not counted, so a client
offering twice the limit still gets exactly N per window. Retry-After is the whole seconds until the oldest of
those N leaves the window, so waiting it out always finds a free slot. Memory is bounded twice: N stamps per key
and ``max_keys`` keys (least recently used evicted first).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Decision", "Limiter", "SlidingWindowLimiter"]


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int  # until the window frees a request (0 when one is free now)
    retry_after: int  # meaningful when not allowed: whole seconds, >= 1

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset_seconds),
        }


class Limiter(Protocol):
    """What the pipeline needs of a limiter (sliding window here, token bucket in ``token_bucket``)."""

    def hit(self, key: str) -> Decision: ...

    def __len__(self) -> int: ...


class SlidingWindowLimiter:
    def __init__(
        self,
        limit: int,
        window_seconds: float,
        *,
        max_keys: int = 100000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window_seconds
        self.max_keys = max_keys
        self.clock = clock
        self._stamps: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._stamps)

    def hit(self, key: str) -> Decision:
        now = self.clock()
        stamps = self._stamps.get(key)
        if stamps is None:
            stamps = self._stamps[key] = deque(maxlen=self.limit)
            if len(self._stamps) > self.max_keys:
                self._stamps.popitem(last=False)
        else:
            self._stamps.move_to_end(key)
        horizon = now - self.window
        while stamps and stamps[0] <= horizon:
            stamps.popleft()
        if len(stamps) < self.limit:
            stamps.append(now)
            remaining = self.limit - len(stamps)
            reset = 0 if remaining else self._wait(stamps[0], now)
            return Decision(True, self.limit, remaining, reset, 0)
        wait = self._wait(stamps[0], now)
        return Decision(False, self.limit, 0, wait, max(1, wait))

    def _wait(self, oldest: float, now: float) -> int:
        # Rounded up: a client that waits this many whole seconds finds the oldest stamp gone.
        return max(0, math.ceil(oldest + self.window - now))
