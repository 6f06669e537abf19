"""allure-results from report.json (written with allure-commons, the library allure-pytest is built on).

One Allure result per report result (a check on an operation or test), so Allure counts what the terminal, JUnit and
the HTML count. Labels: epic = service, feature = capability, story = check; the operation and the seed are
parameters; a failing result attaches its exchange and its curl line; a distinct historyId per check and operation
keeps Allure's history apart. A waived result is a known issue (skipped, ``known``, its own category), never a
product defect. ``environment.properties`` and ``categories.json`` describe the run.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from pathlib import Path
from typing import Any

from allure_commons.logger import AllureFileLogger
from allure_commons.model2 import Attachment, Label, Parameter, Status, StatusDetails, TestResult

from conformance.report.results import Result, clean_message, curl_of, failing_exchange, label_of, results

__all__ = ["CATEGORIES", "write_allure"]

_STATUS = {"passed": Status.PASSED, "failed": Status.FAILED, "error": Status.BROKEN, "inconclusive": Status.SKIPPED}
# SEED and CONTRACT rules decide certification; RECOMMENDED ones fail only the strict profile.
_SEVERITY = {"SEED": "critical", "CONTRACT": "critical", "RECOMMENDED": "normal"}
CATEGORIES = [
    {
        "name": "Waived (known deviations of this target)",
        "matchedStatuses": ["skipped"],
        "messageRegex": "(?s)waived: .*",
    },
    {
        "name": "Already failing in the baseline",
        "matchedStatuses": ["failed"],
        "messageRegex": r"(?s)\[already failing.*",
    },
    {"name": "Inconclusive", "matchedStatuses": ["skipped"], "messageRegex": "(?s)inconclusive.*"},
    {"name": "Kit could not run the check", "matchedStatuses": ["broken"]},
]


def _digest(*parts: object) -> str:
    return hashlib.md5("\x1f".join(str(p) for p in parts).encode(), usedforsecurity=False).hexdigest()


def _attach(logger: AllureFileLogger, name: str, body: str, mime: str, extension: str) -> Attachment:
    source = f"{uuid.uuid4()}-attachment.{extension}"
    logger.report_attached_data(body=body, file_name=source)  # type: ignore[no-untyped-call]
    return Attachment(name=name, source=source, type=mime)


def _result(logger: AllureFileLogger, report: dict[str, Any], result: Result, start_ms: int) -> TestResult:
    check, test = result.check, result.test
    waived = check["verdict"] == "waived" and result.status != "passed"
    label = label_of(report, check)
    message = clean_message(test.get("message") or "")
    if waived:
        status, message = Status.SKIPPED, f"waived: {check['waiver']} (real outcome: {result.status})\n{message}"
    else:
        status = _STATUS[result.status]
        if result.status in ("failed", "error"):
            message = f"[{label}] {message}"
    attachments = []
    exchange = failing_exchange(test) if result.status in ("failed", "error") else None
    if exchange is not None:
        attachments.append(_attach(logger, "exchange", json.dumps(exchange, indent=2), "application/json", "json"))
    curl = curl_of(test) if result.status in ("failed", "error") else None
    if curl:
        attachments.append(_attach(logger, "curl", curl + "\n", "text/plain", "txt"))
    labels = [
        Label("epic", result.service or "suite"),
        Label("feature", check["capability"]),
        Label("story", check["id"]),
        Label("parentSuite", "cloudnx-conformance"),
        Label("suite", result.service or "suite"),
        Label("subSuite", check["id"]),
        Label("severity", _SEVERITY.get(check["level"], "normal")),
        Label("tag", check["level"]),
        Label("framework", "cloudnx-conformance"),
        Label("language", "python"),
    ]
    parameters = [Parameter("operation", result.operation or "-"), Parameter("seed", str(report["seed"]))]
    duration = int(float(test.get("duration") or 0) * 1000)
    return TestResult(
        uuid=str(uuid.uuid4()),
        # Allure keys history on historyId: one per check and operation (and test, for hand-written checks).
        historyId=_digest(check["id"], result.operation, test["nodeid"]),
        testCaseId=_digest(check["id"], result.operation),
        fullName=f"{test['nodeid']}::{check['id']}",
        name=result.name,
        description=f"{check['title']}\n\nSource: {check['source']}",
        status=status,
        statusDetails=StatusDetails(known=waived or None, message=message or None)
        if status != Status.PASSED
        else None,
        labels=labels,
        parameters=parameters,
        attachments=attachments,
        start=start_ms,
        stop=start_ms + duration,
    )


def write_allure(report: dict[str, Any], directory: Path) -> Path:
    """Replace ``directory``'s contents with this report's Allure results."""
    logger = AllureFileLogger(str(directory), clean=True)  # type: ignore[no-untyped-call]
    try:
        started = int(time.mktime(time.strptime(report["started_at"], "%Y-%m-%dT%H:%M:%SZ")) * 1000)
    except (KeyError, ValueError):
        started = 0
    for result in results(report):
        logger.report_result(_result(logger, report, result, started))  # type: ignore[no-untyped-call]
    environment = {
        "target": report["target"],
        "seed": report["seed"],
        "profile": report["profile"],
        "kit.version": report["kit"]["version"],
        "kit.git_revision": report["kit"].get("git_revision", ""),
        "spec.digest": report["spec"]["digest"],
        "verdict": report["verdict"],
        "run_id": report.get("run_id", ""),
    }
    lines = [f"{key}={str(value).replace(chr(10), ' ')}" for key, value in environment.items()]
    (directory / "environment.properties").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (directory / "categories.json").write_text(json.dumps(CATEGORIES, indent=2) + "\n", encoding="utf-8")
    return directory
