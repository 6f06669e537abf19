"""The HTML report renders its verdicts in a real browser (headless Chromium, --dump-dom)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conformance.report.render import render_html
from tests.suite.test_report import make_report

pytestmark = [pytest.mark.suite, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"


def chromium() -> str:
    path = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which("chromium")
    if path is None:
        if os.environ.get("CNX_REQUIRE_CHROMIUM") == "1":
            pytest.fail("CNX_REQUIRE_CHROMIUM=1 but /usr/bin/chromium is missing (Debian package `chromium`)")
        pytest.skip("headless Chromium not installed (apt-get install chromium); set CNX_REQUIRE_CHROMIUM=1 to fail")
    return path


def test_html_report_renders_the_verdicts(tmp_path: Path) -> None:
    browser = chromium()
    report = make_report(failing="NO-5XX")
    page = tmp_path / "report.html"
    page.write_text(render_html(report), encoding="utf-8")
    result = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    assert 'data-run-verdict="non-conformant"' in dom
    assert 'data-check="NO-5XX" data-verdict="failed"' in dom
    for item in report["checks"]:
        assert f'data-check="{item["id"]}"' in dom
    for service in ("auth", "compute", "storage"):
        assert f'data-service="{service}"' in dom
