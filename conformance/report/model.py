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

__all__ = [
    "EXIT_CODES",
    "REPORT_FIELDS",
    "SCHEMA_VERSION",
    "build",
    "exit_code_for",
    "git_revision",
    "result_counts",
    "run_verdict",
]

SCHEMA_VERSION = "1.1"
_BAD_IN_ANY = {"failed"}
_BAD_IN_CORE = {"failed", "inconclusive"}
#: Certification profiles: no skips allowed (an inconclusive check fails the run).
_CERTIFYING = ("core", "strict")
#: every top-level field a report has (besides ``integrity``, which seals the rest)
REPORT_FIELDS = (
    "schema_version", "kit", "target", "profile", "seed", "run_id", "spec", "started_at", "duration_s", "baseline",
    "baseline_verdicts", "verdict", "counts", "results", "not_run_checks", "checks", "operations", "properties",
    "cleanup_failures", "kit_errors", "not_run", "stopped",
)  # fmt: skip
#: run verdict -> exit code of `run` (and of `verify` for a genuine report)
EXIT_CODES = {"conformant": 0, "non-conformant": 1, "kit-error": 2, "partial": 3}


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


def run_verdict(
    checks: Iterable[dict[str, Any]], profile: str, baseline: dict[str, str] | None = None, kit_errors: bool = False
) -> str:
    """``conformant`` | ``non-conformant`` | ``kit-error`` | ``partial`` from the per-check verdicts of a report.

    A failure is evidence whatever else happened: it makes the run non-conformant, even when the kit then could
    not go on. Otherwise a kit error makes it ``kit-error`` (a target that stopped answering mid-run is one). A
    check of the profile that never reached a verdict (a ``-k`` selection, ``--collect-only``) makes it
    ``partial``: CONFORMANT only when every check of the profile ran. Waived checks never fail a run. In ``core``
    and ``strict`` (certification) an inconclusive check fails it. RECOMMENDED checks are reported but fail only
    a ``strict`` run. With a baseline, only checks that passed in the baseline can fail the run.
    """
    failed = unrun = False
    for item in checks:
        if not item["in_profile"] or item["verdict"] == "waived":
            continue
        if item["verdict"] == "error":
            kit_errors = True
        if item["verdict"] == "not-run":
            unrun = True
        if item.get("level") == "RECOMMENDED" and profile not in REQUIRING_PROFILES:
            continue
        bad = _BAD_IN_CORE if profile in _CERTIFYING else _BAD_IN_ANY
        if item["verdict"] in bad and (baseline is None or baseline.get(item["id"]) == "passed"):
            failed = True
    if failed:
        return "non-conformant"
    if kit_errors:
        return "kit-error"
    return "partial" if unrun else "conformant"


def exit_code_for(verdict: str) -> int:
    return EXIT_CODES.get(verdict, 2)


def result_counts(checks: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Results per status: one result is one check judged by one test (for the property part: one operation)."""
    counts: dict[str, int] = {}
    for item in checks:
        for test in item["tests"]:
            counts[test["status"]] = counts.get(test["status"], 0) + 1
    return dict(sorted(counts.items()))


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
    not_run: list[dict[str, str]] | None = None,
    stopped: dict[str, str] | None = None,
) -> dict[str, Any]:
    checks = []
    for v in verdicts:
        entry = catalogue.get(v.id)
        checks.append(
            {
                "id": v.id,
                **entry.described(),
                "in_profile": v.in_profile,
                "verdict": v.verdict if v.in_profile or v.tests else "not-run",
                "outcome": v.outcome,
                "waiver": v.waiver,
                "tests": [t.to_dict() for t in v.tests],
            }
        )
    all_ops = [o.operation_id for o in cloudnx_spec.operations()]
    exercised = sorted(set(operations) & set(all_ops))
    verdict = run_verdict(checks, profile, baseline, kit_errors=bool(kit_errors))
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
        "results": result_counts(checks),
        "not_run_checks": not_run_checks(checks),
        "checks": checks,
        "operations": {"exercised": exercised, "not_exercised": sorted(set(all_ops) - set(exercised))},
        "properties": properties or {},
        "cleanup_failures": cleanup_failures,
        "kit_errors": kit_errors,
        "not_run": not_run or [],
        "stopped": stopped,
    }


def not_run_checks(checks: Iterable[dict[str, Any]]) -> list[str]:
    """Checks of the profile that reached no verdict."""
    return [item["id"] for item in checks if item["in_profile"] and item["verdict"] == "not-run"]


def _counts(checks: list[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in checks:
        key = item["verdict"] if item["in_profile"] else "not-in-profile"
        counts[key] = counts.get(key, 0) + 1
    return counts
