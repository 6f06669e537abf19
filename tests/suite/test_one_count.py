"""One counting unit in every view of one real run: terminal, junit.xml, report.json and report.html agree.

A result is one check judged on one test or operation. The run is real: the suite over HTTP against a
fault-injected target (errors labelled text/plain), so property results, hand-written results, passes, failures
and a waived check all show up, and each view is read from what the run wrote, never from a sample report.
"""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.checks.harness import serve

pytestmark = [pytest.mark.suite, pytest.mark.slow]

# Property checks on the compute operations plus hand-written ones; PAGE-FORGED-CURSOR is waived in the config below.
CHECKS = "SCHEMA-CONTENT-TYPE,ERR-SHAPE,STATUS-METHOD-NOT-ALLOWED,PAGE-FORGED-CURSOR,PAGE-WALK"
_COUNTS = re.compile(r"results: (\d+) \((\d+) failed\)")
_DONE = re.compile(r"phase: done in \d+ s: .*failed results (\d+) ")


def test_terminal_junit_report_and_html_count_the_same_results(tmp_path: Path) -> None:
    config = tmp_path / "target.toml"
    reports = tmp_path / "reports"
    with serve("error-content-type") as url:
        config.write_text(
            f'[target]\nurl = "{url}"\n\n[[waivers]]\ncheck = "PAGE-FORGED-CURSOR"\n'
            'reason = "the gateway labels its own errors text/plain (OPS-1)"\n',
            encoding="utf-8",
        )
        command = [sys.executable, "-m", "conformance.cli", "run", "--config", str(config), "--profile", "ci"]
        command += ["--seed", "7", "--max-examples", "2", "--include", CHECKS, "--include", "service:compute"]
        command += ["--report-dir", str(reports)]
        run = subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=900,
            check=False,
        )
    terminal = run.stdout
    assert run.returncode in (1, 3), terminal[-3000:] + run.stderr[-2000:]

    report = json.loads((reports / "report.json").read_text(encoding="utf-8"))
    tests = [t for c in report["checks"] for t in c["tests"]]
    total = len(tests)
    failed = sum(1 for t in tests if t["status"] in ("failed", "error"))
    waived_check = next(c for c in report["checks"] if c["id"] == "PAGE-FORGED-CURSOR")
    waived = sum(1 for t in waived_check["tests"] if t["status"] in ("failed", "error"))
    # The run exercised what the comparison needs: passes, failures on several operations and a waived failure.
    assert waived_check["verdict"] == "waived"
    assert 0 < waived < failed < total
    assert len({t.get("operation") for t in tests if t["status"] == "failed"}) > 3

    counts = _COUNTS.findall(terminal)
    assert counts == [(str(total), str(failed))], terminal[-3000:]
    done = _DONE.findall(terminal)
    assert done, terminal[:3000]
    assert int(done[-1]) == failed  # the progress lines' final tally counts failures in the same unit

    root = ET.fromstring((reports / "junit.xml").read_text(encoding="utf-8"))  # noqa: S314 - our own document
    cases = list(root.iter("testcase"))
    assert int(root.get("tests", "-1")) == len(cases) == total
    failing_cases = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
    # A waived failure is a skipped testcase in JUnit (CI must not go red on it), still one result.
    assert len(failing_cases) + waived == failed
    assert int(root.get("failures", "-1")) + int(root.get("errors", "0")) == failed - waived

    page = (reports / "report.html").read_text(encoding="utf-8")
    shown = re.search(r'<p id="counts">(.*?)</p>', page, flags=re.DOTALL)
    assert shown is not None
    assert _COUNTS.findall(html.unescape(shown.group(1))) == [(str(total), str(failed))]
    rows = dict(re.findall(r'data-check="([A-Z0-9-]+)" data-verdict="[a-z-]+">.*?<td class="n">(\d+)</td>', page))
    for check in report["checks"]:
        if check["in_profile"] and check["tests"]:
            assert int(rows[check["id"]]) == len(check["tests"]), check["id"]
