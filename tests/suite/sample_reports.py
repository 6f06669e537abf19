"""Reports as a run writes them, built through the real model (verdicts -> build), for the report views' tests.

``failing_report()`` has what a reader must see: a property-based check failing on several operations with one
fault (one curl), a hand-written check whose failing exchange carries masked credentials, a waived failure, a
check that failed in the baseline too, and passing checks.
"""

from __future__ import annotations

import time
from typing import Any

from conformance.catalogue import catalogue
from conformance.report.model import build
from conformance.verdicts import Outcome, Results

PROFILE = "ci"
TARGET = "http://127.0.0.1:8080"
CONTENT_TYPE_OPS = {
    "instances_create": ("POST", "/compute/instances", 400),
    "vpcs_list": ("GET", "/compute/vpcs", 401),
}


def _exchange(method: str, path: str, status: int, body: str) -> dict[str, Any]:
    url = f"{TARGET}{path}"
    return {
        "identity": "alice.admin",
        "method": method,
        "url": url,
        "request_headers": [["authorization", "Bearer ***"], ["content-type", "application/json"]],
        "request_body": '{"name": "web-1"}' if method == "POST" else "",
        "status": status,
        "response_headers": [["content-type", "text/plain; charset=utf-8"], ["ratelimit-limit", "30"]],
        "response_body": body,
        "elapsed_ms": 1.5,
        "error": None,
        "curl": f"curl -i -X {method} -H 'authorization: Bearer ***' {url}",
    }


def _property_failure(operation: str) -> Outcome:
    method, path, status = CONTENT_TYPE_OPS[operation]
    message = (
        "content_type_conformance: Undocumented Content-Type\n\nReceived: text/plain; charset=utf-8\n"
        f"Documented: application/json\n{method} {path} -> {status}\n"
        f"Reproduce with: curl -X {method} -H 'Authorization: Bearer ***' {TARGET}{path}"
    )
    outcome = Outcome(f"conformance/suite/test_properties.py::test_operation[{operation}]", "failed", message)
    return outcome


def _results(failing: bool) -> Results:
    results = Results()
    for entry in catalogue().for_profile(PROFILE):
        results.add(entry.id, Outcome(f"conformance/suite/test_x.py::test_{entry.id.lower()}", "passed"))
    if not failing:
        return results
    for operation in CONTENT_TYPE_OPS:
        results.add("SCHEMA-CONTENT-TYPE", _property_failure(operation))
    shape = Outcome(
        "conformance/suite/test_errors.py::test_every_error_class_has_the_error_shape[BadRequest]",
        "failed",
        "AssertionError: an error must be JSON; Content-Type is 'text/plain': POST /compute/vpcs -> 400\n"
        "assert ('text/plain' == 'application/json')\n  at conformance/suite/test_errors.py:111",
        exchanges=[_exchange("POST", "/compute/vpcs", 400, '{"error":"body: malformed JSON"}')],
    )
    results.add("ERR-SHAPE", shape)
    results.add("SCHEMA-HEADERS", Outcome("conformance/suite/test_x.py::test_headers", "failed", "no Retry-After"))
    results.add("NO-5XX", _property_failure_5xx())
    return results


def _property_failure_5xx() -> Outcome:
    return Outcome(
        "conformance/suite/test_properties.py::test_operation[buckets_create]",
        "failed",
        "not_a_server_error: Server error\nPOST /storage/buckets -> 500\n"
        f"Reproduce with: curl -X POST -d '{{}}' {TARGET}/storage/buckets",
    )


def failing_report() -> dict[str, Any]:
    waivers = {"SCHEMA-HEADERS": "the gateway strips Retry-After (OPS-9)"}
    verdicts = _results(True).verdicts(catalogue(), PROFILE, waivers)
    baseline = {e.id: "passed" for e in catalogue().for_profile(PROFILE)} | {"NO-5XX": "failed"}
    return _build(verdicts, baseline)


def passing_report() -> dict[str, Any]:
    return _build(_results(False).verdicts(catalogue(), PROFILE, {}), None)


def _build(verdicts: Any, baseline: dict[str, str] | None) -> dict[str, Any]:
    return build(
        target=TARGET,
        profile=PROFILE,
        seed=7,
        run_id="a1b2c3",
        catalogue=catalogue(),
        verdicts=verdicts,
        operations=["instances_create", "vpcs_list", "vpcs_create", "buckets_create", "auth_jwks"],
        cleanup_failures=[],
        kit_errors=[],
        started=time.time() - 42.0,
        baseline=baseline,
        baseline_path="reports/baseline/report.json" if baseline else None,
        properties=None,
    )
