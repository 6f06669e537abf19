"""junit.xml, allure-results and summary.md count the same results as report.json and carry what CI tools read."""

from __future__ import annotations

import copy
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conformance.catalogue import catalogue
from conformance.report.allure import write_allure
from conformance.report.junit import render_junit
from conformance.report.render import MARKDOWN_LIMIT, render_markdown, write_human
from tests.suite.sample_reports import failing_report

pytestmark = pytest.mark.suite


def junit_cases() -> tuple[ET.Element, dict[str, ET.Element]]:
    root = ET.fromstring(render_junit(failing_report()))  # noqa: S314 - our own document
    return root, {case.get("name", ""): case for case in root.iter("testcase")}


def test_junit_one_testcase_per_result_named_check_and_operation() -> None:
    report = failing_report()
    root, cases = junit_cases()
    results = sum(len(c["tests"]) for c in report["checks"])
    assert int(root.get("tests", "0")) == results == len(list(root.iter("testcase")))
    assert len(cases) == results  # names are unique
    case = cases["SCHEMA-CONTENT-TYPE instances_create"]
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["check"] == "SCHEMA-CONTENT-TYPE"
    assert props["operation"] == "instances_create"
    assert props["service"] == "compute"
    assert props["level"] == catalogue().get("SCHEMA-CONTENT-TYPE").level
    assert props["label"] == "regression"
    failure = case.find("failure")
    assert failure is not None
    assert failure.get("message", "").startswith("[regression] content_type_conformance: Undocumented Content-Type")
    assert "Reproduce with:\ncurl -X POST" in (failure.text or "")
    assert int(root.get("failures", "0")) == 4  # the waived one is skipped, not a failure


def test_junit_waived_is_skipped_with_the_reason_and_suite_properties_name_the_run() -> None:
    root, cases = junit_cases()
    waived = cases["SCHEMA-HEADERS test_headers"]
    skipped = waived.find("skipped")
    assert skipped is not None
    assert skipped.get("message", "").startswith(
        "waived: the gateway strips Retry-After (OPS-9) (real outcome: failed)"
    )
    suite = root.find("testsuite")
    assert suite is not None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["seed"] == "7"
    assert props["profile"] == "ci"
    assert props["verdict"] == "non-conformant"


def test_allure_labels_parameters_attachments_environment_and_known_issues(tmp_path: Path) -> None:
    report = failing_report()
    out = write_allure(report, tmp_path / "allure-results")
    results = [json.loads(p.read_text()) for p in out.glob("*-result.json")]
    assert len(results) == sum(len(c["tests"]) for c in report["checks"])
    assert len({r["historyId"] for r in results}) == len(results)  # Allure never folds two results into one
    failed = next(r for r in results if r["name"] == "ERR-SHAPE vpcs_create")
    labels = {(label["name"], label["value"]) for label in failed["labels"]}
    assert {("epic", "compute"), ("feature", "errors"), ("story", "ERR-SHAPE"), ("severity", "critical")} <= labels
    assert {"name": "operation", "value": "vpcs_create"} in failed["parameters"]
    assert {a["name"] for a in failed["attachments"]} == {"exchange", "curl"}
    for attachment in failed["attachments"]:
        assert (out / attachment["source"]).is_file()
    assert "curl -i -X POST" in next(
        (out / a["source"]).read_text() for a in failed["attachments"] if a["name"] == "curl"
    )
    waived = next(r for r in results if r["name"].startswith("SCHEMA-HEADERS") and r["status"] != "passed")
    assert waived["status"] == "skipped"
    assert waived["statusDetails"]["known"] is True
    assert waived["statusDetails"]["message"].startswith("waived: ")
    categories = json.loads((out / "categories.json").read_text())
    assert categories[0]["name"].startswith("Waived")
    environment = dict(line.split("=", 1) for line in (out / "environment.properties").read_text().splitlines())
    assert environment["seed"] == "7"
    assert environment["profile"] == "ci"
    assert environment["target"] == report["target"]
    assert environment["kit.version"] == report["kit"]["version"]


def test_summary_md_stays_under_64_kb_and_keeps_head_and_rerun() -> None:
    report = failing_report()
    check = next(c for c in report["checks"] if c["id"] == "SCHEMA-CONTENT-TYPE")
    template = next(t for t in check["tests"] if t["status"] == "failed")
    for check in report["checks"]:  # every check fails in many distinct ways: far more than a comment holds
        for i in range(8):
            test = copy.deepcopy(template)
            test["message"] = f"{check['id']} fault {'x' * i}: " + "y" * 500 + f"\nPOST /compute/instances -> 4{i}"
            test["message"] += "\nReproduce with: curl " + "z" * 1500
            check["tests"].append(test)
    text = render_markdown(report)
    assert len(text.encode()) <= MARKDOWN_LIMIT
    assert text.startswith("# CloudNx conformance: non-conformant")
    assert "Rerun just the failing checks with the same seed:" in text
    assert "cut to stay under 64 KB" in text
    assert "passing checks</summary>" in text
    assert text.count("```") % 2 == 0


def test_write_human_writes_every_view(tmp_path: Path) -> None:
    paths = write_human(failing_report(), tmp_path)
    assert {p.name for p in paths.values()} == {"summary.md", "report.html", "junit.xml", "allure-results"}


def test_reports_readme_names_exactly_the_files_a_run_writes(tmp_path: Path) -> None:
    readme = (Path(__file__).resolve().parents[2] / "reports" / "README.md").read_text()
    run_table = readme.split("## A conformance run", 1)[1].split("## Other writers", 1)[0]
    documented = set(re.findall(r"^\| `([^`]+)` \|", run_table, flags=re.MULTILINE))
    (tmp_path / "report.json").write_text("{}")  # written by finish() before the views
    written = {p.name + ("/" if p.is_dir() else "") for p in write_human(failing_report(), tmp_path).values()}
    written.add("report.json")
    assert documented - {"reference-server.log"} == written


def test_html_folds_failing_operations_past_the_first_few(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.report import html as html_view

    monkeypatch.setattr(html_view, "_OPEN_OPERATIONS", 2)
    page = html_view.render_html(failing_report())
    sections = re.findall(r'<details class="operation" data-operation="([a-z_]+)"( open)?>', page)
    assert len(sections) > 2
    assert [bool(is_open) for _, is_open in sections] == [True, True] + [False] * (len(sections) - 2)
    assert page.index('id="broken"') < page.index('class="operation"')
