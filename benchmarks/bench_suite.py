"""Benchmark the conformance suite against the bundled reference server (not a timed test).

For each profile: wall time of `cloudnx-conformance run --profile P` (bundled server, real HTTP), and the
property-based part's cases/s next to plain `schemathesis run spec/openapi.yaml` over the same 111 operations
with the same example count and phases, in the same run. Printed side by side.

    python benchmarks/bench_suite.py                 # ci and core
    python benchmarks/bench_suite.py --profiles ci core full --seed 7
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from conformance.properties import PROFILES
from conformance.server import BundledServer

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = {"ci": 45.0, "core": 120.0}


def run_profile(profile: str, seed: int, out: Path) -> dict[str, float | int | str]:
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our own interpreter and CLI
        [
            sys.executable,
            "-m",
            "conformance.cli",
            "run",
            "--profile",
            profile,
            "--seed",
            str(seed),
            "--report-dir",
            str(out),
            # The kit's junit.xml has one testcase per check and operation; pytest's own (per item) times the
            # property part.
            "--",
            f"--junitxml={out / 'pytest-junit.xml'}",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    wall = time.perf_counter() - started
    report = json.loads((out / "report.json").read_text())
    junit = ET.parse(out / "pytest-junit.xml").getroot()  # noqa: S314 - our own JUnit file, just written
    prop_time = sum(
        float(c.get("time", 0)) for c in junit.iter("testcase") if c.get("classname", "").endswith("test_properties")
    )
    cases = int(report["properties"].get("cases", 0))
    return {
        "wall_s": wall,
        "exit": result.returncode,
        "verdict": report["verdict"],
        "cases": cases,
        "prop_s": prop_time,
        "cases_per_s": cases / prop_time if prop_time else 0.0,
    }


def run_plain(profile: str, seed: int, out: Path) -> dict[str, float | int]:
    settings = PROFILES[profile]
    with BundledServer(out / "plain-server.log") as url:
        started = time.perf_counter()
        result = subprocess.run(  # noqa: S603 - the schemathesis CLI from this interpreter's environment
            [
                str(Path(sys.executable).with_name("schemathesis")),
                "run",
                str(ROOT / "spec" / "openapi.yaml"),
                "--url",
                url,
                "-n",
                str(settings.max_examples),
                "--phases",
                ",".join(settings.phases),
                "--seed",
                str(seed),
            ],
            capture_output=True,
            text=True,
            cwd=out,
            check=False,
        )
        wall = time.perf_counter() - started
    generated = re.search(r"(\d+) generated", result.stdout)
    cases = int(generated.group(1)) if generated else 0
    return {
        "wall_s": wall,
        "cases": cases,
        "cases_per_s": cases / wall if wall else 0.0,
        "rate_limited": int("Rate limited" in result.stdout),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", nargs="+", default=["ci", "core"], choices=sorted(PROFILES))
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="cnx-bench-") as tmp:
        for profile in args.profiles:
            suite = run_profile(profile, args.seed, Path(tmp) / profile)
            plain = run_plain(profile, args.seed, Path(tmp))
            rows.append((profile, suite, plain))
    print(
        f"{'profile':<8} {'suite wall':>11} {'budget':>7} {'verdict':>15} {'prop cases':>11} {'prop c/s':>9}"
        f" | {'plain cases':>11} {'plain wall':>11} {'plain c/s':>10}"
    )
    for profile, suite, plain in rows:
        budget = BUDGET_S.get(profile)
        print(
            f"{profile:<8} {suite['wall_s']:>10.1f}s {budget or '-':>7} {suite['verdict']:>15} "
            f"{suite['cases']:>11} {suite['cases_per_s']:>9.1f} | {plain['cases']:>11} {plain['wall_s']:>10.1f}s "
            f"{plain['cases_per_s']:>10.1f}" + ("  (plain: mostly 401/429)" if plain["rate_limited"] else "")
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
