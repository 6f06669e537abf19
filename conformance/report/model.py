"""The versioned JSON report: built from a run, and the verdict recomputed from it (used by `verify`)."""

from __future__ import annotations

import platform
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import cloudnx_spec
from conformance import __version__
from conformance.catalogue import REQUIRING_PROFILES, Catalogue
from conformance.verdicts import CheckVerdict

__all__ = ["SCHEMA_VERSION", "build", "exit_code_for", "git_revision", "run_verdict"]

SCHEMA_VERSION = "1.0"
_BAD_IN_ANY = {"failed"}
_BAD_IN_CORE = {"failed", "inconclusive", "not-run"}
#: Certification profiles: no skips allowed (an inconclusive or unexecuted check fails the run).
_CERTIFYING = ("core", "strict")


def git_revision() -> str:
    root = Path(__file__).resolve().parents[2]
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH is the point
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def run_verdict(checks: Iterable[dict[str, Any]], profile: str, baseline: dict[str, str] | None = None) -> str:
    """``conformant`` | ``non-conformant`` | ``kit-error`` from the per-check verdicts of a report.

    Waived checks never fail a run. In ``core`` and ``strict`` (certification) an inconclusive or unexecuted
    check fails it too: no skips allowed. RECOMMENDED checks are reported but fail only a ``strict`` run. With a
    baseline, only checks that passed in the baseline can fail the run.
    """
    verdict = "conformant"
    for item in checks:
        if not item["in_profile"] or item["verdict"] == "waived":
            continue
        if item["verdict"] == "error":
            return "kit-error"
        if item.get("level") == "RECOMMENDED" and profile not in REQUIRING_PROFILES:
            continue
        bad = _BAD_IN_CORE if profile in _CERTIFYING else _BAD_IN_ANY
        if item["verdict"] in bad and (baseline is None or baseline.get(item["id"]) == "passed"):
            verdict = "non-conformant"
    return verdict


def exit_code_for(verdict: str) -> int:
    return {"conformant": 0, "non-conformant": 1}.get(verdict, 2)


def build(
    *,
    target: str,
    profile: str,
    seed: int,
    run_id: str,
    catalogue: Catalogue,
    verdicts: list[CheckVerdict],
    operations: Iterable[str],
    cleanup_failures: list[dict[str, Any]],
    kit_errors: list[str],
    started: float,
    baseline: dict[str, str] | None,
    baseline_path: str | None,
    properties: dict[str, Any] | None,
) -> dict[str, Any]:
    checks = []
    for v in verdicts:
        entry = catalogue.get(v.id)
        checks.append(
            {
                "id": v.id,
                "title": entry.title,
                "level": entry.level,
                "reason": entry.reason,
                "source": entry.source,
                "capability": entry.capability,
                "services": list(entry.services),
                "profiles": list(entry.profiles),
                "in_profile": v.in_profile,
                "verdict": v.verdict if v.in_profile or v.tests else "not-run",
                "outcome": v.outcome,
                "waiver": v.waiver,
                "tests": [t.to_dict() for t in v.tests],
            }
        )
    all_ops = [o.operation_id for o in cloudnx_spec.operations()]
    exercised = sorted(set(operations) & set(all_ops))
    verdict = run_verdict(checks, profile, baseline)
    if kit_errors and verdict != "kit-error":
        verdict = "kit-error"
    return {
        "schema_version": SCHEMA_VERSION,
        "kit": {
            "name": "cloudnx-conformance",
            "version": __version__,
            "git_revision": git_revision(),
            "python": platform.python_version(),
        },
        "target": target,
        "profile": profile,
        "seed": seed,
        "run_id": run_id,
        "spec": {
            "digest": cloudnx_spec.digest(),
            "version": cloudnx_spec.load()["info"]["version"],
            "operations": len(all_ops),
        },
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "duration_s": round(time.time() - started, 2),
        "baseline": baseline_path,
        "baseline_verdicts": baseline,
        "verdict": verdict,
        "counts": _counts(checks),
        "checks": checks,
        "operations": {"exercised": exercised, "not_exercised": sorted(set(all_ops) - set(exercised))},
        "properties": properties or {},
        "cleanup_failures": cleanup_failures,
        "kit_errors": kit_errors,
    }


def _counts(checks: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in checks:
        key = item["verdict"] if item["in_profile"] else "not-in-profile"
        counts[key] = counts.get(key, 0) + 1
    return counts
