"""The HTML report in a real browser (headless Chromium): the sections a reader acts on, and screenshots.

The screenshots of a failing and a passing report are kept under reports/html-screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conformance.report.render import render_html
from tests.suite.sample_reports import failing_report, passing_report

pytestmark = [pytest.mark.suite, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "reports" / "html-screenshots"
# Flags from the machine notes: without the background-networking ones Chromium keeps dialling out and stalls.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    path = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if path is None:
        if os.environ.get("CNX_REQUIRE_CHROMIUM") == "1":
            pytest.fail("CNX_REQUIRE_CHROMIUM=1 but /usr/bin/chromium is missing (Debian package `chromium`)")
        pytest.skip("headless Chromium not installed (apt-get install chromium); set CNX_REQUIRE_CHROMIUM=1 to fail")
    return path


def browse(tmp_path: Path, report: dict[str, Any], *args: str) -> str:
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    result = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args, page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def screenshot(tmp_path: Path, report: dict[str, Any], name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / name
    target.unlink(missing_ok=True)
    browse(tmp_path, report, f"--screenshot={target}", "--window-size=1400,2200")
    assert target.is_file()
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return target


def test_failing_report_shows_failures_first_by_operation_with_the_exchange(tmp_path: Path) -> None:
    report = failing_report()
    dom = browse(tmp_path, report, "--dump-dom")
    assert 'data-run-verdict="non-conformant"' in dom
    # Failures come first, before the operations table and the checks.
    assert dom.index('id="failures"') < dom.index('id="operations"') < dom.index('id="checks"')
    failures = dom[dom.index('id="failures"') : dom.index('id="operations"')]
    # An overview first: one row per broken rule, before any exchange.
    assert failures.index('id="broken"') < failures.index("data-exchange")
    for check_id in ("SCHEMA-CONTENT-TYPE", "ERR-SHAPE", "NO-5XX"):
        assert f'<tr data-broken="{check_id}">' in failures, check_id
    for operation in ("instances_create", "vpcs_list", "vpcs_create", "buckets_create"):
        assert f'data-operation="{operation}"' in failures, operation
    # The failing exchange: request and response headers and bodies, the header at fault highlighted.
    vpcs = failures[failures.index('data-operation="vpcs_create"') :]
    assert "data-exchange" in vpcs
    assert "<h5>Request</h5>" in vpcs
    assert "<h5>Response 400</h5>" in vpcs
    assert 'class="bad"><th>content-type</th><td><code>text/plain; charset=utf-8</code>' in vpcs
    assert "body: malformed JSON" in vpcs
    assert "data-curl" in vpcs
    # Labels: regression, already failing in the baseline, waived.
    assert 'data-check="SCHEMA-CONTENT-TYPE" data-label="regression"' in failures
    assert 'data-check="NO-5XX" data-label="already failing in the baseline"' in failures
    assert 'data-check="SCHEMA-HEADERS" data-label="waived"' in failures
    assert "reports/baseline/report.json" in dom[dom.index('id="baseline"') :]
    assert "the gateway strips Retry-After (OPS-9)" in dom[dom.index('id="waivers"') :]
    # Operations table: checks run / passed / failed per operation.
    row = dom[dom.index('<tr data-operation="instances_create"') :]
    assert 'data-state="failed"' in row[: row.index("</tr>")]
    assert '<tr data-operation="auth_jwks" data-state="exercised"' in dom
    # Checks: the failed ones open, the passing ones collapsed.
    checks = dom[dom.index('id="checks"') : dom.index('id="passing"')]
    assert 'data-check="SCHEMA-CONTENT-TYPE" data-verdict="failed"' in checks
    assert 'data-verdict="passed"' not in checks
    assert '<details id="passing"><summary>' in dom
    screenshot(tmp_path, report, "report-failing.png")


def test_passing_report_says_so_and_collapses_the_checks(tmp_path: Path) -> None:
    report = passing_report()
    dom = browse(tmp_path, report, "--dump-dom")
    assert 'data-run-verdict="conformant"' in dom
    assert "None: every check that ran passed." in dom
    assert "no baseline: every failure counts" in dom
    passing = dom[dom.index('id="passing"') :]
    for item in report["checks"]:
        if item["in_profile"]:
            assert f'data-check="{item["id"]}" data-verdict="passed"' in passing
    screenshot(tmp_path, report, "report-passing.png")
