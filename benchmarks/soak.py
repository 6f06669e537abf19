"""Soak the suite for false failures: `cloudnx-conformance run` over many seeds against the bundled server.

The bundled reference server is the known-good target, so every failed check here is a false failure of the kit
(or a server defect): the table names the seed to reproduce it with. Each run records its wall time and the CPU
time of the run and its server (children's rusage), and the 1-minute load average at its end, so a timing flake on
a starved machine can be told from a real one. Prints figures; asserts nothing.

    python benchmarks/soak.py                                  # ci over seeds 1..20, core over seeds 1..5
    python benchmarks/soak.py --ci-seeds 40 --core-seeds 0 --first-seed 100
    python benchmarks/soak.py --json reports/soak.json     # reports of each run under reports/soak/<time>/
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: One run never takes longer than this (a hung run is a finding too, not a reason to wait forever); on a 2-core
#: box shared with other work a core run can take 15 minutes of wall time for 70 s of CPU.
RUN_TIMEOUT_S = 2400


@dataclass
class SeedRun:
    profile: str
    seed: int
    exit_code: int
    verdict: str
    wall_s: float
    cpu_s: float
    load: float
    failing: list[str] = field(default_factory=list)  # "CHECK-ID (nodeid or operation)"
    inconclusive: list[str] = field(default_factory=list)
    cleanup_failures: int = 0
    kit_errors: list[str] = field(default_factory=list)


def _wait(process: subprocess.Popen[bytes]) -> tuple[int, float]:
    """Exit code (-1 after RUN_TIMEOUT_S) and CPU seconds of the run and its server (wait4: this child only)."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage.ru_utime + usage.ru_stime
        if time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)  # the run and the server it started
            _, _, usage = os.wait4(process.pid, 0)
            process.returncode = -1
            return -1, usage.ru_utime + usage.ru_stime
        time.sleep(0.5)


def run_seed(profile: str, seed: int, out: Path) -> SeedRun:
    command = [
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
    ]
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with (out / "output.txt").open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
            command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
        code, cpu = _wait(process)
    wall = time.perf_counter() - started
    run = SeedRun(profile, seed, code, "timeout" if code == -1 else "no report", wall, cpu, os.getloadavg()[0])
    report_path = out / "report.json"
    if code == -1 or not report_path.exists():
        return run
    report = json.loads(report_path.read_text())
    run.verdict = report["verdict"]
    for check in report["checks"]:
        for test in check["tests"]:
            where = test.get("operation") or test["nodeid"].rpartition("::")[2]
            if test["status"] in ("failed", "error"):
                run.failing.append(f"{check['id']} ({where})")
            elif test["status"] == "inconclusive":
                run.inconclusive.append(f"{check['id']} ({where})")
    run.cleanup_failures = len(report.get("cleanup_failures", []))
    run.kit_errors = [str(e)[:200] for e in report.get("kit_errors", [])]
    return run


def _line(run: SeedRun) -> str:
    failing = ", ".join(run.failing) or "-"
    notes = []
    if run.inconclusive:
        notes.append(f"inconclusive: {', '.join(run.inconclusive)}")
    if run.cleanup_failures:
        notes.append(f"cleanup failures: {run.cleanup_failures}")
    if run.kit_errors:
        notes.append(f"kit errors: {'; '.join(run.kit_errors)}")
    return (
        f"{run.profile:5} seed {run.seed:<6} exit {run.exit_code:<3} {run.verdict:15} wall {run.wall_s:6.1f} s  "
        f"cpu {run.cpu_s:6.1f} s  load {run.load:4.1f}  failing: {failing}"
        + (f"  ({'; '.join(notes)})" if notes else "")
    )


def summary(runs: list[SeedRun]) -> list[str]:
    lines = []
    for profile in dict.fromkeys(r.profile for r in runs):
        mine = [r for r in runs if r.profile == profile]
        false = [r for r in mine if r.failing or r.verdict not in ("conformant",)]
        walls, cpus = sorted(r.wall_s for r in mine), sorted(r.cpu_s for r in mine)
        lines.append(
            f"{profile}: {len(mine)} seeds, {len(mine) - len(false)} conformant, {len(false)} not "
            f"({', '.join(str(r.seed) for r in false) or 'none'}); wall median {walls[len(walls) // 2]:.1f} s "
            f"max {walls[-1]:.1f} s; cpu median {cpus[len(cpus) // 2]:.1f} s max {cpus[-1]:.1f} s; "
            f"inconclusive results {sum(len(r.inconclusive) for r in mine)}; "
            f"cleanup failures {sum(r.cleanup_failures for r in mine)}"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ci-seeds", type=int, default=20, help="how many seeds for the ci profile (default 20)")
    parser.add_argument("--core-seeds", type=int, default=5, help="how many seeds for the core profile (default 5)")
    parser.add_argument("--first-seed", type=int, default=1, help="seeds are first-seed, first-seed + 1, ...")
    parser.add_argument("--jobs", type=int, default=1, help="runs at once, each with its own server (default 1)")
    parser.add_argument("--out", default=str(ROOT / "reports" / "soak"), help="report directory per run under it")
    parser.add_argument("--json", help="also write every run as JSON to this file")
    args = parser.parse_args()
    # The longer core runs first: with --jobs > 1 the ci runs fill in beside them.
    plan = [("core", args.first_seed + i) for i in range(max(0, args.core_seeds))]
    plan += [("ci", args.first_seed + i) for i in range(max(0, args.ci_seeds))]
    out = Path(args.out) / time.strftime("%Y%m%d-%H%M%S", time.gmtime())
    print(f"soak: {len(plan)} runs, reports under {out}", flush=True)

    def one(job: tuple[str, int]) -> SeedRun:
        run = run_seed(job[0], job[1], out / f"{job[0]}-{job[1]}")
        print(_line(run), flush=True)
        return run

    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = list(pool.map(one, plan))
    for line in summary(runs):
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in runs], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
