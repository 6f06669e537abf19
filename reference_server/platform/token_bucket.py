"""Token-bucket limiter: the seed's *soft* limit as production gateways implement it (cloudnx_spec.rate_limit()).

Each key owns a bucket holding at most ``capacity`` tokens (the spec's ``burst``), refilled continuously at
``rate`` tokens per second (``requests_per_second``); a request spends one token or is refused. Over any T seconds
a key gets at most ``rate * T + capacity`` requests accepted, and a client sending at most ``rate`` requests in
every second is never refused when ``capacity >= rate * window`` — the spec's two bounds. Retry-After is the whole
seconds until one token is back, so waiting it out always succeeds. Memory: one (tokens, stamp) pair per key and
``max_keys`` keys, least recently used evicted first (an evicted key starts again with a full bucket).
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from reference_server.platform.ratelimit import Decision

__all__ = ["TokenBucketLimiter"]


class TokenBucketLimiter:
    def __init__(
        self,
        rate: float,
        capacity: int,
        *,
        max_keys: int = 100000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or capacity < 1:
            raise ValueError("a token bucket needs rate > 0 and capacity >= 1")
        self.rate = rate
        self.capacity = capacity
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, as of)

    def __len__(self) -> int:
        return len(self._buckets)

    def hit(self, key: str) -> Decision:
        now = self.clock()
        tokens, stamp = self._buckets.get(key, (float(self.capacity), now))
        tokens = min(float(self.capacity), tokens + (now - stamp) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        self._buckets.move_to_end(key)
        if len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        # Whole seconds until a token is back, rounded up (RFC 9110 §10.2.3 delay-seconds).
        wait = 0 if tokens >= 1.0 else math.ceil((1.0 - tokens) / self.rate)
        limit = math.ceil(self.rate)
        if allowed:
            return Decision(True, limit, int(tokens), wait, 0)
        return Decision(False, limit, 0, wait, max(1, wait))
