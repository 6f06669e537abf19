"""The three tools of the kill matrix, each run as a subprocess against one variant target.

- ``suite``: ``cloudnx-conformance run --target URL --profile P``; what fired = the check ids that failed and that
  the profile requires (a RECOMMENDED check fails only ``strict``; elsewhere it is reported, never a kill).
- ``schemathesis``: plain ``schemathesis run spec/openapi.yaml --url URL`` with default checks; what fired =
  its failure kinds per operation (``ST202 Schema-valid request rejected @ GET /auth/me``).
- ``load``: the Locust rate-limit scenario; what fired = the ``LOAD-*`` checks with a violation.

A tool run only reports what it saw; whether that kills the variant is decided against the clean server's run
in ``killmatrix.matrix.verdicts``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cloudnx_spec
from conformance.catalogue import catalogue
from killmatrix.matrix.identity import BootstrapFailed, bearer_token, token_lifetime_s
from killmatrix.matrix.procs import Finished, run_logged

__all__ = ["LoadSettings", "StSettings", "ToolRun", "run_load", "run_schemathesis", "run_suite"]

_BIN = Path(sys.executable).parent


@dataclass
class ToolRun:
    """What one tool reported on one variant: ``failed``/``passed``/``inconclusive``, or ``error`` (no verdict)."""

    tool: str
    variant: str
    outcome: str
    fired: list[str] = field(default_factory=list)
    seconds: float = 0.0
    exit_code: int | None = None
    detail: str = ""
    inconclusive: list[str] = field(default_factory=list)
    report: str = ""
    verdicts: dict[str, str] = field(default_factory=dict)  # the suite's per-check verdicts


@dataclass(frozen=True)
class StSettings:
    """Plain schemathesis: default checks; a time budget; a client rate below the spec's limit."""

    max_time_s: int = 180
    # A user reading the spec's per-principal limit paces a sixth below it (25/s for 30/s).
    rate_limit: str = field(
        default_factory=lambda: f"{max(1, cloudnx_spec.rate_limit().requests_per_second * 5 // 6)}/s"
    )
    seed: int = 1


@dataclass(frozen=True)
class LoadSettings:
    users: int = 4
    duration_s: int = 10
    classes: tuple[str, ...] = ("HammerUser", "PoliteUser", "QuietUser")


def _error(tool: str, variant: str, finished: Finished | None, why: str) -> ToolRun:
    tail = finished.tail() if finished else ""
    code = finished.returncode if finished else None
    seconds = finished.seconds if finished else 0.0
    return ToolRun(tool, variant, "error", seconds=seconds, exit_code=code, detail=f"{why}\n{tail}".strip())


def run_suite(variant: str, base_url: str, profile: str, out: Path, seed: int, timeout: float) -> ToolRun:
    tool = f"suite-{profile}"
    command = [
        sys.executable, "-m", "conformance.cli", "run", "--target", base_url, "--profile", profile,
        "--report-dir", str(out), "--seed", str(seed),
    ]  # fmt: skip
    # Each run gets its own Hypothesis database: an example saved on one variant must not replay on another.
    env = {"HYPOTHESIS_STORAGE_DIRECTORY": str(out / ".hypothesis"), "PYTHONDONTWRITEBYTECODE": "1"}
    finished = run_logged(command, out / "suite.log", timeout, env=env)
    report = out / "report.json"
    if finished.returncode is None:
        return _error(tool, variant, finished, f"timed out after {timeout:.0f} s")
    if finished.returncode not in (0, 1) or not report.is_file():
        return _error(tool, variant, finished, f"the suite could not run (exit {finished.returncode})")
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    # Only what fails the run counts: a RECOMMENDED check is reported but fails no profile but strict.
    known = catalogue()
    fired = sorted(
        c["id"] for c in data["checks"] if c["verdict"] == "failed" and known.get(c["id"]).required_in(profile)
    )
    unsure = sorted(
        c["id"] for c in data["checks"] if c["verdict"] == "inconclusive" and known.get(c["id"]).required_in(profile)
    )
    outcome = "failed" if fired else ("inconclusive" if unsure else "passed")
    verdicts = {c["id"]: c["verdict"] for c in data["checks"]}
    detail = "\n".join(_first_message(c) for c in data["checks"] if c["verdict"] in ("failed", "inconclusive"))
    return ToolRun(
        tool, variant, outcome, fired, finished.seconds, finished.returncode, detail, unsure, str(report), verdicts
    )


