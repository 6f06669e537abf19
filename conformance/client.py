"""``ApiClient``: httpx bound to the target with one identity's auth, paced, recording every exchange."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from conformance.contract import Contract
from conformance.errors import TargetUnreachable
from conformance.identities import Identity
from conformance.pacing import Pacer
from conformance.recording import Recorder
from conformance.sigv4 import sign

__all__ = ["AUTH_MODES", "ApiClient", "send_recorded"]

AUTH_MODES = ("cookie", "bearer", "sigv4", "none")


def send_recorded(
    http: httpx.Client, request: httpx.Request, *, identity: str, pacer: Pacer | None, recorder: Recorder
) -> httpx.Response:
    """Send one request (after pacing), read it fully and record it; transport failures are kit errors."""
    if pacer is not None:
        pacer.acquire()
    started = time.perf_counter()
    try:
        response = http.send(request)
        response.read()
    except httpx.TransportError as exc:
        recorder.record(identity, request, None, time.perf_counter() - started, error=repr(exc))
        raise TargetUnreachable(
            f"{request.method} {request.url} failed: {exc.__class__.__name__}: {exc}",
            hint="check that the target is up and reachable from this machine",
        ) from exc
    recorder.record(identity, request, response, time.perf_counter() - started)
    return response


class ApiClient:
    """An identity's view of the API. ``call`` addresses operations by id; ``request`` by method and path.

    ``retry_429``: off by default so that a check sees exactly what the target answered; the suite's pacing keeps
    its own traffic below the limit. When on, a 429 with an integer Retry-After is waited out (and recorded).
    """

    def __init__(
        self,
        http: httpx.Client,
        contract: Contract,
        identity: Identity,
        auth: str,
        pacer: Pacer,
        recorder: Callable[[], Recorder],
        renew: Callable[[Identity, str], None] | None = None,
        retry_429: bool = False,
    ) -> None:
        if auth not in AUTH_MODES:
            raise ValueError(f"auth must be one of {AUTH_MODES}, got {auth!r}")
        self.http = http
        self.contract = contract
        self.identity = identity
        self.auth = auth
        self.pacer = pacer
        self._recorder = recorder
        self._renew = renew
        self.retry_429 = retry_429

    def call(
        self,
        operation_id: str,
        *,
        path_params: Mapping[str, Any] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        info = self.contract.op(operation_id)
        path = self.contract.url(operation_id, **{k: str(v) for k, v in (path_params or {}).items()})
        return self.request(info.method, path, json=json, headers=headers, params=params, content=content)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        for _attempt in range(5):
            response = self._send_once(method, path, json=json, headers=headers, params=params, content=content)
            if response.status_code != 429 or not self.retry_429:
                return response
            retry_after = response.headers.get("retry-after", "")
            # Never flood a target that gives no usable Retry-After (RFC 9110 §10.2.3): back off a full window.
            wait = float(retry_after) if retry_after.isdigit() else self.pacer.window
            self.pacer.hold(min(wait, 60.0))
        return response

    def _send_once(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = dict(kwargs.pop("headers") or {})
        if self._renew is not None and self.auth in ("cookie", "bearer"):
            self._renew(self.identity, self.auth)
        if self.auth == "cookie" and self.identity.cookie_header and "cookie" not in {h.lower() for h in headers}:
            headers["Cookie"] = self.identity.cookie_header
        if self.auth == "bearer" and self.identity.bearer:
            headers.setdefault("Authorization", f"Bearer {self.identity.bearer}")
        request = self.http.build_request(method, path, headers=headers, **kwargs)
        if self.auth == "sigv4":
            if not (self.identity.access_key_id and self.identity.secret):
                raise ValueError(f"identity {self.identity.name} has no access key: it cannot sign SigV4")
            sign(request, self.identity.access_key_id, self.identity.secret)
        recorder = self._recorder()
        response = send_recorded(self.http, request, identity=self.identity.name, pacer=self.pacer, recorder=recorder)
        operation = self.contract.match(method, request.url.path)
        if operation:  # exercised only once the target answered it
            recorder.mark_operation(operation)
        return response

    def __repr__(self) -> str:
        return f"ApiClient({self.identity.name}, auth={self.auth})"
