"""The verdict variants on a real loopback target: a contract broken during the setup, a target that dies mid-run.

``bootstrap-create-200`` runs the real ``ci`` suite through the CLI, narrowed to the broken rule's check.
``dies-mid-run`` runs a small suite of this module in a pytester subprocess (the point where the target dies is
the variant's ``KILLMATRIX_DIES_AFTER``): one test that finds a failure, one that makes a resource and then meets
the dead target, one that comes after.
"""

from __future__ import annotations

import calendar
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from conformance.loopback import serve_on_loopback
from conformance.runtime import LEFT_ON_STOPPED_TARGET

pytestmark = pytest.mark.killmatrix
pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
#: The small suite's requests before the target dies: past the bootstrap and the resource test_b makes.
DIES_AFTER = 100

SUITE = """
from conformance.checks import check

JWKS = "/auth/.well-known/jwks.json"

@check("ERR-SHAPE")
def test_a_error_shape(raw):
    reply = raw.get("/compute/no-such-route")
    kind = reply.headers.get("content-type", "")
    assert kind.startswith("application/json"), f"an error must be JSON; got {reply.status_code} {kind}"

@check("NO-5XX")
def test_b_until_it_dies(raw, make, alice):
    make("vpcs_create", alice)
    for _ in range(400):
        assert raw.get(JWKS).status_code < 500

@check("SCHEMA-HEADERS")
def test_c_after_the_stop(raw):
    raw.get("/auth/me")
"""


PROPERTY_SUITE = """
import pytest
from conformance.fixtures import TALLY_KEY
from conformance.properties import Tally

@pytest.mark.cnx_properties
def test_operation_cases_then_the_stop(raw, request):
    # What the property engine leaves in the stash when a later case meets the dead target.
    tally = Tally("auth_jwks")
    tally.add("content_type_conformance", "Undocumented Content-Type: text/plain", "GET /auth/x -> 404")
    request.node.stash[TALLY_KEY] = tally
    for _ in range(400):
        raw.get("/auth/.well-known/jwks.json")
"""


def _serve(variant: str, tmp: Path, env: dict[str, str] | None = None) -> AbstractContextManager[str]:
    command = [sys.executable, "-m", "killmatrix.matrix_serve", "--variant", variant]
    return serve_on_loopback(command, log=tmp / f"{variant}.log", cwd=REPO, env=env)


@pytest.fixture
def dying(tmp_path: Path) -> Iterator[str]:
    with _serve("dies-mid-run", tmp_path, {"KILLMATRIX_DIES_AFTER": str(DIES_AFTER)}) as url:
        yield url


def _run_small_suite(
    pytester: pytest.Pytester, target: str, *args: str, suite: str = SUITE
) -> tuple[pytest.RunResult, dict[str, Any]]:
    pytester.makepyfile(test_small=suite)
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--cnx-target={target}", "--cnx-profile=ci", f"--cnx-report-dir={out}", *args
    )
    assert (out / "report.json").is_file(), result.stdout.str() + result.stderr.str()
    return result, json.loads((out / "report.json").read_text())


