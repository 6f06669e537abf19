"""Throughput of the load scenarios against the bundled reference server, per Locust process and with --processes.

    python benchmarks/bench_load.py [--users 8 24] [--seconds 20] [--processes 1 2]

Starts ``cloudnx-reference`` on a loopback port it binds itself (subprocess), runs headless Locust with hammer
users only (the most requests per identity) for each ``--processes`` value, and prints total and per-process
requests/s from Locust's JSON statistics plus the verdict. On one machine the target shares the CPU with Locust,
so the figures say where the pair saturates, not what either can do alone; run Locust on other machines to
measure the target alone.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from conformance.loopback import serve_on_loopback

REPO = Path(__file__).resolve().parent.parent


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
    with serve_on_loopback([sys.executable, "-m", "reference_server.cli", "--port", "0"], cwd=REPO) as url:
        for users in args.users:
            for processes in args.processes:
                print(json.dumps(run_once(url, users, args.seconds, processes, args.classes)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
