"""One counting unit for every view of a report: a result is one check judged on one test or operation.

The terminal summary, summary.md, report.html, junit.xml and allure-results all read these views of report.json,
so their numbers agree. Failures are grouped by check, then operation, then distinct message (one curl each).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

import cloudnx_spec
from conformance.catalogue import REQUIRING_PROFILES

__all__ = [
    "CheckFailures",
    "DistinctFailure",
    "Result",
    "all_operations",
    "clean_message",
    "curl_of",
    "failing_exchange",
    "failure_groups",
    "label_of",
    "reproduce",
    "results",
]

_CALL = re.compile(r"\b(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (/[^\s?'\"]*)")
_CURL = re.compile(r"(?:Reproduce with:\s*)?(curl [^\n]+)")
# pytest's assertion rewriting (`assert ... + where ...`) explains the test's Python, not the target's fault.
_NOISE = re.compile(r"^\s*(assert\b|\+|- |where\b|=|Reproduce with:|at \S+:\d+$)|<built-in method")
_BAD = ("failed", "error")


@functools.cache
def _paths() -> dict[str, tuple[str, str]]:
    """operationId -> (METHOD, path template) from the spec."""
    return {o.operation_id: (o.method.upper(), o.path) for o in cloudnx_spec.operations()}


def all_operations() -> list[str]:
    return list(_paths())


def operation_of(method: str, path: str) -> str | None:
    path = path.split("?")[0].rstrip("/") or "/"
    prefix = cloudnx_spec.s3_data_plane().path_prefix_on_api_host
    for candidate in (path, path.split(prefix, 1)[0]):
        found = cloudnx_spec.match(method, candidate)
        if found is not None:
            return found.operation_id
    return None


def service_of(operation_id: str | None) -> str | None:
    if operation_id is None or operation_id not in _paths():
        return None
    return _paths()[operation_id][1].strip("/").split("/")[0]


def _operation(test: dict[str, Any]) -> str | None:
    """The result's operation: recorded by the run, else the failing call its message or exchange names."""
    if test.get("operation"):
        return str(test["operation"])
    match = _CALL.search(test.get("message") or "")
    if match:
        found = operation_of(match.group(1), match.group(2))
        if found:
            return found
    exchange = failing_exchange(test) if test.get("status") in _BAD else None
    if exchange is not None:
        path = re.sub(r"^[a-z]+://[^/]+", "", str(exchange.get("url", "")))
        return operation_of(str(exchange.get("method", "")), path)
    return None


@dataclass(frozen=True)
class Result:
    check: dict[str, Any]
    test: dict[str, Any]
    operation: str | None
    service: str | None

    @property
    def status(self) -> str:
        return str(self.test["status"])

    @property
    def name(self) -> str:
        """``<CHECK-ID> <operationId>``, or the test's name for a check not tied to one operation."""
        return f"{self.check['id']} {self.operation or self.test['nodeid'].split('::', 1)[-1]}"


def results(report: dict[str, Any]) -> list[Result]:
    out = []
    for check in report["checks"]:
        for test in check["tests"]:
            operation = _operation(test)
            service = test.get("service") or service_of(operation)
            out.append(Result(check, test, operation, service))
    return out


def label_of(report: dict[str, Any], check: dict[str, Any]) -> str:
    """regression | already failing in the baseline | waived | new (no baseline) | recommended (fails only strict)."""
    if check["verdict"] == "waived":
        return "waived"
    if check.get("level") == "RECOMMENDED" and report["profile"] not in REQUIRING_PROFILES:
        return f"recommended: reported, fails only {'/'.join(REQUIRING_PROFILES)}"
    baseline = report.get("baseline_verdicts")
    if baseline is None:
        return "new (no baseline)"
    return "regression" if baseline.get(check["id"]) == "passed" else "already failing in the baseline"


