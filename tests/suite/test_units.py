"""Pure units: pacing below the limit, redaction of secrets, contract lookups, verdict arithmetic."""

from __future__ import annotations

import httpx
import pytest

from conformance.contract import contract
from conformance.pacing import Pacer
from conformance.recording import MASK, Exchange, Recorder, Redactor
from conformance.verdicts import worst

pytestmark = pytest.mark.suite


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_pacer_never_admits_more_than_its_budget_in_any_window() -> None:
    clock = FakeClock()
    pacer = Pacer(24, 1.0, clock=clock, sleep=clock.sleep)
    stamps = []
    for _ in range(100):
        pacer.acquire()
        stamps.append(clock.now)
    for i, start in enumerate(stamps):
        assert sum(1 for s in stamps[i:] if s - start < 1.0) <= 24


def test_pacer_hold_silences_until_retry_after() -> None:
    clock = FakeClock()
    pacer = Pacer(5, 1.0, clock=clock, sleep=clock.sleep)
    pacer.hold(3)
    pacer.acquire()
    assert clock.now >= 3


def test_recording_redacts_credentials_everywhere() -> None:
    redact = Redactor()
    secret = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY12"
    redact.add(secret)
    request = httpx.Request(
        "POST",
        "http://127.0.0.1/auth/iam/exchange-credentials",
        headers={"Authorization": "Bearer eyJhbGciOi.abc.def", "Cookie": "cnx_access=tok123456"},
        json={"access_key_id": "CNXK0000000000000001", "secret_access_key": secret},
    )
    response = httpx.Response(
        200,
        headers={"Set-Cookie": "cnx_refresh=r-value-123456; HttpOnly; Max-Age=2592000"},
        json={"access_token": "eyJz.yyy.zzz", "note": f"echo {secret}"},
        request=request,
    )
    exchange = Recorder(redact).record("alice.admin", request, response, 0.01)
    text = repr(exchange.to_dict())
    for leaked in (secret, "eyJhbGciOi", "tok123456", "r-value-123456", "eyJz.yyy.zzz"):
        assert leaked not in text
    assert MASK in exchange.curl
    assert "Max-Age=2592000" in text  # cookie attributes stay: they are evidence


def test_contract_reads_the_spec() -> None:
    c = contract()
    assert c.op("instances_create").success_status == 201
    assert c.url("buckets_get", bucket_name="a b") == "/storage/buckets/a%20b"
    assert c.match("GET", "/compute/instances/i-123") == "instances_get"
    assert c.rate_limit == c.ext("rate-limit")["requests_per_second"]


def test_worst_outcome_wins() -> None:
    assert worst(["passed", "inconclusive", "failed"]) == "failed"
    assert worst(["passed", "inconclusive"]) == "inconclusive"
    assert worst([]) == "not-run"


def test_a_schemathesis_response_becomes_a_redacted_exchange() -> None:
    from types import SimpleNamespace

    import requests

    from conformance.recording import Redactor, exchange_of

    prepared = requests.Request(
        "POST",
        "http://127.0.0.1:1/compute/vpcs",
        headers={"Authorization": "Bearer secret-token-123", "Content-Type": "application/json"},
        data=b'{"name": "web-1", "password": "hunter2hunter2"}',
    ).prepare()
    response = SimpleNamespace(
        request=prepared,
        status_code=400,
        headers={"content-type": ["text/plain; charset=utf-8"], "set-cookie": ["cnx_access=abcdefgh12345; HttpOnly"]},
        content=b'{"error": "bad"}',
        elapsed=0.0123,
    )
    redact = Redactor()
    redact.add("secret-token-123")
    exchange = exchange_of(response, redact)
    assert exchange.method == "POST"
    assert exchange.status == 400
    assert ("authorization", "Bearer ***") in exchange.request_headers
    assert '"password": "***"' in exchange.request_body
    assert ("content-type", "text/plain; charset=utf-8") in exchange.response_headers
    assert ("set-cookie", "cnx_access=***; HttpOnly") in exchange.response_headers
    assert exchange.response_body == '{"error": "bad"}'
    assert "secret-token-123" not in exchange.curl
    assert exchange.curl.startswith("curl -i -X POST -H 'authorization: Bearer ***'")


