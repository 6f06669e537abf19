"""junit.xml from report.json: one testcase per result, named ``<CHECK-ID> <operationId>``, with its properties.

pytest's own junitxml writes one testcase per pytest item; the property-based part judges a dozen checks per
item, so the kit writes JUnit from the report instead, in the unit every other view counts (conformance.report.
results). Waived and inconclusive results are ``<skipped>`` with the reason; a failure carries the target's fault,
its label (regression, already failing in the baseline) and a curl line.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path
from typing import Any

from conformance.report.results import Result, clean_message, curl_of, label_of, results

__all__ = ["render_junit", "write_junit"]


def _properties(parent: ET.Element, values: dict[str, Any]) -> None:
    element = ET.SubElement(parent, "properties")
    for name, value in values.items():
        if value is not None:
            ET.SubElement(element, "property", name=name, value=str(value))


def _names(every: list[Result]) -> list[str]:
    """``<CHECK-ID> <operationId>``, made unique with the test's name where one check judged an operation twice."""
    plain = Counter(r.name for r in every)
    return [r.name if plain[r.name] == 1 else f"{r.name} ({r.test['nodeid'].split('::', 1)[-1]})" for r in every]


def _testcase(suite: ET.Element, report: dict[str, Any], result: Result, name: str) -> str:
    check = result.check
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"cloudnx.{result.service or '-'}.{check['capability']}",
        name=name,
        time=f"{float(result.test.get('duration') or 0):.3f}",
    )
    label = label_of(report, check)
    _properties(
        case,
        {
            "check": check["id"],
            "operation": result.operation,
            "service": result.service,
            "level": check["level"],
            "capability": check["capability"],
            "test": result.test["nodeid"],
            "label": label if result.status in ("failed", "error") else None,
        },
    )
    message = clean_message(result.test.get("message") or "")
    first = message.splitlines()[0] if message else result.status
    curl = curl_of(result.test)
    body = message + (f"\n\nReproduce with:\n{curl}" if curl else "")
    if check["verdict"] == "waived" and result.status != "passed":
        ET.SubElement(case, "skipped", message=f"waived: {check['waiver']} (real outcome: {result.status}): {first}")
        return "skipped"
    if result.status == "inconclusive":
        ET.SubElement(case, "skipped", message=first)
        return "skipped"
    if result.status in ("failed", "error"):
        tag = "failure" if result.status == "failed" else "error"
        element = ET.SubElement(case, tag, message=f"[{label}] {first}", type=check["id"])
        element.text = body
        return tag
    return "passed"


def render_junit(report: dict[str, Any]) -> bytes:
    every = results(report)
    root = ET.Element("testsuites", name="cloudnx-conformance")
    suite = ET.SubElement(
        root,
        "testsuite",
        name=f"cloudnx-conformance {report['profile']}",
        timestamp=str(report.get("started_at", "")),
        time=f"{float(report.get('duration_s') or 0):.3f}",
    )
    not_run = [c["id"] for c in report["checks"] if c["in_profile"] and not c["tests"]]
    _properties(
        suite,
        {
            "verdict": report["verdict"],
            "target": report["target"],
            "profile": report["profile"],
            "seed": report["seed"],
            "run_id": report.get("run_id"),
            "kit_version": report["kit"]["version"],
            "git_revision": report["kit"].get("git_revision"),
            "spec_digest": report["spec"]["digest"],
            "baseline": report.get("baseline"),
            "checks_not_run": ",".join(not_run) or None,
        },
    )
    tally = Counter(_testcase(suite, report, r, name) for r, name in zip(every, _names(every), strict=True))
    for element in (root, suite):
        element.set("tests", str(len(every)))
        element.set("failures", str(tally["failure"]))
        element.set("errors", str(tally["error"]))
        element.set("skipped", str(tally["skipped"]))
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def write_junit(report: dict[str, Any], path: Path) -> Path:
    path.write_bytes(render_junit(report))
    return path
