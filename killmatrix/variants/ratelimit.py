"""Rate-limit faults (seed "Rate limits"; RFC 6585 §4; RFC 9110 §10.2.3 Retry-After).

Faults in the limiter's *header* rewrite the server's 429s. Faults in its *scope* lift the server's own limit
(``rate_limit`` setting) and put a deliberately wrong limiter in the middleware instead.
"""

from __future__ import annotations

import collections
import time
from email.utils import formatdate
from typing import Any, ClassVar

import cloudnx_spec
from killmatrix import routes
from killmatrix.fault import Fault
from killmatrix.wire import Forward, Request, Response, json_response

__all__ = [
    "RateLimitGlobalBucket",
    "RateLimitHttpDate",
    "RateLimitNoRetryAfter",
    "RateLimitNone",
    "RateLimitPerService",
    "RateLimitRetryAfterLies",
    "RateLimitTooLax",
    "RateLimitTooStrict",
    "RateLimitZero",
]

_LIFTED = {"rate_limit": 1_000_000}


def _spec_limit() -> int:
    return cloudnx_spec.rate_limit().requests_per_second


def _hide_lifted_limit(response: Response) -> Response:
    """Advertise the spec's limit, not the lifted one: the variant must break only its own rule."""
    limit = _spec_limit()
    if response.header("ratelimit-limit") is not None:
        response.set_header("ratelimit-limit", str(limit))
    remaining = response.header("ratelimit-remaining")
    if remaining is not None and remaining.isdigit():
        response.set_header("ratelimit-remaining", str(min(int(remaining), limit)))
    return response


class _RetryAfterRewrite(Fault):
    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if response.status == 429:
            response.set_header("retry-after", self.rewrite(response.header("retry-after") or "1"))
        return response

    def rewrite(self, value: str) -> str | None:
        return value


class RateLimitNoRetryAfter(_RetryAfterRewrite):
    name = "ratelimit-no-retry-after"
    area = "ratelimit"
    description = "429 without Retry-After"
    catches = ("RATE-RETRY-AFTER-INTEGER",)

    def rewrite(self, value: str) -> str | None:
        return None


class RateLimitHttpDate(_RetryAfterRewrite):
    name = "ratelimit-http-date"
    area = "ratelimit"
    description = "Retry-After as an HTTP-date instead of the spec's delay-seconds"
    catches = ("RATE-RETRY-AFTER-INTEGER",)

    def rewrite(self, value: str) -> str | None:
        return formatdate(time.time() + int(value), usegmt=True)


class RateLimitZero(_RetryAfterRewrite):
    name = "ratelimit-zero"
    area = "ratelimit"
    description = "Retry-After: 0 (the spec requires at least 1)"
    catches = ("RATE-RETRY-AFTER-INTEGER",)

    def rewrite(self, value: str) -> str | None:
        return "0"


class RateLimitNone(Fault):
    name = "ratelimit-none"
    area = "ratelimit"
    description = "no rate limit at all"
    catches = ("RATE-OVER-LIMIT",)
    settings = _LIFTED

    async def handle(self, request: Request, forward: Forward) -> Response:
        return _hide_lifted_limit(await forward(request))


class _MiddlewareLimiter(Fault):
    """A sliding window like the spec's, keyed by ``bucket()``; subclasses get the scope or the numbers wrong."""

    settings = _LIFTED
    limit_factor: ClassVar[float] = 1.0
    penalty_seconds: ClassVar[float] = 0.0

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.windows: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self.blocked_until: dict[str, float] = {}

    def bucket(self, request: Request) -> str:
        return self.ctx.credential_key(request)

    async def handle(self, request: Request, forward: Forward) -> Response:
        if routes.match(request.method, request.path) is None:
            return await forward(request)
        key, now = self.bucket(request), time.monotonic()
        window = self.windows[key]
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= int(_spec_limit() * self.limit_factor) or self.blocked_until.get(key, 0.0) > now:
            if self.penalty_seconds and self.blocked_until.get(key, 0.0) <= now:
                self.blocked_until[key] = now + self.penalty_seconds
            return json_response(429, {"error": "rate limit exceeded"}, {"Retry-After": "1"})
        window.append(now)
        return _hide_lifted_limit(await forward(request))


class RateLimitPerService(_MiddlewareLimiter):
    name = "ratelimit-per-service"
    area = "ratelimit"
    description = "30 req/s counted per service: one user gets 90 req/s across auth, compute and storage"
    catches = ("RATE-OVER-LIMIT",)

    def bucket(self, request: Request) -> str:
        return self.ctx.credential_key(request) + "@" + routes.service_of(request.path)


class RateLimitGlobalBucket(_MiddlewareLimiter):
    name = "ratelimit-global-bucket"
    area = "ratelimit"
    description = "one bucket for everybody: a noisy user throttles all the others"
    catches = ("RATE-OTHER-USER",)

    def bucket(self, request: Request) -> str:
        return "everyone"


class RateLimitTooStrict(_MiddlewareLimiter):
    name = "ratelimit-too-strict"
    area = "ratelimit"
    description = "the limit is 2/3 of the documented 30 req/s: a client at 28 req/s is throttled"
    catches = ("RATE-UNDER-LIMIT",)
    limit_factor = 2 / 3


class RateLimitTooLax(_MiddlewareLimiter):
    name = "ratelimit-twice-too-high"
    area = "ratelimit"
    description = "60 req/s accepted per principal: within rate + burst in one second, twice the sustained rate"
    catches = ("RATE-OVER-LIMIT",)
    limit_factor = 2.0


class RateLimitRetryAfterLies(_MiddlewareLimiter):
    name = "ratelimit-retry-after-lies"
    area = "ratelimit"
    description = "Retry-After says 1 s but the caller stays blocked for 4 s"
    catches = ("RATE-WAIT-SUCCEEDS",)
    penalty_seconds = 4.0
