"""``verify REPORT``: recompute a report's verdict from its own data and refuse one that does not add up.

A report is refused when its schema version is unknown, its spec digest is not this kit's contract, its checks
are not the catalogue's checks for its profile (missing, unknown, or in the wrong profile), a check's verdict is
not the worst of its tests, a waiver is claimed without a reason, its counts or its run verdict disagree with
the checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cloudnx_spec
from conformance.catalogue import PROFILES, catalogue
from conformance.report.model import SCHEMA_VERSION, _counts, run_verdict
from conformance.verdicts import SEVERITY, worst

__all__ = ["Verification", "verify", "verify_data"]


@dataclass(frozen=True)
class Verification:
    ok: bool  # the report adds up AND says conformant
    refused: bool
    message: str


def verify(path: Path) -> Verification:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return Verification(False, True, f"REFUSED: cannot read {path}: {exc}")
    return verify_data(data)


def verify_data(data: Any) -> Verification:
    problem = _problem(data)
    if problem:
        return Verification(False, True, f"REFUSED: {problem}")
    verdict = data["verdict"]
    return Verification(
        verdict == "conformant",
        False,
        f"report verified: {verdict} (profile {data['profile']}, seed {data['seed']}, "
        f"{len(data['checks'])} checks, spec {data['spec']['digest'][:16]}…)",
    )


def _problem(data: Any) -> str | None:
    if not isinstance(data, dict):
        return "not a JSON object"
    for key in ("schema_version", "profile", "spec", "checks", "verdict", "counts", "seed", "kit"):
        if key not in data:
            return f"missing field {key!r}"
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
    baseline = None
    if data.get("baseline_verdicts") is not None:
        baseline = data["baseline_verdicts"]
    recomputed = run_verdict(data["checks"], profile, baseline)
    if data.get("kit_errors"):
        recomputed = "kit-error"
    if recomputed != data["verdict"]:
        return f"the run verdict says {data['verdict']!r} but its checks add up to {recomputed!r}"
    return None


def _check_problem(item: dict[str, Any], in_profile: bool) -> str | None:
    if item.get("in_profile") != in_profile:
        return f"in_profile is {item.get('in_profile')} but the catalogue says {in_profile}"
    tests = item.get("tests", [])
    if any(t.get("status") not in SEVERITY for t in tests):
        return "a test has an unknown status"
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
