"""A few seconds of real load, Locust in a subprocess: passes on the reference server, exits with the violation
code on deliberately broken limiters (killmatrix variants), and works headless, distributed and in the web UI."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from cloudnx_load import EXIT_CODES
from conformance.loopback import free_port

from .harness import REFERENCE, REPO_ROOT, killmatrix, locust_command, run_locust

pytestmark = pytest.mark.load

RATE_CLASSES = ("HammerUser", "PoliteUser", "QuietUser")
# -u 4 over weights 2:1:1 -> two hammer users, one polite, one quiet.
SHORT = ("--headless", "-u", "4", "-r", "4", "-t", "9s")


def test_reference_server_passes(serve, tmp_path: Path) -> None:
    host = serve(REFERENCE)
    run = run_locust(locust_command(host, tmp_path, *SHORT, *RATE_CLASSES), tmp_path)
    assert run.returncode == EXIT_CODES["pass"], run.output[-4000:]
    assert run.summary["outcome"] == "pass"
    hammers = run.users("hammer")
    assert len(hammers) == 2
    for user in hammers:
        assert abs(user["accepted_rate"] - 30) <= 1.5, user
    assert all(u["throttled"] == 0 for u in run.users("quiet"))
    assert run.check("LOAD-RETRY-AFTER-OBEYED") == "pass"
    assert {p.name for p in tmp_path.iterdir()} >= {
        "summary.json",
        "summary.md",
        "rates.png",
        "locust.html",
        "locust_stats.csv",
        "locust.json",
    }


@pytest.mark.parametrize(
    ("variant", "violated"),
    [
        ("ratelimit-per-service", "LOAD-RATE-WINDOW"),
        ("ratelimit-no-retry-after", "LOAD-RETRY-AFTER-INTEGER"),
        ("ratelimit-retry-after-lies", "LOAD-RETRY-AFTER-OBEYED"),
        ("ratelimit-global-bucket", "LOAD-QUIET-NOT-THROTTLED"),
        ("ratelimit-too-strict", "LOAD-THROTTLE-JUSTIFIED"),
    ],
)
def test_broken_limiter_is_a_violation(serve, tmp_path: Path, variant: str, violated: str) -> None:
    host = serve(killmatrix(variant))
    run = run_locust(locust_command(host, tmp_path, *SHORT, *RATE_CLASSES), tmp_path)
    assert run.returncode == EXIT_CODES["violation"], run.output[-4000:]
    assert run.check(violated) == "violation", run.summary["checks"]


def test_master_and_worker_with_options_from_the_master(serve, tmp_path: Path) -> None:
    """The documented way to scale out: the verdict is computed on the master from the worker's records, and
    --cnx-* options given only to the master reach the worker (hammer users offer 1.8 x the limit)."""
    host = serve(REFERENCE)
    port = str(free_port())
    master = locust_command(
        host,
        tmp_path,
        *SHORT,
        "--master",
        "--expect-workers",
        "1",
        "--master-bind-port",
        port,
        "--cnx-hammer-factor",
        "1.8",
        *RATE_CLASSES,
    )
    worker = subprocess.Popen(
        [sys.executable, "-m", "locust", "-f", "load/locustfile.py", "--worker", "--master-port", port],
        cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        run = run_locust(master, tmp_path)
    finally:
        worker.wait(timeout=30)
    assert run.returncode == EXIT_CODES["pass"], run.output[-4000:]
    assert run.summary["run"]["workers"] == 1
    assert all(u["user"].startswith("w0/") for u in run.summary["users"])
    assert all(abs(u["offered_rate"] - 54) <= 2 for u in run.users("hammer")), run.users("hammer")


def test_web_ui_mode_writes_the_verdict(serve, tmp_path: Path) -> None:
    host = serve(REFERENCE)
    ui = (
        "--autostart",
        "--autoquit",
        "1",
        "-u",
        "2",
        "-r",
        "2",
        "-t",
        "6s",
        "--web-host",
        "127.0.0.1",
        "--web-port",
        str(free_port()),
        "QuietUser",
        "MixedUser",
    )
    run = run_locust(locust_command(host, tmp_path, *ui), tmp_path)
    assert run.returncode == EXIT_CODES["pass"], run.output[-4000:]
    assert {u["kind"] for u in run.summary["users"]} == {"quiet", "mixed"}


def test_identities_from_the_suite_config(serve, tmp_path: Path) -> None:
    """Accounts listed in the suite's TOML config are logged into instead of signing up new ones."""
    host = serve(REFERENCE)
    accounts = [(f"cnx-load-config-{i}-{free_port()}@example.com", "correct horse battery staple") for i in range(2)]
    for email, password in accounts:
        assert httpx.post(f"{host}/auth/signup", json={"email": email, "password": password}).status_code == 201
    config = tmp_path / "target.toml"
    config.write_text(
        f'[target]\nurl = "{host}"\n'
        + "".join(
            f'\n[[accounts]]\nname = "a{i}"\nemail = "{e}"\npassword = "{p}"\n' for i, (e, p) in enumerate(accounts)
        )
    )
    run = run_locust(
        locust_command(
            host, tmp_path, "--headless", "-u", "2", "-r", "2", "-t", "4s", "--cnx-config", str(config), "QuietUser"
        ),
        tmp_path,
    )
    assert run.returncode == EXIT_CODES["pass"], run.output[-4000:]
    digests = {hashlib.sha256(email.encode()).hexdigest()[:12] for email, _ in accounts}
    assert {u["identity"] for u in run.summary["users"]} == digests
