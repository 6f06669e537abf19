"""Throughput of the load scenarios against the bundled reference server, per Locust process and with --processes.

    python benchmarks/bench_load.py [--users 8 24] [--seconds 20] [--processes 1 2]

Starts ``cloudnx-reference`` on a free port (subprocess), runs headless Locust with hammer users only (the most
requests per identity) for each ``--processes`` value, and prints total and per-process requests/s from Locust's
JSON statistics plus the verdict. On one machine the target shares the CPU with Locust, so the figures say where
the pair saturates, not what either can do alone; run Locust on other machines to measure the target alone.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_reference() -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "reference_server.cli", "--port", str(port)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):  # bounded: 30 s
        try:
            if httpx.get(url + "/auth/.well-known/jwks.json", timeout=1).status_code == 200:
                return server, url
        except httpx.TransportError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("reference server did not start")


def run_once(url: str, users: int, seconds: int, processes: int, classes: list[str]) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        command = [
            sys.executable, "-m", "locust", "--config", "load/locust.conf", "--headless", "--host", url,
            "-u", str(users), "-r", str(max(1, users // 2)), "-t", f"{seconds}s", "--processes", str(processes),
            "--cnx-report-dir", str(out), "--csv", str(out / "l"), "--html", str(out / "l.html"),
            "--json-file", str(out / "stats"), *classes,
        ]  # fmt: skip
        done = subprocess.run(  # noqa: S603 - locust from this interpreter, arguments built here
            command, cwd=REPO, capture_output=True, text=True, timeout=seconds + 120
        )
        stats = json.loads((out / "stats.json").read_text())
        summary = json.loads((out / "summary.json").read_text())
    requests = sum(int(row["num_requests"]) for row in stats if not row["name"].startswith("bootstrap"))
    first = min(float(row["start_time"]) for row in stats)
    last = max(float(row["last_request_timestamp"]) for row in stats)
    rate = requests / max(1e-9, last - first)
    hammers = [u for u in summary["users"] if u["kind"] == "hammer"]
    return {
        "processes": processes,
        "users": users,
        "requests_per_s": round(rate, 1),
        "per_process": round(rate / processes, 1),
        "hammer_offered": [u["offered_rate"] for u in hammers],
        "hammer_accepted": [u["accepted_rate"] for u in hammers],
        "outcome": summary["outcome"],
        "exit_code": done.returncode,
        "cpu_warning": summary["run"]["cpu_warning"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, nargs="+", default=[8, 24])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--classes", nargs="+", default=["HammerUser"])
    args = parser.parse_args()
    server, url = _start_reference()
    try:
        for users in args.users:
            for processes in args.processes:
                print(json.dumps(run_once(url, users, args.seconds, processes, args.classes)), flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
