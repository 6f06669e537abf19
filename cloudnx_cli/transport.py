"""Send one API call with bounded, safe retries.

- 429 (RFC 6585 §4): the target did not act; wait ``Retry-After`` seconds (RFC 9110 §10.2.3) and send again.
  A missing or unusable value falls back to exponential backoff; a wait longer than ``MAX_RETRY_AFTER`` is not
  made, the 429 is reported instead.
- A connection that was never made: nothing reached the target, any call may be sent again.
- A lost answer (reset, timeout, truncated response) or a 5xx: the target may have acted. Sent again only when
  that cannot act twice: a safe method, or an operation that honours the ``Idempotency-Key`` the CLI generated
  once for this invocation and sends, unchanged, with every attempt (draft-ietf-httpapi-idempotency-key-header).
- A 401 after a cached bearer token: exchange the key once more, then send again.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from cloudnx_cli.auth import Auth, NoAuth
from cloudnx_cli.errors import NetworkError

__all__ = ["MAX_RETRY_AFTER", "Call", "Transport"]

MAX_RETRY_AFTER = 60.0
_BACKOFF_BASE = 0.25
_BACKOFF_CAP = 8.0


@dataclass
class Call:
    method: str
    path: str  # already expanded, e.g. /compute/vpcs/vpc-0a1b
    query: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None  # serialised once: every attempt sends the same bytes (the key's fingerprint)
    headers: dict[str, str] = field(default_factory=dict)
    retry_unanswered: bool = False  # True when a lost answer or a 5xx may be retried (see the module doc)


def _redacted(authorization: str) -> str:
    """The scheme and SigV4's credential scope stay readable (they tell how the call was signed); secrets go."""
    scheme, _, rest = authorization.partition(" ")
    if "Signature=" in rest:
        return f"{scheme} {rest.split('Signature=', 1)[0]}Signature=<redacted>"
    return f"{scheme} <redacted>"


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.isdigit() else None


@dataclass
class Transport:
    endpoint: str
    auth: Auth = field(default_factory=NoAuth)
    max_attempts: int = 5
    timeout: float = 30.0
    debug: bool = False
    sleep: Callable[[float], None] = time.sleep
    user_agent: str = "cloudnx-cli"
    _client: httpx.Client | None = None

    def _note(self, message: str) -> None:
        if self.debug:
            print(f"cloudnx: {message}", file=sys.stderr)

    def _backoff(self, attempt: int) -> float:
        ceiling = min(_BACKOFF_CAP, _BACKOFF_BASE * 2.0 ** (attempt - 1))
        return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret

    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(timeout=self.timeout, headers={"User-Agent": self.user_agent})
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def send(self, call: Call) -> httpx.Response:
        """The final response (success or the last error); ``NetworkError`` when no answer ever came."""
        renewed = False
        attempt = 0
        while True:
            attempt += 1
            headers = {**call.headers}
            if call.body is not None:
                headers["Content-Type"] = "application/json"
            request = self.client().build_request(
                call.method, self.endpoint + call.path, params=call.query or None, content=call.body, headers=headers
            )
            self.auth.apply(request)  # signed per attempt: a fresh X-Amz-Date each time
            self._note(f"> {call.method} {request.url} (attempt {attempt} of {self.max_attempts})")
            for name, value in call.headers.items():
                self._note(f">   {name}: {value}")
            if "Authorization" in request.headers:
                self._note(f">   Authorization: {_redacted(request.headers['Authorization'])}")
            started = time.monotonic()
            try:
                response = self.client().send(request)
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                wait = self._backoff(attempt)
                if attempt >= self.max_attempts:
                    raise NetworkError(f"cannot connect to {self.endpoint}: {exc}") from exc
                self._note(f"< no connection ({exc}); retrying in {wait:.2f}s")
            except httpx.TransportError as exc:
                if not call.retry_unanswered:
                    raise NetworkError(
                        f"{call.method} {call.path}: no answer ({exc or type(exc).__name__}); not retried, as the "
                        "operation takes no Idempotency-Key and may have acted"
                    ) from exc
                if attempt >= self.max_attempts:
                    raise NetworkError(
                        f"{call.method} {call.path}: no answer after {attempt} attempts: {exc}"
                    ) from exc
                wait = self._backoff(attempt)
                self._note(f"< answer lost ({exc or type(exc).__name__}); retrying in {wait:.2f}s with the same key")
            else:
                elapsed = (time.monotonic() - started) * 1000
                self._note(f"< {response.status_code} in {elapsed:.0f} ms")
                if response.status_code == 401 and not renewed and self.auth.renew():
                    renewed = True
                    attempt -= 1  # a renewed credential is not a retry of the same attempt
                    continue
                wait_or_none = self._should_retry(response, call, attempt)
                if wait_or_none is None:
                    return response
                wait = wait_or_none
            self.sleep(wait)

    def _should_retry(self, response: httpx.Response, call: Call, attempt: int) -> float | None:
        if attempt >= self.max_attempts:
            return None
        if response.status_code == 429:
            after = _retry_after(response)
            if after is not None and after > MAX_RETRY_AFTER:
                self._note(f"< Retry-After {after:.0f}s is longer than {MAX_RETRY_AFTER:.0f}s; not waiting")
                return None
            wait = after if after is not None else self._backoff(attempt)
            self._note(f"< rate limited; retrying in {wait:.2f}s")
            return wait
        if response.status_code >= 500 and call.retry_unanswered:
            wait = self._backoff(attempt)
            self._note(f"< {response.status_code}; retrying in {wait:.2f}s with the same key")
            return wait
        return None
