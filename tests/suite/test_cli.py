"""Exit codes of `cloudnx-conformance`: 0 conformant, 1 failed checks, 2 the kit could not run, 3 partial."""

from __future__ import annotations

import http.server
import json
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance import __version__
from conformance.catalogue import catalogue

pytestmark = pytest.mark.suite


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "conformance.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
        check=False,
    )


class _HtmlEverywhere(http.server.BaseHTTPRequestHandler):
    """A web server, not an API: 200 with an HTML page for every method and path."""

    def _answer(self) -> None:
        body = b"<!doctype html><html><body>Welcome</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        """Silent."""


@pytest.fixture
def html_target() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlEverywhere)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("kind", "cause"),
    [
        ("unreachable", r"target (?P<target>\S+) does not answer: ConnectError: .*Connection refused"),
        ("html", r"target (?P<target>\S+) is not a CloudNx API: GET /\S+ answered 200 with text/html, not JSON"),
    ],
    ids=["unreachable", "html-everywhere"],
)
def test_a_target_the_kit_cannot_judge_exits_2_in_one_sentence(
    kind: str, cause: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    # Port 9 (discard) is closed.
    target = "http://127.0.0.1:9" if kind == "unreachable" else request.getfixturevalue("html_target")
    result = cli("run", "--target", target, "--report-dir", str(tmp_path / "out"), cwd=tmp_path)
    assert result.returncode == 2, result.stdout
    sentence, *rest = result.stdout.strip().splitlines()
    found = re.fullmatch(rf"cloudnx-conformance: [^:]+ error: {cause}", sentence)
    assert found, sentence  # the first cause, in one sentence
    assert found["target"] == target
    assert [line.strip().split(":")[0] for line in rest] == ["fix"]  # and what to do about it, nothing else
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "out").exists()  # refused before a report directory was made


def test_bad_config_exits_2_with_what_to_fix(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[target]\nurl = "${NOT_SET_ANYWHERE}"\n')
    result = cli("run", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 2
    assert "NOT_SET_ANYWHERE" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_checks_lists_the_catalogue(tmp_path: Path) -> None:
    result = cli("checks", cwd=tmp_path)
    assert result.returncode == 0
    # Without a TTY (CI) nothing is cut to 80 columns and no id is wrapped across lines.
    for entry in catalogue().all_entries:
        assert re.search(rf"\b{re.escape(entry.id)}\b", result.stdout), entry.id


def test_checks_as_json_and_markdown(tmp_path: Path) -> None:
    data = json.loads(cli("checks", "--format", "json", cwd=tmp_path).stdout)
    assert [c["id"] for c in data] == [e.id for e in catalogue().all_entries]
    assert {c["runner"] for c in data} == {"suite", "load"}
    assert set(data[0]) >= {"id", "title", "level", "capability", "services", "profiles", "source"}
    markdown = cli("checks", "--format", "markdown", cwd=tmp_path).stdout
    assert markdown.startswith("# Conformance checks")
    assert "| `NO-5XX` |" in markdown


def test_version_and_help_say_what_people_need(tmp_path: Path) -> None:
    version = cli("--version", cwd=tmp_path)
    assert version.returncode == 0
    assert version.stdout.startswith(f"cloudnx-conformance {__version__} (spec ")
    top = cli("--help", cwd=tmp_path).stdout
    assert "CONFORMANT" in top
    assert "run" in top
    assert "verify" in top
    text = cli("run", "--help", cwd=tmp_path).stdout
    needles = ("exit codes:", "environment", "CNX_TARGET", "CNX_BEARER_TOKEN", "examples:", "--include", "--exclude")
    for needle in (*needles, "--max-examples", "--header", "--bearer-token", "--list", "reports/latest"):
        assert needle in text, needle


def test_list_shows_what_would_run_and_sends_nothing(tmp_path: Path) -> None:
    # Port 9 (discard) is closed: a run would exit 2 "does not answer"; --list never contacts it.
    result = cli(
        "run", "--target", "http://127.0.0.1:9", "--profile", "ci", "--include", "ERR-*",
        "--include", "operation:instances_*", "--list", cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing is sent" in result.stdout
    assert "ERR-SHAPE" in result.stdout
    assert "NO-5XX" not in result.stdout
    assert "operations of the property-based part (8): instances_list" in result.stdout
    assert not (tmp_path / "reports").exists()
    full = cli("run", "--profile", "ci", "--list", cwd=tmp_path).stdout
    assert "test_errors::test_every_error_class_has_the_error_shape" in full


def test_an_ambiguous_pattern_exits_2_saying_how_to_fix_it(tmp_path: Path) -> None:
    result = cli("run", "--target", "http://127.0.0.1:9", "--include", "auth", cwd=tmp_path)
    assert result.returncode == 2
    assert "capability:auth or service:auth" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


@pytest.mark.slow
def test_conformant_run_against_the_reference_server_exits_0(tmp_path: Path, reference_target: str) -> None:
    # The property part over a slice of operations, over real HTTP: the kit's own plumbing end to end.
    result = cli(
        "run",
        "--target",
        reference_target,
        "--profile",
        "ci",
        "--seed",
        "5",
        "--report-dir",
        str(tmp_path),
        "-k",
        "test_operation and instances",
        cwd=tmp_path,
    )
    # A slice of the ci profile: everything it ran passed, but the rest of the profile did not run.
    assert result.returncode == 3, result.stdout[-3000:]
    report = json.loads((tmp_path / "report.json").read_text())
    operations = {t["operation"] for c in report["checks"] for t in c["tests"]}
    assert report["verdict"] == "partial"
    assert "failed" not in report["results"]
    assert {"instances_create", "instances_get"} <= operations
    verified = cli("verify", str(tmp_path / "report.json"), cwd=tmp_path)
    assert verified.returncode == 3, verified.stdout  # genuine, and never a certification


@pytest.mark.slow
def test_no_target_starts_and_stops_the_bundled_server(tmp_path: Path) -> None:
    def run() -> subprocess.CompletedProcess[str]:
        return cli("run", "--profile", "ci", "--seed", "5", "-k", "test_operation and auth_jwks", cwd=tmp_path)

    result = run()
    assert "started the bundled reference server at http://127.0.0.1:" in result.stdout
    # A subset of the profile: never CONFORMANT — PARTIAL (exit 3), never a kit error.
    assert result.returncode == 3, result.stdout[-3000:]
    # Each run its own report directory; reports/latest points at the newest.
    first = (tmp_path / "reports" / "latest").resolve()
    assert (first / "report.json").is_file()
    assert (first / "reference-server.log").is_file()
    second_run = run()
    assert second_run.returncode == result.returncode
    second = (tmp_path / "reports" / "latest").resolve()
    assert second != first
    assert (first / "report.json").is_file()
    assert (second / "report.json").is_file()
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == sorted(["latest", first.name, second.name])


@pytest.mark.slow
@pytest.mark.parametrize(
    "selection",
    [("--", "-k", "zzz_no_match"), ("--", "--collect-only"), ("-k", "jwt")],
    ids=["nothing-selected", "collect-only", "subset"],
)
def test_a_run_that_leaves_checks_unrun_is_never_conformant(
    tmp_path: Path, reference_target: str, selection: tuple[str, ...]
) -> None:
    out = tmp_path / "out"
    result = cli(
        "run", "--target", reference_target, "--profile", "ci", "--report-dir", str(out), *selection, cwd=tmp_path
    )
    assert result.returncode == 3, result.stdout[-3000:]
    assert "cloudnx-conformance: PARTIAL — profile ci" in result.stdout
    assert "CONFORMANT —" not in result.stdout.replace("NON-CONFORMANT", "")
    report = json.loads((out / "report.json").read_text())
    ran = {t["nodeid"] for c in report["checks"] for t in c["tests"]}
    assert report["verdict"] == "partial"
    assert bool(ran) == (selection[0] == "-k")  # the subset ran something, the others nothing
    assert report["not_run_checks"]
    verified = cli("verify", str(out / "report.json"), cwd=tmp_path)
    assert verified.returncode == 3, verified.stdout  # genuine, and never a certification
    assert "never a certification" in verified.stdout
