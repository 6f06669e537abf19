"""Documented response headers, judged on every response the protocol checks received in the run.

Spec: each response's ``headers`` (components.headers: Retry-After required on 429, RateLimit-*, Idempotent-Replayed,
Set-Cookie). A required header must be present; any documented header that is present must match its schema
(RFC 9110 §5: a header value is text, so an integer schema means the whole value is a decimal integer). The
property-based part judges the responses schemathesis generates; this sweep judges the rest.
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import httpx
import pytest

import cloudnx_spec
from conformance.checks import check
from conformance.fixtures import RECORDER_KEY
from conformance.headers import header_problems
from conformance.runtime import Run


@check("SCHEMA-HEADERS")
@pytest.mark.cnx_last
def test_documented_headers_of_every_response_seen(request: pytest.FixtureRequest, cnx_run: Run) -> None:
    recorders = [cnx_run.bootstrap_recorder]
    recorders += [r for item in request.session.items if (r := item.stash.get(RECORDER_KEY, None)) is not None]
    judged = 0
    found: dict[str, str] = {}
    for exchange in (e for r in recorders for e in list(r.exchanges) if e.status is not None):
        operation = cloudnx_spec.match(exchange.method, httpx.URL(exchange.url).path, base_path_allowed=True)
        if operation is None:
            continue
        judged += 1
        for problem in header_problems(operation, exchange.status or 0, exchange.response_headers):
            found.setdefault(f"{operation.operation_id} -> {exchange.status}: {problem}", exchange.url)
    assert judged, "no response of a documented operation was recorded"
    assert not found, (
        f"{len(found)} documented response headers are missing or off-schema in {judged} responses:\n"
        + "\n".join(sorted(found)[:20])
    )
