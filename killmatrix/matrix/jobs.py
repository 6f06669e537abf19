"""Plan and run the kill matrix's jobs: one (variant, tool) each, on its own target, a bounded number at once.

A fresh target per job keeps runs independent: no account, idempotency key or rate-limit budget of one tool's
run can change another's verdict. Finished runs are appended to ``runs.jsonl`` as they end, so a long matrix can
be resumed (``--resume``) and its progress read while it runs.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from killmatrix.matrix.procs import REPO, TargetError, variant_target
from killmatrix.matrix.tools import LoadSettings, StSettings, ToolRun, run_load, run_schemathesis, run_suite
from killmatrix.variants import VARIANTS

__all__ = ["Job", "Settings", "plan", "run_all"]

# Longest first, so the last minutes of a run are not one long job with idle slots beside it.
_ORDER = {"suite-full": 0, "suite-core": 1, "suite-ci": 2, "schemathesis": 3, "load": 4}


@dataclass(frozen=True)
class Job:
    variant: str
    tool: str

    def directory(self, work: Path) -> Path:
        return work / self.variant / self.tool


@dataclass(frozen=True)
class Settings:
    work: Path
    profiles: tuple[str, ...]
    seed: int
    suite_timeout: float
    st: StSettings | None
    load: LoadSettings | None

    def git_revision(self) -> str:
        git = shutil.which("git")
        if git is None:
            return "unknown"
        done = subprocess.run(  # noqa: S603 - fixed arguments
            [git, "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, timeout=30, check=False
        )
        return done.stdout.strip() or "unknown"

    def tool_notes(self) -> dict[str, str]:
        notes = {
            f"suite-{p}": f"`cloudnx-conformance run --target URL --profile {p} --seed {self.seed}` "
            f"(timeout {self.suite_timeout:.0f} s); fired = check ids with verdict `failed`"
            for p in self.profiles
        }
        if self.st:
            notes["schemathesis"] = (
                f"`schemathesis run spec/openapi.yaml --url URL -H 'Authorization: Bearer <token>' "
                f"--max-time {self.st.max_time_s} --rate-limit {self.st.rate_limit} --seed {self.st.seed}` "
                "(4.32.5, default checks and phases); the token is an IAM user's (allow-all policy) bearer from "
                "iam_exchange_credentials on a freshly signed-up account; fired = failure kind @ operation"
            )
        if self.load:
            notes["load"] = (
                f"`locust --config load/locust.conf --headless -u {self.load.users} -r {self.load.users} "
                f"-t {self.load.duration_s}s {' '.join(self.load.classes)}` on the rate-limit and limiter variants; "
                "fired = LOAD-* checks with a violation"
            )
        return notes


def plan(variants: list[str], settings: Settings) -> list[Job]:
    jobs = [Job(v, f"suite-{p}") for v in variants for p in settings.profiles]
    if settings.st:
        jobs += [Job(v, "schemathesis") for v in variants]
    if settings.load:
        # The rate-limit faults, and every legal variant that changes the limiter (it must certify under load too).
        jobs += [
            Job(v, "load")
            for v in variants
            if v == "none" or VARIANTS[v].area == "ratelimit" or (VARIANTS[v].legal and VARIANTS[v].settings)
        ]
    return sorted(jobs, key=lambda job: (_ORDER.get(job.tool, 9), job.variant != "none", job.variant))


def _run_one(job: Job, settings: Settings) -> ToolRun:
    out = job.directory(settings.work)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    try:
        with variant_target(job.variant, out / "target.log") as base:
            if job.tool.startswith("suite-"):
                profile = job.tool.removeprefix("suite-")
                return run_suite(job.variant, base, profile, out, settings.seed, settings.suite_timeout)
            if job.tool == "schemathesis" and settings.st:
                return run_schemathesis(job.variant, base, out, settings.st)
            if job.tool == "load" and settings.load:
                return run_load(job.variant, base, out, settings.load)
    except TargetError as exc:
        return ToolRun(job.tool, job.variant, "error", detail=str(exc))
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as exc:
        # One broken run (unreadable report, a tool that would not start) must not cost the other hours of
        # the matrix: it is recorded as an error cell with the reason, and retried by --resume.
        return ToolRun(job.tool, job.variant, "error", detail=f"{type(exc).__name__}: {exc}")
    raise ValueError(f"no runner for {job}")


def _load_finished(path: Path) -> dict[Job, ToolRun]:
    done: dict[Job, ToolRun] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            run = ToolRun(**json.loads(line))
            if run.outcome != "error":  # an error is retried on resume
                done[Job(run.variant, run.tool)] = run
    return done


def run_all(jobs: list[Job], settings: Settings, parallel: int, *, resume: bool) -> tuple[dict[Job, ToolRun], int]:
    """Every job's run, and how many of them were reused from an earlier (resumed) session."""
    settings.work.mkdir(parents=True, exist_ok=True)
    journal = settings.work / "runs.jsonl"
    runs = {job: run for job, run in _load_finished(journal).items() if job in jobs} if resume else {}
    reused = len(runs)
    todo = [job for job in jobs if job not in runs]
    lock = threading.Lock()
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = {pool.submit(_run_one, job, settings): job for job in todo}
        for count, future in enumerate(as_completed(futures), start=1):
            job = futures[future]
            run = future.result()
            runs[job] = run
            with lock, journal.open("a", encoding="utf-8") as out:
                out.write(json.dumps(dataclasses.asdict(run)) + "\n")
            _progress(count, len(todo), run, time.monotonic() - started)
    return runs, reused


def _progress(count: int, total: int, run: ToolRun, elapsed: float) -> None:
    fired = ", ".join(run.fired[:3]) + (" …" if len(run.fired) > 3 else "")
    print(
        f"[{count}/{total} {elapsed:6.0f} s] {run.variant:28} {run.tool:13} {run.outcome:12} "
        f"{run.seconds:5.0f} s  {fired}",
        file=sys.stderr,
        flush=True,
    )
