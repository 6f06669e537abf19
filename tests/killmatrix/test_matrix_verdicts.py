"""The kill-matrix verdict rule and reports, on hand-made tool runs (no targets, no subprocesses)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from killmatrix.matrix.report import findings, summarise, write_reports
from killmatrix.matrix.tools import ToolRun
from killmatrix.matrix.verdicts import classify
from killmatrix.variants import VARIANTS

pytestmark = pytest.mark.killmatrix

# A variant whose expected check runs in every profile, and one whose expected check runs only from `core` on.
EVERYWHERE = "jwt-alg-none"
CORE_ONLY = "ratelimit-none"


def _suite(variant: str, *fired: str, profile: str = "ci") -> ToolRun:
    return ToolRun(f"suite-{profile}", variant, "failed" if fired else "passed", list(fired))


def test_the_expected_id_firing_is_a_kill() -> None:
    (expected,) = VARIANTS[EVERYWHERE].catches
    cell = classify(_suite(EVERYWHERE, expected), _suite("none"))
    assert (cell.state, cell.new, cell.missing) == ("killed", [expected], [])
    assert cell.expected_verdicts == {expected: "absent"}  # hand-made run: no per-check verdicts


def test_only_other_ids_firing_is_named_as_such() -> None:
    cell = classify(_suite(EVERYWHERE, "ERR-SHAPE"), _suite("none"))
    assert cell.state == "killed-other"
    assert cell.missing == list(VARIANTS[EVERYWHERE].catches)


def test_nothing_new_is_a_survivor() -> None:
    assert classify(_suite(EVERYWHERE), _suite("none")).state == "survived"


def test_a_failure_of_the_clean_server_never_counts_as_a_kill() -> None:
    (expected,) = VARIANTS[EVERYWHERE].catches
    clean = _suite("none", expected, "ISO-FOREIGN-404")
    assert classify(clean, None).state == "false-positive"
    assert classify(_suite(EVERYWHERE, expected), clean).state == "masked"
    assert classify(_suite(EVERYWHERE, "ISO-FOREIGN-404"), clean).state == "survived"


def test_expected_checks_outside_the_profile_are_not_expected() -> None:
    cell = classify(_suite(CORE_ONLY, profile="ci"), _suite("none"))
    assert (cell.expected, cell.expected_not_run) == ([], list(VARIANTS[CORE_ONLY].catches))
    assert cell.state == "survived"
    assert findings([cell]) == []  # not a finding: ci is not meant to catch it
    core = classify(_suite(CORE_ONLY, profile="core"), _suite("none", profile="core"))
    assert findings([core]) == [core]


def test_schemathesis_kills_by_new_failure_kinds_not_new_operations() -> None:
    noise = "ST202 Schema-valid request rejected"
    clean = ToolRun("schemathesis", "none", "failed", [f"{noise} @ GET /auth/audit-logs"])
    # The same kind on another operation: a time-boxed run just got further; not a kill.
    same = classify(ToolRun("schemathesis", EVERYWHERE, "failed", [f"{noise} @ POST /compute/vpcs"]), clean)
    new = classify(
        ToolRun("schemathesis", EVERYWHERE, "failed", [f"{noise} @ GET /x", "ST500 Server error @ GET /y"]), clean
    )
    assert (same.state, new.state, new.new) == ("survived", "killed-other", ["ST500 Server error"])


def test_an_error_is_neither_kill_nor_survivor() -> None:
    cell = classify(ToolRun("suite-ci", EVERYWHERE, "error", detail="timed out"), _suite("none"))
    assert cell.state == "error"
    assert summarise([cell], ["suite-ci"])["suite-ci"]["errors"] == 1


def test_reports_carry_rates_and_findings(tmp_path: Path) -> None:
    (expected,) = VARIANTS[EVERYWHERE].catches
    clean = _suite("none")
    cells = [
        classify(clean, None),
        classify(_suite(EVERYWHERE, expected), clean),
        classify(_suite("error-shape"), clean),
        classify(_suite("legal-gzip"), clean),
    ]
    meta = {
        "command": "python -m killmatrix.matrix",
        "started_at": "2026-01-01T00:00:00Z",
        "wall_time_s": 12.0,
        "jobs": 2,
        "seed": 1,
        "git_revision": "0" * 40,
        "tool_notes": {"suite-ci": "the suite"},
    }
    json_path, md_path = write_reports(tmp_path, cells, ["suite-ci"], meta)
    report = json.loads(json_path.read_text())
    assert report["summary"]["suite-ci"]["kill_rate"] == 0.5
    assert report["summary"]["suite-ci"]["clean_server"] == "clean"
    markdown = md_path.read_text()
    assert "| suite-ci | 2 | 1 | 50.0 % | 1/2 (50.0 %) | 0 | 1/1 (100.0 %) | clean |" in markdown
    assert "**error-shape** x `suite-ci`: SURVIVED; expected ERR-SHAPE -> report: ERR-SHAPE absent" in markdown


def test_legal_variants_measure_specificity_not_kills() -> None:
    legal = [v for v, fault in VARIANTS.items() if fault.legal]
    passed = classify(_suite(legal[0]), _suite("none"))
    rejected = classify(_suite(legal[1], "SCHEMA-RESPONSE"), _suite("none"))
    assert (passed.state, rejected.state) == ("accepted", "rejected")
    summary = summarise([passed, rejected], ["suite-ci"])["suite-ci"]
    assert (summary["legal_passed"], summary["legal_judged"], summary["specificity"]) == (1, 2, 0.5)
    assert summary["variants"] == 0  # legal variants never enter the kill rate
    assert findings([passed, rejected]) == [rejected]
    # A failure the clean server gets too is not the legal variant's: it is on the clean server's row.
    noisy = _suite("none", "INPUT-VALID-ACCEPTED")
    assert classify(_suite(legal[0], "INPUT-VALID-ACCEPTED"), noisy).state == "accepted"
    assert classify(_suite(legal[0], "INPUT-VALID-ACCEPTED", "ERR-SHAPE"), noisy).state == "rejected"


def test_a_recommended_check_kills_only_in_strict() -> None:
    variant = "cookie-lax-insecure"  # breaks COOKIE-ATTRIBUTES, a RECOMMENDED rule
    core = classify(_suite(variant, profile="core"), _suite("none", profile="core"))
    strict = classify(_suite(variant, "COOKIE-ATTRIBUTES", profile="strict"), _suite("none", profile="strict"))
    assert (core.expected, core.expected_not_run) == ([], ["COOKIE-ATTRIBUTES"])
    assert strict.state == "killed"
    summary = summarise([core], ["suite-core"])["suite-core"]
    assert (summary["killed"], summary["expected_in_profile"], summary["not_required_here"]) == (0, 0, 1)
