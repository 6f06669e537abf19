"""The pytest plugin end to end (pytester, in a subprocess): inert without a target, verdicts, waivers, reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.report.verify import verify

pytestmark = pytest.mark.suite
pytest_plugins = ["pytester"]

CHECKS = """
from conformance.checks import check, inconclusive

@check("NO-5XX")
def test_passes(target, contract):
    assert contract.op("auth_jwks").method == "GET"

@check("ERR-SHAPE")
def test_fails():
    assert False, "received text/plain, the spec documents application/json"

@check("SCHEMA-STATUS")
def test_inconclusive():
    inconclusive("offered only 22 req/s")

@check("SCHEMA-HEADERS")
def test_waived_failure():
    assert False, "known deviation"
"""


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    pytester.makepyfile(test_checks=CHECKS)
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:randomly", *args)


def test_inert_without_a_target(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "cloudnx-conformance:" not in result.stdout.str()  # no run header, no verdict
    assert not (pytester.path / "reports").exists()


def test_options_are_in_one_conformance_group(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--help")
    text = result.stdout.str()
    section = text[text.index("CloudNx conformance suite:") :]
    for option in ("--cnx-target", "--cnx-config", "--cnx-profile", "--cnx-report-dir", "--cnx-seed"):
        assert option in section


def test_verdicts_waivers_reports_and_verify(pytester: pytest.Pytester, stub_target: str) -> None:
    config = pytester.path / "target.toml"
    config.write_text('[[waivers]]\ncheck = "SCHEMA-HEADERS"\nreason = "gateway strips headers (OPS-9)"\n')
    reports = pytester.path / "out"
    result = run(
        pytester,
        f"--cnx-target={stub_target}",
        f"--cnx-config={config}",
        "--cnx-profile=ci",
        "--cnx-seed=42",
        f"--cnx-report-dir={reports}",
    )
    assert result.ret == 1, result.stdout.str()  # the target failed ERR-SHAPE
    result.stdout.fnmatch_lines(["*NON-CONFORMANT*profile ci, seed 42*", "*FAILED ERR-SHAPE*"])
    report = json.loads((reports / "report.json").read_text())
    verdicts = {c["id"]: c for c in report["checks"]}
    assert verdicts["NO-5XX"]["verdict"] == "passed"
    assert verdicts["ERR-SHAPE"]["verdict"] == "failed"
    assert verdicts["SCHEMA-STATUS"]["verdict"] == "inconclusive"
    assert verdicts["SCHEMA-HEADERS"]["verdict"] == "waived"  # never "passed"
    assert verdicts["SCHEMA-HEADERS"]["outcome"] == "failed"
    assert report["seed"] == 42
    assert report["profile"] == "ci"
    for name in ("junit.xml", "summary.md", "report.html"):
        assert (reports / name).is_file(), name
    assert any((reports / "allure-results").iterdir())
    outcome = verify(reports / "report.json")
    assert not outcome.refused, outcome.message
    assert "non-conformant" in outcome.message


def test_core_profile_fails_on_inconclusive(pytester: pytest.Pytester, stub_target: str) -> None:
    result = run(
        pytester,
        f"--cnx-target={stub_target}",
        "--cnx-profile=core",
        "-k",
        "passes or inconclusive",
        f"--cnx-report-dir={pytester.path / 'r'}",
    )
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*INCONCLUSIVE SCHEMA-STATUS*offered only 22 req/s*"])


def test_baseline_fails_only_on_regressions(pytester: pytest.Pytester, stub_target: str, tmp_path: Path) -> None:
    baseline = tmp_path / "baseline.json"
    first = run(pytester, f"--cnx-target={stub_target}", "--cnx-profile=ci", f"--cnx-report-dir={tmp_path / 'a'}")
    assert first.ret == 1
    baseline.write_text((tmp_path / "a" / "report.json").read_text())  # ERR-SHAPE failed there already
    second = run(
        pytester,
        f"--cnx-target={stub_target}",
        "--cnx-profile=ci",
        f"--cnx-baseline={baseline}",
        f"--cnx-report-dir={tmp_path / 'b'}",
    )
    # No regression (ERR-SHAPE failed in the baseline too), but most ci checks have no test here: partial, exit 3.
    assert second.ret == 3, second.stdout.str()
    second.stdout.fnmatch_lines(["*PARTIAL*"])


def test_unreachable_target_exits_2(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--cnx-target=http://127.0.0.1:9", f"--cnx-report-dir={pytester.path / 'r'}")
    assert result.ret == 2
    assert "does not answer" in result.stdout.str() + result.stderr.str()


def test_bad_config_is_a_usage_error(pytester: pytest.Pytester) -> None:
    bad = pytester.path / "bad.toml"
    bad.write_text('[run]\nprofile = "gold"\n')
    result = run(pytester, f"--cnx-config={bad}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "run.profile" in result.stderr.str()
