"""The run verdict is a fact: partial and empty runs, setup breaches, a target that dies, a target that is no API.

Each runs a tiny suite in a pytester subprocess against a stub target of this module (stdlib HTTP server).
"""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conformance.catalogue import catalogue
from conformance.report.verify import verify

pytestmark = pytest.mark.suite
pytest_plugins = ["pytester"]

CHECKS = """
from conformance.checks import check

@check("NO-5XX")
def test_a_passes(raw):
    assert raw.get("/auth/.well-known/jwks.json").status_code == 200

@check("ERR-SHAPE")
def test_b_fails(raw):
    raw.get("/auth/.well-known/jwks.json")
    assert False, "received text/plain, the spec documents application/json"

@check("SCHEMA-STATUS")
def test_c_stops_the_target(raw):
    raw.get("/__stop")

@check("SCHEMA-HEADERS")
def test_d_after_the_stop(raw):
    assert raw.get("/auth/.well-known/jwks.json").status_code == 200

@check("STATUS-CREATE-201")
def test_e_needs_an_account(alice):
    assert alice.account_id
"""


class _Stub(http.server.BaseHTTPRequestHandler):
    """JSON 200 for everything (a create too: 200 where the spec says 201); /__stop shuts the server down."""

    html = False

    def _answer(self) -> None:
        if self.path == "/__stop":
            threading.Thread(target=self.server.shutdown, daemon=True).start()
            self.server.socket.close()
        body, kind = (b"<html>hi</html>", "text/html") if self.html else (json.dumps({"keys": []}).encode(), "json")
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if kind == "json" else kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Silent."""


class _Html(_Stub):
    html = True


def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def stub() -> Iterator[str]:
    yield from _serve(_Stub)


@pytest.fixture
def html_stub() -> Iterator[str]:
    yield from _serve(_Html)


def run(pytester: pytest.Pytester, target: str, *args: str) -> tuple[pytest.RunResult, dict[str, Any], Path]:
    pytester.makepyfile(test_checks=CHECKS)
    out = pytester.path / "out"
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", f"--cnx-target={target}", "--cnx-profile=ci", f"--cnx-report-dir={out}", *args
    )
    report = json.loads((out / "report.json").read_text()) if (out / "report.json").is_file() else {}
    return result, report, out / "report.json"


def test_a_selection_is_partial_and_never_certified(pytester: pytest.Pytester, stub: str) -> None:
    result, report, path = run(pytester, stub, "-k", "a_passes")
    assert result.ret == 3, result.stdout.str()
    total = len(catalogue().for_profile("ci"))
    result.stdout.fnmatch_lines(["*PARTIAL*", f"*not run: {total - 1} of the {total} checks of profile ci*"])
    assert report["verdict"] == "partial"
    assert len(report["not_run_checks"]) == total - 1
    assert '<property name="verdict" value="partial"' in (path.parent / "junit.xml").read_text()
    verified = verify(path)
    assert not verified.ok
    assert verified.code == 3


@pytest.mark.parametrize("args", [("-k", "zzz_no_match"), ("--collect-only",)])
def test_nothing_run_is_never_conformant(pytester: pytest.Pytester, stub: str, args: tuple[str, ...]) -> None:
    result, report, path = run(pytester, stub, *args)
    assert result.ret == 3, result.stdout.str()
    assert report["verdict"] == "partial"
    assert report["results"] == {}
    assert not verify(path).ok


def test_a_setup_breach_is_a_failure_under_the_broken_rule(pytester: pytest.Pytester, stub: str) -> None:
    result, report, _ = run(pytester, stub, "-k", "needs_an_account")
    assert result.ret == 1, result.stdout.str()  # never 2: the target broke the contract
    result.stdout.fnmatch_lines(
        ["*NON-CONFORMANT*", "FAILED STATUS-CREATE-201*", "*auth_signup answered 200, the spec requires 201*"]
    )
    check = next(c for c in report["checks"] if c["id"] == "STATUS-CREATE-201")
    breach = check["tests"][0]
    assert breach["status"] == "failed"
    assert breach["nodeid"] == "bootstrap"
    assert breach["operation"] == "auth_signup"
    assert breach["exchanges"][0]["curl"].startswith("curl ")
    assert breach["exchanges"][0]["status"] == 200
    assert report["kit_errors"] == []


def test_a_target_that_dies_keeps_its_failures(pytester: pytest.Pytester, stub: str) -> None:
    result, report, _ = run(pytester, stub, "-k", "not needs_an_account")
    assert result.ret == 1, result.stdout.str()  # the failure found before the stop stands
    verdicts = {c["id"]: c["verdict"] for c in report["checks"]}
    assert verdicts["NO-5XX"] == "passed"
    assert verdicts["ERR-SHAPE"] == "failed"
    assert verdicts["SCHEMA-HEADERS"] == "not-run"
    assert report["stopped"]
    assert "stopped answering at" in report["stopped"]["reason"]
    assert any(n["nodeid"].endswith("test_d_after_the_stop") for n in report["not_run"])
    assert "auth_jwks" in report["operations"]["exercised"]
    result.stdout.fnmatch_lines(["*the target stopped answering at*"])


def test_a_target_that_is_no_cloudnx_api_is_a_kit_error(pytester: pytest.Pytester, html_stub: str) -> None:
    result, _, _ = run(pytester, html_stub)
    assert result.ret == 2
    text = result.stdout.str() + result.stderr.str()
    assert "is not a CloudNx API: GET /auth/.well-known/jwks.json answered 200 with text/html, not JSON" in text
    assert "Traceback" not in text