def clean_message(message: str) -> str:
    """The target's fault in a few lines: no curl (shown apart), no pytest assertion dump."""
    lines = []
    for line in (message or "").splitlines():
        # A fragment (a message kept from its end starts mid-line) says nothing on its own.
        if _NOISE.search(line) or _CURL.match(line.strip()) or len(line.strip()) < 8:
            continue
        lines.append(line.rstrip())
    return "\n".join(line for line in lines if line.strip())[:1200]


def failing_exchange(test: dict[str, Any]) -> dict[str, Any] | None:
    """The exchange the failure is about: the call its message names, else the last answered with an error."""
    exchanges: list[dict[str, Any]] = [dict(e) for e in test.get("exchanges") or [] if e.get("curl")]
    call = _CALL.search(test.get("message") or "")

    def named(exchange: dict[str, Any]) -> bool:
        path = re.sub(r"^[a-z]+://[^/]+", "", str(exchange.get("url", ""))).split("?")[0]
        return call is not None and exchange.get("method") == call.group(1) and path == call.group(2).split("?")[0]

    def erred(exchange: dict[str, Any]) -> bool:
        return bool(int(exchange.get("status") or 0) >= 400 or exchange.get("error"))

    # Never just the last exchange: a check whose failing traffic went elsewhere (an SDK) has no curl to show.
    for wanted in (named, erred):
        found = [e for e in exchanges if wanted(e)]
        if found:
            return found[-1]
    return None


def reproduce(test: dict[str, Any], fallback: str | None) -> tuple[str | None, str | None]:
    """(curl line, the operation it calls): from the failing exchange when there is one, else the message."""
    exchange = failing_exchange(test)
    if exchange is not None:
        path = re.sub(r"^[a-z]+://[^/]+", "", str(exchange.get("url", "")))
        return str(exchange["curl"]), operation_of(str(exchange.get("method", "")), path) or fallback
    return curl_of(test), fallback


def curl_of(test: dict[str, Any]) -> str | None:
    exchange = failing_exchange(test)
    if exchange is not None:
        return str(exchange["curl"])
    match = _CURL.search(test.get("message") or "")
    return match.group(1).strip() if match else None


def _shape(message: str) -> str:
    """What stays the same when one fault shows on many operations: calls, numbers and ids blanked."""
    first = clean_message(message).splitlines()[:1]
    text = _CALL.sub("CALL", first[0] if first else "")
    return re.sub(r"\d+", "N", re.sub(r"'[^']*'|\"[^\"]*\"", "'…'", text))[:160]


@dataclass
class DistinctFailure:
    message: str
    first: Result
    operations: list[str] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.results)


@dataclass
class CheckFailures:
    check: dict[str, Any]
    label: str
    results: list[Result] = field(default_factory=list)
    distinct: list[DistinctFailure] = field(default_factory=list)

    @property
    def operations(self) -> list[str]:
        return sorted({r.operation for r in self.results if r.operation})

    @property
    def unbound(self) -> list[str]:
        """Failing tests not tied to one operation (hand-written checks whose failing call is unknown)."""
        return sorted({r.test["nodeid"].split("::", 1)[-1] for r in self.results if not r.operation})


def failure_groups(report: dict[str, Any]) -> list[CheckFailures]:
    """Failed or errored results grouped by check (catalogue order), each with its distinct failures."""
    groups: dict[str, CheckFailures] = {}
    for result in results(report):
        if result.status not in _BAD:
            continue
        group = groups.setdefault(result.check["id"], CheckFailures(result.check, label_of(report, result.check)))
        group.results.append(result)
        shape = _shape(result.test.get("message") or "")
        distinct = next((d for d in group.distinct if _shape(d.message) == shape), None)
        if distinct is None:
            distinct = DistinctFailure(result.test.get("message") or "", result)
            group.distinct.append(distinct)
        distinct.results.append(result)
        if result.operation and result.operation not in distinct.operations:
            distinct.operations.append(result.operation)
    return list(groups.values())
