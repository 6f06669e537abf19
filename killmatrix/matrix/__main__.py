"""``python -m killmatrix.matrix``: the kill matrix — every variant against the suite, plain schemathesis, load.

For each variant (and ``none``, the clean reference server, which must come out clean) and each tool, a fresh
target is started on a loopback port, the tool runs against it in a subprocess with a timeout, and the target is
stopped. Verdicts follow the mutation-testing rule (``matrix.verdicts``). Writes ``<out>/kill-matrix.md`` and
``<out>/kill-matrix.json``; each run's own reports and logs stay under ``<out>/kill-matrix/<variant>/<tool>/``.
Exit: 0 every variant killed by its expected check and the suite clean on ``none``; 1 otherwise; 2 tool errors.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from conformance.catalogue import PROFILES
from killmatrix.matrix.jobs import Job, Settings, plan, run_all
from killmatrix.matrix.report import findings, write_reports
from killmatrix.matrix.tools import LoadSettings, StSettings, ToolRun
from killmatrix.matrix.verdicts import Cell, classify
from killmatrix.variants import VARIANTS

__all__ = ["main"]


def _names(text: str, known: list[str] | tuple[str, ...], what: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m killmatrix.matrix", description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", default="ci,core", type=lambda t: _names(t, PROFILES, "profile"))
    parser.add_argument(
        "--variants", type=lambda t: _names(t, sorted(VARIANTS), "variant"), help="default: all; none is always run"
    )
    parser.add_argument("--jobs", type=int, default=2, help="targets tested at once (default 2, for 2 cores)")
    parser.add_argument("--out", type=Path, default=Path("reports"), help="where the reports go (default reports/)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the suite and of schemathesis (default 1)")
    parser.add_argument("--suite-timeout", type=float, default=1800.0, help="seconds per suite run")
    parser.add_argument("--st-max-time", type=int, default=StSettings.max_time_s, help="schemathesis budget (s)")
    parser.add_argument("--no-schemathesis", action="store_true", help="skip plain schemathesis")
    parser.add_argument("--no-load", action="store_true", help="skip the Locust scenario")
    parser.add_argument("--load-seconds", type=int, default=LoadSettings.duration_s, help="Locust run length")
    parser.add_argument("--resume", action="store_true", help="reuse finished runs recorded in <out>/kill-matrix/")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.jobs < 1:
        raise SystemExit("--jobs must be at least 1")
    variants = ["none", *[v for v in (args.variants or sorted(VARIANTS)) if v != "none"]]
    # Absolute: some tools run with their own run directory as cwd, where a relative path would nest.
    out = args.out.resolve()
    settings = Settings(
        work=out / "kill-matrix",
        profiles=tuple(args.profiles),
        seed=args.seed,
        suite_timeout=args.suite_timeout,
        st=None if args.no_schemathesis else StSettings(max_time_s=args.st_max_time, seed=args.seed),
        load=None if args.no_load else LoadSettings(duration_s=args.load_seconds),
    )
    if not args.resume and settings.work.exists():
        shutil.rmtree(settings.work)
    jobs = plan(variants, settings)
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    started = time.monotonic()
    runs, reused = run_all(jobs, settings, args.jobs, resume=args.resume)
    wall = time.monotonic() - started
    tools = list(dict.fromkeys(job.tool for job in jobs))
    cells = _cells(runs, jobs)
    meta = {
        "command": "python -m killmatrix.matrix " + shlex.join(argv if argv is not None else sys.argv[1:]),
        "started_at": started_at,
        "wall_time_s": round(wall, 1),
        # With --resume the wall time covers this session only; the tools' own time covers every run.
        "runs_reused": reused,
        "tool_time_s": round(sum(run.seconds for run in runs.values()), 1),
        "jobs": args.jobs,
        "seed": args.seed,
        "profiles": list(args.profiles),
        "git_revision": settings.git_revision(),
        "tool_notes": settings.tool_notes(),
    }
    json_path, md_path = write_reports(out, cells, tools, meta)
    print(f"kill matrix: {len(variants) - 1} variants + none, {len(jobs)} runs, {wall:.0f} s", file=sys.stderr)
    print(f"  {md_path}\n  {json_path}", file=sys.stderr)
    return _exit_code(cells)


def _cells(runs: dict[Job, ToolRun], jobs: list[Job]) -> list[Cell]:
    clean = {job.tool: runs[job] for job in jobs if job.variant == "none"}
    return [classify(runs[job], clean.get(job.tool)) for job in jobs]


def _exit_code(cells: list[Cell]) -> int:
    suite = [c for c in cells if c.tool.startswith("suite-")]
    if any(c.state == "error" for c in suite):
        return 2
    return 1 if findings(cells) else 0


if __name__ == "__main__":
    sys.exit(main())
