"""Documented response headers: the spec accessor, and the suite's judgement of a response's headers."""

from __future__ import annotations

import pytest

import cloudnx_spec
from conformance.headers import header_problems

pytestmark = pytest.mark.suite


def test_retry_after_is_required_on_429_and_ranges_fall_back() -> None:
    create = cloudnx_spec.operation("vpcs_create")
    throttled = {h.name: h for h in cloudnx_spec.response_headers(create, 429)}
    assert throttled["Retry-After"].required
    assert throttled["Retry-After"].schema["type"] == "integer"
    # 418 is not written out: the 4XX range's headers apply.
    assert {h.name for h in cloudnx_spec.response_headers(create, 418)} >= {"RateLimit-Limit"}


@pytest.mark.parametrize(
    ("status", "headers", "wanted"),
    [
        (429, [("Retry-After", "2"), ("RateLimit-Limit", "30")], []),
        (429, [("RateLimit-Limit", "30")], ["Retry-After is required"]),
        (429, [("retry-after", "Wed, 21 Oct 2026 07:28:00 GMT")], ["Retry-After: 'Wed"]),
        (429, [("Retry-After", "0")], ["Retry-After: '0'"]),
        (201, [("RateLimit-Remaining", "-1")], ["RateLimit-Remaining"]),
        (201, [("Idempotent-Replayed", "yes")], ["Idempotent-Replayed"]),
        (201, [("Idempotent-Replayed", "true"), ("RateLimit-Reset", "1")], []),
    ],
)
def test_header_problems(status: int, headers: list[tuple[str, str]], wanted: list[str]) -> None:
    problems = header_problems(cloudnx_spec.operation("vpcs_create"), status, headers)
    assert len(problems) == len(wanted)
    for problem, start in zip(problems, wanted, strict=True):
        assert problem.startswith(start), problem
