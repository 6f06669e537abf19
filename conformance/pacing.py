"""Client-side pacing: each identity stays below the target's rate limit.

The spec's limit (``cloudnx_spec.rate_limit()``) is a sliding window: at most N accepted requests in any window.
A :class:`Pacer` admits at most ``budget`` sends in any window of the same length, so the suite's own traffic
never trips the limit; only the rate-limit checks, which use their own unpaced clients, mean to.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable

__all__ = ["Pacer", "PacerPool"]


class Pacer:
    """A sliding-window admission gate, shared by every client of one identity (thread-safe)."""

    def __init__(
        self,
        budget: int,
        window: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if budget < 1:
            raise ValueError("a pacer needs a budget of at least one request per window")
        self.budget = budget
        self.window = window
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.waited = 0.0  # total seconds spent waiting: the benchmark reports it

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and now - self._sent[0] >= self.window:
                    self._sent.popleft()
                if len(self._sent) < self.budget:
                    self._sent.append(now)
                    return
                # A small margin: the target's clock measures arrival, ours measures departure.
                delay = self.window - (now - self._sent[0]) + 0.01
            self.waited += delay
            self._sleep(delay)

    def hold(self, seconds: float) -> None:
        """After a 429, keep this identity silent for ``seconds`` (the Retry-After the target asked for)."""
        with self._lock:
            until = self._clock() + seconds
            # Fill the window with sends stamped at the release time, so nothing goes out before it.
            self._sent = deque([until - self.window] * self.budget)


class PacerPool:
    """One pacer per identity key, created on first use."""

    def __init__(self, limit: int, window: float, fraction: float) -> None:
        self.budget = max(1, int(limit * fraction))
        self.window = window
        self._pacers: dict[str, Pacer] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Pacer:
        with self._lock:
            pacer = self._pacers.get(key)
            if pacer is None:
                pacer = self._pacers[key] = Pacer(self.budget, self.window)
            return pacer
