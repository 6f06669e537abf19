"""Benchmark of the cloudnx CLI's wall time per invocation (a script, not a timed test).

Each command is run N times as a user runs it (the installed console script, a fresh process each time) and
the median and best wall times are printed: help at each level (no network: the cost is the interpreter, the
imports and parsing the contract), then signed calls against the reference server on loopback (SigV4, and a
cached exchanged token). A bare ``python -c pass`` is the floor nothing can go below.

Usage: python benchmarks/bench_cli.py [--runs 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.cli.harness import BIN, access_key, cli_env, reference


def wall(argv: list[str], env: dict[str, str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, timeout=120, check=False)  # noqa: S603
        times.append(time.perf_counter() - started)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return statistics.median(times), min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    cloudnx = str(BIN / "cloudnx")
    with tempfile.TemporaryDirectory() as home, reference() as url:
        env = cli_env(Path(home))
        key = access_key(url)
        configure = [cloudnx, "configure", "--endpoint", url, "--access-key-id", key.access_key_id]
        configure += ["--secret-access-key", key.secret_access_key]
        create = [cloudnx, "compute", "vpcs-create", "--name", "b", "--cidr-block", "10.9.0.0/16"]
        for argv in (configure, create):
            subprocess.run(argv, env=env, check=True, timeout=60, capture_output=True)  # noqa: S603
        cases = {
            "python -c pass (floor)": [sys.executable, "-c", "pass"],
            "cloudnx --help": [cloudnx, "--help"],
            "cloudnx compute --help": [cloudnx, "compute", "--help"],
            "cloudnx compute vpcs-create --help": [cloudnx, "compute", "vpcs-create", "--help"],
            "cloudnx compute vpcs-list (SigV4)": [cloudnx, "compute", "vpcs-list"],
            "cloudnx --auth exchange compute vpcs-list (cached JWT)": [
                cloudnx,
                "--auth",
                "exchange",
                "compute",
                "vpcs-list",
            ],
        }
        print(f"cloudnx wall time, {args.runs} runs each (median / best), reference server at {url}")
        for label, argv in cases.items():
            median, best = wall(argv, env, args.runs)
            print(f"  {label:58} {median * 1000:6.0f} ms / {best * 1000:6.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
