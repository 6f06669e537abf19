"""``verify REPORT [--public-key PUB]``: a report must prove itself before its verdict is believed.

Refused as tampered when: its SHA-256 digest does not match its canonical content (any edit of any field), it has
fields this kit does not write, its schema version is unknown, its spec digest is not this kit's contract, its
checks are not the catalogue's checks (entries, levels, profiles), a check's verdict is not the worst of its
results, a result names another check or an operation with the wrong service, a waiver has no reason, its
counts, results, not-run list, operations or run verdict disagree with its checks — and, with ``--public-key``,
when its Ed25519 signature is missing or not made by that key (a faker can recompute a digest, not a signature);
a signed report whose signature does not match the public key it carries is refused without ``--public-key`` too.
A genuine report is certified only when its verdict is conformant: partial, kit-error and non-conformant runs are
reported with their own exit codes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

import cloudnx_spec
from conformance.catalogue import PROFILES, catalogue
from conformance.report.integrity import digest, embedded_signature_problem, load_public, signature_problem
from conformance.report.model import (
    EXIT_CODES,
    REPORT_FIELDS,
    SCHEMA_VERSION,
    _counts,
    not_run_checks,
    result_counts,
    run_verdict,
)
from conformance.verdicts import SEVERITY, worst

__all__ = ["EXIT_TAMPERED", "EXIT_UNREADABLE", "Verification", "verify", "verify_data"]

_FIELDS = REPORT_FIELDS


#: exit codes of `verify`: a genuine report keeps its run's code (0 conformant, 1 non-conformant, 2 kit error,
#: 3 partial); a report that cannot be read is 2; a report that does not prove itself is 4.
EXIT_UNREADABLE, EXIT_TAMPERED = 2, 4


@dataclass(frozen=True)
class Verification:
    ok: bool  # the report proves itself AND certifies a conformant run
    refused: bool
    message: str
    code: int = 0


def verify(path: Path, public_key: Path | None = None) -> Verification:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Verification(False, True, f"UNREADABLE: cannot read {path}: {exc}", EXIT_UNREADABLE)
    key = load_public(public_key) if public_key is not None else None
    return verify_data(data, key)


def verify_data(data: Any, public: Ed25519PublicKey | None = None) -> Verification:
    problem = _problem(data)
    if problem is None and public is not None:
        problem = signature_problem(data, public)
    if problem:
        return Verification(False, True, f"REFUSED (tampered or not a report of this kit): {problem}", EXIT_TAMPERED)
    verdict = data["verdict"]
    signed = " signed by the given key," if public is not None else ""
    note = {
        "partial": " — not every check of the profile ran: never a certification",
        "kit-error": " — the kit could not finish the run: never a certification",
    }.get(verdict, "")
    return Verification(
        verdict == "conformant",
        False,
        f"report verified:{signed} {verdict} (profile {data['profile']}, seed {data['seed']}, "
        f"{len(data['checks'])} checks, spec {data['spec']['digest'][:16]}…){note}",
        EXIT_CODES.get(verdict, 1),
    )


def _problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "not a JSON object"
    for key in _FIELDS:
        if key not in data:
            return f"missing field {key!r}"
    unknown = sorted(set(data) - set(_FIELDS) - {"integrity"})
    if unknown:
        return f"unknown fields {unknown}"
    integrity = data.get("integrity")
    if not isinstance(integrity, dict) or "digest" not in integrity:
        return "no integrity digest"
    if integrity["digest"] != digest(data):
        return "the SHA-256 digest does not match the report's content: a field was edited"
    problem = embedded_signature_problem(data)
    if problem:
        return problem
    if data["schema_version"] != SCHEMA_VERSION:
        return f"schema version {data['schema_version']!r}, this kit reads {SCHEMA_VERSION!r}"
    profile = data["profile"]
    if profile not in PROFILES:
        return f"unknown profile {profile!r}"
    if data["spec"].get("digest") != cloudnx_spec.digest():
        return "spec digest differs from this kit's spec/openapi.yaml: the report judged another contract"
    expected = {e.id: e for e in catalogue()}
    seen = [c.get("id") for c in data["checks"]]
    if sorted(seen) != sorted(expected):
        missing, unknown = sorted(set(expected) - set(seen)), sorted(set(seen) - set(expected))
        return f"checks do not match the catalogue: missing {missing}, unknown {unknown}"
    for item in data["checks"]:
        if item.get("level") != expected[item["id"]].level:
            return f"{item['id']}: level {item.get('level')!r} but the catalogue says {expected[item['id']].level!r}"
        problem = _check_problem(item, expected[item["id"]].in_profile(profile))
        if problem:
            return f"{item['id']}: {problem}"
    if _counts(data["checks"]) != data["counts"]:
        return f"counts {data['counts']} do not match the checks ({_counts(data['checks'])})"
    if result_counts(data["checks"]) != data["results"]:
        return f"results {data['results']} do not match the checks' tests ({result_counts(data['checks'])})"
    if not_run_checks(data["checks"]) != data["not_run_checks"]:
        return "not_run_checks does not list the checks without a verdict"
    problem = _operations_problem(data)
    if problem:
        return problem
    baseline = None
    if data.get("baseline_verdicts") is not None:
        baseline = data["baseline_verdicts"]
    recomputed = run_verdict(data["checks"], profile, baseline, kit_errors=bool(data["kit_errors"]))
    if recomputed != data["verdict"]:
        return f"the run verdict says {data['verdict']!r} but its checks add up to {recomputed!r}"
    return None


def _operations_problem(data: dict[str, Any]) -> str | None:
    every = {o.operation_id for o in cloudnx_spec.operations()}
    if data["spec"].get("operations") != len(every):
        return f"spec.operations says {data['spec'].get('operations')}, the spec has {len(every)}"
    exercised, rest = data["operations"].get("exercised", []), data["operations"].get("not_exercised", [])
    if sorted(set(exercised) | set(rest)) != sorted(every) or set(exercised) & set(rest):
        return "operations exercised + not exercised are not the spec's operations"
    return None


def _check_problem(item: dict[str, Any], in_profile: bool) -> str | None:
    entry = catalogue().get(item["id"])
    for key, value in entry.described().items():
        if item.get(key) != value:
            return f"{key} differs from the catalogue's entry"
    if item.get("in_profile") != in_profile:
        return f"in_profile is {item.get('in_profile')} but the catalogue says {in_profile}"
    tests = item.get("tests", [])
    if any(t.get("status") not in SEVERITY for t in tests):
        return "a test has an unknown status"
    operations = {o.operation_id: o.service for o in cloudnx_spec.operations()}
    for test in tests:
        if test.get("check") != item["id"] or test.get("level") != entry.level:
            return f"a result of {test.get('nodeid')} names check {test.get('check')!r} / level {test.get('level')!r}"
        operation = test.get("operation")
        if operation is not None and operations.get(operation, "?") != test.get("service"):
            return f"a result names operation {operation!r} with service {test.get('service')!r}"
    outcome = worst([t["status"] for t in tests])
    if item.get("outcome") != outcome:
        return f"outcome {item.get('outcome')!r} but its tests add up to {outcome!r}"
    verdict = item.get("verdict")
    if verdict == "waived":
        if not item.get("waiver"):
            return "waived without a reason"
        if not tests:
            return "waived but no test ran"
        return None
    if not in_profile and not tests:
        return None if verdict == "not-run" else f"verdict {verdict!r} for a check outside the profile"
    if verdict != outcome:
        return f"verdict {verdict!r} but its tests add up to {outcome!r}"
    return None
