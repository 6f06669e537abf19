"""Pacing of a user's concurrent request loops, and the Retry-After gate of the users that obey 429s.

Plain time arithmetic with an injectable sleep, so it works under gevent (Locust) and in plain tests alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["BackoffGate", "Schedule"]


class Schedule:
    """One user's send schedule at ``rate`` requests/s, shared by all its loops (each takes the next slot).

    A loop that falls behind (slow responses, a busy CPU) may catch up by at most ``max_lag`` seconds: beyond
    that the missed slots are dropped, so the offered rate sags visibly instead of arriving as a burst that the
    limiter would rightly punish (a quiet user must stay quiet).
    """

    def __init__(self, rate: float, max_lag: float = 0.2, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError("rate must be > 0")
        self.interval = 1.0 / rate
        self.max_lag = max_lag
        self.clock = clock
        self._next = clock()

    def take(self) -> float:
        """The monotonic time at which the caller should send its next request."""
        slot = max(self._next, self.clock() - self.max_lag)
        self._next = slot + self.interval
        return slot


class BackoffGate:
    """Retry-After discipline for one identity (all loops of one user pass through it).

    After a 429 nobody sends until ``Retry-After`` seconds after its arrival (the latest such deadline wins, as
    in-flight requests can bring more 429s). Then exactly one request, the probe, goes alone; the others wait for
    its answer. The spec promises the probe succeeds; the verdict holds the target to it.
    """

    def __init__(self, sleep: Callable[[float], None], clock: Callable[[], float] = time.monotonic) -> None:
        self.sleep = sleep
        self.clock = clock
        self.resume_at = 0.0
        self.awaiting_probe = False
        self.probe_in_flight = False
        self.judged = True  # every 429 of this episode carried a usable Retry-After

    def before_send(self, max_wait: float) -> bool:
        """Block until this loop may send; True when the request about to go is the probe."""
        deadline = self.clock() + max_wait
        while self.clock() < deadline:  # bounded: never waits longer than max_wait in total
            now = self.clock()
            if now < self.resume_at:
                self.sleep(min(self.resume_at - now, deadline - now))
                continue
            if not self.awaiting_probe:
                return False
            if not self.probe_in_flight:
                self.probe_in_flight = True
                return True
            self.sleep(0.01)
        return False

    def on_throttled(self, wait: float, judged: bool) -> None:
        """A 429 arrived: ``wait`` is its Retry-After (or the kit's fallback, then ``judged`` is False)."""
        if not self.awaiting_probe or self.probe_in_flight:
            self.judged = judged  # a new episode (or the probe itself failed): start judging afresh
        else:
            self.judged = self.judged and judged
        self.resume_at = max(self.resume_at, self.clock() + wait)
        self.awaiting_probe = True
        self.probe_in_flight = False

    def on_probe_answered(self, throttled: bool) -> None:
        self.probe_in_flight = False
        if not throttled:
            self.awaiting_probe = False