def test_a_recorded_json_body_keeps_its_own_text_so_its_curl_reproduces_it() -> None:
    redact = Redactor()
    # Duplicate names, spacing and escapes are what a hostile check sends: re-serialising would lose them.
    sent = b'{"email":"a@example.com",  "password": "hunter22", "password": "other-pass", "n": "\\u00e9"}'
    body = redact.body(sent, "application/json")
    assert body == '{"email":"a@example.com",  "password": "***", "password": "***", "n": "\\u00e9"}'
    # A secret behind an escaped member name cannot be masked in place: the parsed form is shown, masked.
    escaped = redact.body(b'{"pass\\u0077ord": "hunter22"}', "application/json")
    assert "hunter22" not in escaped
    assert MASK in escaped


def test_a_long_failure_message_keeps_its_first_sentence() -> None:
    from conformance.session import _head

    message = "AssertionError: 12 requests were not refused cleanly:\n" + "  a request -> 500\n" * 400
    kept = _head(message)
    assert len(kept) <= 4000
    assert kept.startswith("AssertionError: 12 requests were not refused cleanly:")
    assert kept.endswith("more characters cut)")


@pytest.mark.parametrize(
    "sent",
    [b'{"role": "\\udfff"}', b'{"role": "\xed\xbf\xbf"}', '{"role": "é"}'.encode("utf-16"), b'\xef\xbb\xbf{"a": 1}'],
)
def test_a_recorded_json_body_survives_surrogates_and_other_encodings(sent: bytes) -> None:
    body = Redactor().body(sent, "application/json")
    assert "role" in body or '"a"' in body


def test_accepted_in_a_window_counts_round_trips_inside_it() -> None:
    from conformance.suite.ratelimit_load import Offered, Shot

    # 40 sends stamped within 0.4 s, each answered 0.01 s later: 40 decided inside one second.
    prompt = Offered([Shot(i * 0.01, "/p", 200, None, 0.01) for i in range(40)], 1.0)
    assert prompt.max_accepted_in_window(1.0, 429) == 40
    # The same stamps from a starved client whose sends went out late (answers spread over 2 s): the target may
    # have decided them over two windows, so no window holds all 40 for sure.
    starved = Offered([Shot(i * 0.01, "/p", 200, None, 0.05 * i) for i in range(40)], 1.0)
    assert starved.max_accepted_in_window(1.0, 429) < 30
    assert prompt.max_accepted_in_window(1.0, 200) == 0  # throttled ones never count as accepted


def test_a_failure_keeps_the_exchange_its_message_names_even_when_older_than_the_last_few() -> None:
    from conformance.session import _kept

    def exchange(path: str) -> Exchange:
        return Exchange("alice", "POST", f"http://t{path}", [], "{}", 400, [], "{}", 1.0)

    battery = [exchange(f"/compute/vpcs/{i}") for i in range(10)]
    battery.insert(0, exchange("/auth/signup"))
    kept = _kept(battery, "AssertionError: 11 of 11 bodies were not refused:\n  POST /auth/signup -> 400 ...")
    assert len(kept) == 6
    assert kept[0].url == "http://t/auth/signup"
    assert kept[1:] == battery[-5:]
    assert _kept(battery, "no call named") == battery[-6:]


def test_json_bodies_are_masked_in_place_a_huge_one_too() -> None:
    redact = Redactor()
    body = b'{"a": "b", "password": "hunter2", "n": {"secret_access_key": "s\\"q", "t": ["token"]}, "x": "token"}'
    shown = redact.body(body, "application/json")
    assert shown == '{"a": "b", "password": "***", "n": {"secret_access_key": "***", "t": ["token"]}, "x": "token"}'
    # A hostile 16 MiB body (HOSTILE-OVERSIZE) is masked in one pass (the old pattern re-scanned it for seconds).
    huge = b'{"token": "t0k3n", "name": "' + b"x" * (16 << 20) + b'"}'
    assert redact.body(huge, "application/json").startswith('{"token": "***", "name": "xxx')