def _first_message(check: dict[str, Any]) -> str:
    """``ID: message`` of the check's first failing test, one line, short (the report has the rest)."""
    bad = [t for t in check["tests"] if t["status"] not in ("passed", "skipped")]
    lines = str(bad[0]["message"]).splitlines() if bad else []
    # pytest's long repr: the assertion itself is on the "E   " lines, the code above it is noise here.
    raised = [line[1:].strip() for line in lines if line.startswith("E ")] or lines[-1:]
    message = " ".join(raised[0].split())[:300] if raised else ""
    return f"{check['id']} ({check['verdict']}): {message}"


def run_schemathesis(variant: str, base_url: str, out: Path, settings: StSettings) -> ToolRun:
    tool = "schemathesis"
    if settings.max_time_s >= token_lifetime_s() - 60:
        raise ValueError(f"schemathesis budget {settings.max_time_s} s outlives its bearer token")
    try:
        token = bearer_token(base_url, f"st-{variant}")
    except (BootstrapFailed, OSError) as exc:
        return _error(tool, variant, None, f"could not bootstrap a bearer token: {exc}")
    out = out.resolve()  # schemathesis runs with cwd=out: a relative report path would land inside it
    report = out / "schemathesis.json"
    command = [
        str(_BIN / "schemathesis"), "run", str(cloudnx_spec.spec_path()), "--url", base_url,
        "-H", f"Authorization: Bearer {token}", "--max-time", str(settings.max_time_s),
        "--rate-limit", settings.rate_limit, "--seed", str(settings.seed),
        "--report", "json", "--report-json-path", str(report),
    ]  # fmt: skip
    # cwd = the run's own directory: a plain run must not pick up any schemathesis.toml of the checkout.
    out.mkdir(parents=True, exist_ok=True)
    finished = run_logged(command, out / "schemathesis.log", settings.max_time_s + 180.0, cwd=out)
    if finished.returncode is None:
        return _error(tool, variant, finished, "timed out")
    if finished.returncode not in (0, 1) or not report.is_file():
        return _error(tool, variant, finished, f"schemathesis could not run (exit {finished.returncode})")
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    fired = sorted(
        {f"{f['code']} {f['title']} @ {operation}" for f in data.get("failures", []) for operation in f["operations"]}
    )
    errors = [str(e)[:200] for e in data.get("errors", [])]
    outcome = "failed" if fired else "passed"
    detail = f"stop: {data.get('stop_reason')}; cases: {data.get('test_cases', {}).get('generated')}"
    if errors:
        detail += f"; {len(errors)} errors: {errors[0]}"
    return ToolRun(tool, variant, outcome, fired, finished.seconds, finished.returncode, detail, [], str(report))


def run_load(variant: str, base_url: str, out: Path, settings: LoadSettings) -> ToolRun:
    tool = "load"
    out.mkdir(parents=True, exist_ok=True)
    users = str(settings.users)
    command = [
        sys.executable, "-m", "locust", "--config", "load/locust.conf", "--host", base_url,
        "--cnx-report-dir", str(out), "--csv", str(out / "locust"), "--html", str(out / "locust.html"),
        "--json-file", str(out / "locust"), "--headless", "-u", users, "-r", users,
        "-t", f"{settings.duration_s}s", *settings.classes,
    ]  # fmt: skip
    finished = run_logged(command, out / "locust.log", settings.duration_s + 120.0)
    summary = out / "summary.json"
    if finished.returncode is None or not summary.is_file():
        return _error(tool, variant, finished, f"no Locust summary (exit {finished.returncode})")
    data: dict[str, Any] = json.loads(summary.read_text(encoding="utf-8"))
    fired = sorted(c["id"] for c in data["checks"] if c["verdict"] == "violation")
    unsure = sorted(c["id"] for c in data["checks"] if c["verdict"] == "inconclusive")
    # Locust's outcomes (README, Load): pass, violation, inconclusive, request-errors.
    outcome = {"violation": "failed", "pass": "passed", "inconclusive": "inconclusive"}.get(data["outcome"], "error")
    if outcome == "error":
        return _error(tool, variant, finished, f"Locust outcome {data['outcome']!r}")
    return ToolRun(tool, variant, outcome, fired, finished.seconds, finished.returncode, "", unsure, str(summary))
