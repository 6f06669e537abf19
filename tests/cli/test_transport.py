"""Retries, against scripted answers (httpx.MockTransport): which failures are retried, how long the CLI waits,
that every attempt carries the same Idempotency-Key, and that the attempts are bounded."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from cloudnx_cli.errors import NetworkError
from cloudnx_cli.transport import MAX_RETRY_AFTER, Call, Transport

pytestmark = pytest.mark.cli

Script = list[Callable[[httpx.Request], httpx.Response]]


def _transport(script: Script, seen: list[httpx.Request], waits: list[float], attempts: int = 5) -> Transport:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return script.pop(0)(request)

    transport = Transport("http://target.test", max_attempts=attempts, sleep=waits.append)
    transport._client = httpx.Client(transport=httpx.MockTransport(handler))
    return transport


def _answer(status: int, headers: dict[str, str] | None = None) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, headers=headers, json={"error": "x"} if status >= 400 else {})


def _lost(request: httpx.Request) -> httpx.Response:
    raise httpx.RemoteProtocolError("peer closed connection without sending complete message body", request=request)


def _refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


KEYED = Call("POST", "/compute/vpcs", body=b"{}", headers={"Idempotency-Key": "k-1"}, retry_unanswered=True)
UNKEYED = Call("POST", "/auth/login", body=b"{}", retry_unanswered=False)


def test_429_waits_retry_after_then_succeeds() -> None:
    seen: list[httpx.Request] = []
    waits: list[float] = []
    transport = _transport([_answer(429, {"Retry-After": "2"}), _answer(201)], seen, waits)
    assert transport.send(KEYED).status_code == 201
    assert waits == [2.0]
    assert [r.headers["Idempotency-Key"] for r in seen] == ["k-1", "k-1"]


def test_429_retries_are_bounded_by_max_attempts() -> None:
    seen: list[httpx.Request] = []
    waits: list[float] = []
    transport = _transport([_answer(429, {"Retry-After": "1"})] * 3, seen, waits, attempts=3)
    assert transport.send(UNKEYED).status_code == 429  # reported as the API error it is
    assert len(seen) == 3
    assert waits == [1.0, 1.0]


def test_429_with_a_retry_after_too_long_is_reported_not_waited() -> None:
    seen: list[httpx.Request] = []
    waits: list[float] = []
    too_long = str(int(MAX_RETRY_AFTER) + 1)
    assert _transport([_answer(429, {"Retry-After": too_long})], seen, waits).send(KEYED).status_code == 429
    assert waits == []


def test_429_without_retry_after_backs_off() -> None:
    waits: list[float] = []
    transport = _transport([_answer(429), _answer(429), _answer(200)], [], waits)
    assert transport.send(UNKEYED).status_code == 200
    assert len(waits) == 2
    assert all(0 < w <= 8 for w in waits)
    assert waits[1] > waits[0] / 2


def test_a_lost_answer_is_retried_with_the_same_key() -> None:
    seen: list[httpx.Request] = []
    transport = _transport([_lost, _answer(201)], seen, [])
    assert transport.send(KEYED).status_code == 201
    assert [r.headers["Idempotency-Key"] for r in seen] == ["k-1", "k-1"]
    assert seen[0].content == seen[1].content


def test_a_lost_answer_without_a_key_is_never_retried() -> None:
    seen: list[httpx.Request] = []
    with pytest.raises(NetworkError, match="not retried"):
        _transport([_lost, _answer(200)], seen, []).send(UNKEYED)
    assert len(seen) == 1


def test_5xx_is_retried_only_with_a_key() -> None:
    seen: list[httpx.Request] = []
    assert _transport([_answer(503), _answer(201)], seen, []).send(KEYED).status_code == 201
    assert len(seen) == 2
    seen.clear()
    assert _transport([_answer(503), _answer(200)], seen, []).send(UNKEYED).status_code == 503
    assert len(seen) == 1


def test_refused_connections_are_retried_for_any_call_then_reported() -> None:
    seen: list[httpx.Request] = []
    assert _transport([_refused, _answer(200)], seen, []).send(UNKEYED).status_code == 200
    with pytest.raises(NetworkError, match="cannot connect"):
        _transport([_refused] * 2, [], [], attempts=2).send(UNKEYED)


def test_each_attempt_is_signed_afresh() -> None:
    signed: list[int] = []

    class Counting:
        def apply(self, request: httpx.Request) -> None:
            signed.append(1)
            request.headers["Authorization"] = f"n{len(signed)}"

        def renew(self) -> bool:
            return False

    seen: list[httpx.Request] = []
    transport = _transport([_answer(429, {"Retry-After": "0"}), _answer(201)], seen, [])
    transport.auth = Counting()
    transport.send(KEYED)
    assert [r.headers["Authorization"] for r in seen] == ["n1", "n2"]


def test_a_401_renews_a_cached_token_once() -> None:
    renewals: list[int] = []

    class Cached:
        def apply(self, request: httpx.Request) -> None:
            request.headers["Authorization"] = "Bearer t"

        def renew(self) -> bool:
            renewals.append(1)
            return True

    seen: list[httpx.Request] = []
    transport = _transport([_answer(401), _answer(401)], seen, [])
    transport.auth = Cached()
    assert transport.send(UNKEYED).status_code == 401
    assert len(seen) == 2
    assert renewals == [1]
