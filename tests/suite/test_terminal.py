"""The end-of-run summary and the progress lines: what a person reads in a terminal or a CI log."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from rich.console import Console

from conformance.progress import LiveProgress, PlainProgress, progress_for
from conformance.report.terminal import end_of_run
from conformance.verdicts import Outcome
from tests.suite.sample_reports import TARGET, failing_report, passing_report

pytestmark = pytest.mark.suite


def summary(prefix: list[str] | None = None) -> str:
    return "\n".join(end_of_run(failing_report(), {}, prefix))


def test_each_broken_rule_its_operations_and_a_curl_are_named() -> None:
    text = summary()
    assert text.startswith("cloudnx-conformance: NON-CONFORMANT")
    block = text[text.index("FAILED SCHEMA-CONTENT-TYPE") :]
    block = block[: block.index("\n\n")]
    assert "2 failed results on 2 operations: instances_create, vpcs_list" in block
    # one fault on two operations -> one distinct failure, one curl
    assert block.count("reproduce (") == 1
    assert "Undocumented Content-Type" in block
    assert "curl -X POST -H 'Authorization: Bearer ***'" in block
    assert "assert (" not in text  # pytest's assertion dump is not the target's fault


def test_hand_written_failure_shows_the_failing_exchange_as_curl() -> None:
    block = summary().split("FAILED ERR-SHAPE", 1)[1].split("\n\n", 1)[0]
    assert "on 1 operation: vpcs_create" in block
    assert f"reproduce (vpcs_create): curl -i -X POST -H 'authorization: Bearer ***' {TARGET}/compute/vpcs" in block


def test_labels_regression_baseline_and_waived() -> None:
    text = summary()
    assert "FAILED SCHEMA-CONTENT-TYPE [regression]" in text
    assert "FAILED NO-5XX [already failing in the baseline]" in text
    assert "WAIVED SCHEMA-HEADERS [waived]" in text
    assert "waived: the gateway strips Retry-After (OPS-9)" in text


def test_rerun_command_names_the_failing_checks_and_the_seed_but_not_waived_ones() -> None:
    text = summary(["cloudnx-conformance", "run", "--target", TARGET, "--header", "X-Api-Key: ***"])
    rerun = text.split("Rerun just the failing checks with the same seed:\n", 1)[1].splitlines()[0].strip()
    assert rerun.startswith(f"cloudnx-conformance run --target {TARGET} --header 'X-Api-Key: ***' --profile ci")
    assert "--seed 7" in rerun
    include = re.search(r"--include (\S+)", rerun)
    assert include is not None
    assert set(include.group(1).split(",")) == {"SCHEMA-CONTENT-TYPE", "ERR-SHAPE", "NO-5XX"}
    assert "--baseline reports/baseline/report.json" in rerun
    assert "*** and [Filtered] in a curl line mark a redacted secret" in text


def test_one_counting_unit_in_the_counts_line() -> None:
    report = failing_report()
    total = sum(len(c["tests"]) for c in report["checks"])
    failed = sum(1 for c in report["checks"] for t in c["tests"] if t["status"] == "failed")
    assert f"results: {total} ({failed} failed)" in summary()


def test_a_passing_run_has_no_failure_section() -> None:
    text = "\n".join(end_of_run(passing_report(), {}))
    assert "CONFORMANT" in text
    assert "FAILED" not in text
    assert "Rerun" not in text


def test_without_a_tty_progress_is_plain_timestamped_lines_never_cut() -> None:
    out = io.StringIO()
    console = Console(file=out, width=200, force_terminal=False, soft_wrap=True)
    assert isinstance(progress_for(console), PlainProgress)
    progress = PlainProgress(console, interval=0.05)
    long_message = "Content-Type is 'text/plain' " + "x" * 150 + "y" * 300
    progress.outcome("ERR-SHAPE", Outcome("conformance/suite/test_errors.py::test_shape", "failed", long_message))
    progress.outcome("ERR-SHAPE", Outcome("conformance/suite/test_errors.py::test_other", "failed", "again"))
    time.sleep(0.2)
    progress.pytest_unconfigure(None)  # type: ignore[arg-type]
    lines = out.getvalue().splitlines()
    assert all(re.match(r"^\d\d:\d\d:\d\dZ ", line) for line in lines), lines
    # Never cut to the console's width; a message is shortened at 240 characters (the summary has all of it).
    assert any(line.endswith("x" * 150 + "y" * 61) for line in lines), lines
    assert sum("FAILED ERR-SHAPE" in line for line in lines) == 1  # first failure of a check only
    assert any("progress: 0 tests" in line and "failed results 2 (1 checks)" in line for line in lines)
    assert lines[0].endswith("phase: collecting the suite")
    assert "phase: done in" in lines[-1]


def test_a_terminal_gets_the_live_bar() -> None:
    console = Console(file=io.StringIO(), force_terminal=True)
    progress = progress_for(console)
    assert isinstance(progress, LiveProgress)
    progress.pytest_unconfigure(None)  # type: ignore[arg-type]


def test_rerun_narrows_to_the_operations_when_only_property_results_failed() -> None:
    report = failing_report()
    for check in report["checks"]:
        check["tests"] = [t for t in check["tests"] if "test_properties" in t["nodeid"] or t["status"] == "passed"]
    text = "\n".join(end_of_run(report, {}))
    rerun = text.split("Rerun just the failing checks with the same seed:\n", 1)[1].splitlines()[0]
    assert "--include SCHEMA-CONTENT-TYPE,NO-5XX" in rerun
    assert "--include operation:buckets_create,operation:instances_create,operation:vpcs_list " in rerun


def test_a_curl_line_of_kilobytes_is_shortened_with_a_note_and_html_keeps_it_whole() -> None:
    from conformance.report.html import render_html

    report = failing_report()
    check = next(c for c in report["checks"] if c["id"] == "ERR-SHAPE")
    test = next(t for t in check["tests"] if t["status"] == "failed")
    long_curl = "curl -i -X POST --data-raw '" + "[" * 5000 + f"' {TARGET}/compute/vpcs"
    for exchange in test["exchanges"]:
        exchange["curl"] = long_curl
    text = "\n".join(end_of_run(report, {}))
    line = next(li for li in text.splitlines() if li.lstrip().startswith("reproduce (vpcs_create)"))
    assert len(line) < 1400
    assert line.endswith("more characters: the whole line in report.html]")
    assert long_curl in render_html(report).replace("&#x27;", "'")


def test_progress_lines_reach_the_log_while_pytest_captures_the_running_test(tmp_path: Path) -> None:
    import os

    from conformance.progress import uncaptured

    log = tmp_path / "ci.log"
    with log.open("w", encoding="utf-8") as stdout:
        own = uncaptured(Console(file=stdout, width=200))
        # What pytest's fd-level capture does while a test runs: the descriptor points at the test's capture.
        saved = os.dup(stdout.fileno())
        with (tmp_path / "captured").open("w", encoding="utf-8") as capture:
            os.dup2(capture.fileno(), stdout.fileno())
            try:
                own.print("12:00:05Z progress: 3/9 tests")
            finally:
                os.dup2(saved, stdout.fileno())
                os.close(saved)
                own.file.close()
    assert "progress: 3/9 tests" in log.read_text(encoding="utf-8")
    assert (tmp_path / "captured").read_text(encoding="utf-8") == ""
