"""Report round trip: verify recomputes the verdict and refuses a report that does not add up."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.catalogue import catalogue
from conformance.report.model import build
from conformance.report.render import render_html, render_markdown
from conformance.report.verify import verify, verify_data
from conformance.verdicts import Outcome, Results

pytestmark = pytest.mark.suite


def make_report(profile: str = "ci", failing: str | None = None) -> dict[str, Any]:
    results = Results()
    for entry in catalogue().for_profile(profile):
        status = "failed" if entry.id == failing else "passed"
        results.add(entry.id, Outcome(f"test_{entry.id}", status, "boom" if failing == entry.id else ""))
    verdicts = results.verdicts(catalogue(), profile, {})
    return build(
        target="http://127.0.0.1:1",
        profile=profile,
        seed=3,
        run_id="abc",
        catalogue=catalogue(),
        verdicts=verdicts,
        operations=["auth_jwks"],
        cleanup_failures=[],
        kit_errors=[],
        started=0.0,
        baseline=None,
        baseline_path=None,
        properties=None,
    )


def test_round_trip_conformant(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(make_report()))
    result = verify(path)
    assert result.ok, result.message
    assert not result.refused


@pytest.mark.parametrize(
    ("tamper", "needle"),
    [
        (
            lambda r: r["checks"][0].update(
                verdict="passed",
                outcome="passed",
                tests=[{"nodeid": "x", "status": "failed", "message": "", "duration": 0, "exchanges": []}],
            ),
            "add up",
        ),
        (lambda r: r.update(verdict="conformant"), "verdict"),
        (lambda r: r["spec"].update(digest="0" * 64), "digest"),
        (lambda r: r.update(profile="gold"), "unknown profile"),
        (lambda r: r["checks"].pop(), "catalogue"),
        (lambda r: r["checks"][0].update(verdict="waived", waiver=None), "waived without a reason"),
        (lambda r: r["counts"].update(passed=999), "counts"),
    ],
)
def test_tampered_report_is_refused(tamper: Any, needle: str) -> None:
    report = make_report(failing=catalogue().for_profile("ci")[0].id)
    assert verify_data(report).refused is False
    tampered = copy.deepcopy(report)
    tamper(tampered)
    result = verify_data(tampered)
    assert result.refused, result.message
    assert needle in result.message


def test_summaries_show_every_check_and_verdict() -> None:
    report = make_report(failing="NO-5XX")
    markdown, page = render_markdown(report), render_html(report)
    for entry in catalogue():
        assert entry.id in markdown
        assert f'data-check="{entry.id}"' in page
    assert 'data-check="NO-5XX" data-verdict="failed"' in page
