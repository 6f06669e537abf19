"""The property part's HTTP session: every request, generated or a check's probe, paced per identity.

schemathesis sends through ``requests`` and hands the session of a call to the checks that probe again
(``ignored_auth``, ``use_after_free``...), so one session subclass covers all of the part's traffic without
touching schemathesis's own classes. A 429 is validated (integer Retry-After, error shape), then waited out;
an operation counts as exercised only once the target answered it; a target that stops answering is noticed
here and the run is told when.
"""

from __future__ import annotations

from collections.abc import Callable
from http.cookiejar import DefaultCookiePolicy
from typing import Any
from urllib.parse import urlsplit

import requests

from conformance.properties.checks import error_shape, retry_after_is_integer
from conformance.properties.tally import Tally
from conformance.runtime import Run

__all__ = ["PacedSession"]

_ATTEMPTS = 4


class _Seen:
    """A requests response through the attributes the kit's schemathesis checks read."""

    def __init__(self, response: requests.Response) -> None:
        self.status_code = response.status_code
        self.headers = {k.lower(): [v] for k, v in response.headers.items()}
        self.content = response.content


class PacedSession(requests.Session):
    def __init__(self, run: Run, identity_of: Callable[[str], str | None], tally: Callable[[], Tally]) -> None:
        super().__init__()
        # Each case sends exactly the cookies it was generated with: a jar would replay a login's cnx_refresh into
        # a case that omits it (a target whose cookies are not Secure — COOKIE-ATTRIBUTES is RECOMMENDED — then
        # "accepts" the invalid case, and INPUT-INVALID-REJECTED fails a conformant server).
        self.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))
        self.run = run
        self.identity_of = identity_of  # bearer token -> identity name (the pacing key)
        self.tally = tally

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        header = str(request.headers.get("Authorization", ""))
        identity = self.identity_of(header.removeprefix("Bearer ")) if header.startswith("Bearer ") else None
        pacer = self.run.pacers.get(identity or "anonymous")
        path = urlsplit(request.url or "").path
        operation = self.run.contract.match(request.method or "GET", path)
        for attempt in range(_ATTEMPTS):
            pacer.acquire()
            try:
                response = super().send(request, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                stopped = self.run.lost(exc)
                if stopped is not None:
                    raise stopped from exc
                raise
            if operation:
                self.run.recorder.mark_operation(operation)
            if response.status_code != 429 or attempt == _ATTEMPTS - 1:
                return response
            # Pacing should prevent this; when it happens anyway, the 429 itself must be well-formed.
            seen = _Seen(response)
            for check in (retry_after_is_integer, error_shape):
                try:
                    check(None, seen, None)
                    self.tally().add(check.__name__, None)
                except AssertionError as exc:
                    self.tally().add(check.__name__, f"{request.method} {path}: {exc}")
            value = response.headers.get("retry-after", "")
            pacer.hold(min(float(value), 60.0) if value.isdigit() else pacer.window)
        raise AssertionError("unreachable: the last attempt returns")  # pragma: no cover