def test_a_target_that_dies_keeps_its_failures(pytester: pytest.Pytester, dying: str) -> None:
    before = time.time()
    result, report = _run_small_suite(pytester, dying)
    text = result.stdout.str() + result.stderr.str()
    assert result.ret == 1, text  # the failure found before the target died stands
    assert report["verdict"] == "non-conformant"
    verdicts = {c["id"]: c["verdict"] for c in report["checks"] if c["in_profile"]}
    assert verdicts["ERR-SHAPE"] == "failed"
    assert verdicts["NO-5XX"] == verdicts["SCHEMA-HEADERS"] == "not-run"
    # Not run, each with the time the target stopped answering.
    stopped = report["stopped"]
    assert calendar.timegm(time.strptime(stopped["at"], "%Y-%m-%dT%H:%M:%SZ")) >= int(before)
    assert stopped["reason"].startswith(f"the target stopped answering at {stopped['at']} (")
    not_run = {n["nodeid"].rpartition("::")[2]: n["reason"] for n in report["not_run"]}
    assert set(not_run) == {"test_b_until_it_dies", "test_c_after_the_stop"}
    assert all("stopped answering at " + stopped["at"][11:] in reason for reason in not_run.values())
    # Exercised: what the target answered before it died; GET /auth/me of test_c never was.
    exercised = report["operations"]["exercised"]
    assert {"auth_jwks", "auth_signup", "vpcs_create"} <= set(exercised)
    assert "auth_me" not in exercised
    # Nothing is sent to a dead target: what the run made is reported as left on it, the VPC and the bootstrap's.
    left = report["cleanup_failures"]
    assert {f["operation_id"] for f in left} >= {"vpcs_delete", "iam_users_delete"}
    assert all(f["status"] is None and f["detail"] == LEFT_ON_STOPPED_TARGET for f in left)
    result.stdout.fnmatch_lines(
        [
            "*NON-CONFORMANT*",
            "*the target stopped answering at *; the checks after that are not-run",
            f"CLEANUP SKIPPED {len(left)} resources the run made are left on the target (it stopped answering)*",
        ]
    )
    assert "CLEANUP FAILED" not in text
    assert "Traceback" not in text


def test_a_target_that_dies_before_any_failure_is_a_kit_error(pytester: pytest.Pytester, dying: str) -> None:
    result, report = _run_small_suite(pytester, dying, "-k", "not error_shape")
    text = result.stdout.str() + result.stderr.str()
    assert result.ret == 2, text  # no verdict: never CONFORMANT, never 3 (kept for a chosen selection)
    assert report["verdict"] == "kit-error"
    assert report["kit_errors"] == [report["stopped"]["reason"]]
    result.stdout.fnmatch_lines(["*KIT-ERROR*", "*the target stopped answering at *"])
    assert "Traceback" not in text


def test_a_property_test_cut_by_the_stop_keeps_the_failures_its_cases_found(
    pytester: pytest.Pytester, dying: str
) -> None:
    result, report = _run_small_suite(pytester, dying, suite=PROPERTY_SUITE)
    assert result.ret == 1, result.stdout.str()
    check = next(c for c in report["checks"] if c["id"] == "SCHEMA-CONTENT-TYPE")
    assert check["verdict"] == "failed"
    assert [(t["operation"], t["status"]) for t in check["tests"]] == [("auth_jwks", "failed")]
    assert [n["nodeid"].rpartition("::")[2] for n in report["not_run"]] == ["test_operation_cases_then_the_stop"]
    assert report["stopped"]


def test_a_breach_during_the_bootstrap_fails_under_its_check(tmp_path: Path) -> None:
    """Signup answering 200 (the spec says 201): NON-CONFORMANT under STATUS-CREATE-201, exchange and curl."""
    out = tmp_path / "report"
    with _serve("bootstrap-create-200", tmp_path) as url:
        command = [sys.executable, "-m", "conformance.cli", "run", "--target", url, "--profile", "ci", "--seed", "5"]
        command += ["--include", "check:STATUS-CREATE-201", "--report-dir", str(out)]
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    text = done.stdout + done.stderr
    assert done.returncode == 1, text
    assert "FAILED STATUS-CREATE-201" in text
    assert "auth_signup answered 200, the spec requires 201" in text
    assert "reproduce (auth_signup): curl -i -X POST -H 'content-type: application/json'" in text
    assert "Traceback" not in text
    assert "KIT ERROR" not in text
    report = json.loads((out / "report.json").read_text())
    check = next(c for c in report["checks"] if c["id"] == "STATUS-CREATE-201")
    breach = next(t for t in check["tests"] if t["nodeid"] == "bootstrap")
    assert (breach["status"], breach["operation"]) == ("failed", "auth_signup")
    exchange = breach["exchanges"][0]
    assert exchange["status"] == 200
    assert exchange["curl"].startswith("curl ")
    assert exchange["url"].endswith("/auth/signup")
    assert (report["verdict"], report["kit_errors"]) == ("non-conformant", [])
