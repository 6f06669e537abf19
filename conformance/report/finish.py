"""End of a run: verdicts -> JSON report -> Markdown and HTML summaries, and the exit code."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from conformance.catalogue import catalogue
from conformance.errors import ReportError
from conformance.report.integrity import load_private, seal
from conformance.report.model import build, exit_code_for

__all__ = ["Summary", "finish", "load_baseline"]


@dataclass
class Summary:
    report: dict[str, Any]
    paths: dict[str, Path]

    @property
    def exit_code(self) -> int:
        return exit_code_for(self.report["verdict"])

    def terminal_lines(self) -> list[str]:
        from conformance.report.terminal import end_of_run

        return end_of_run(self.report, self.paths)


def load_baseline(path: Path | None) -> dict[str, str] | None:
    """The per-check verdicts of a baseline report, after it proved itself (verify): never an edited one."""
    if path is None:
        return None
    from conformance.report.verify import verify

    result = verify(path)
    if result.refused:
        raise ReportError(f"baseline {path} refused: {result.message}", hint="pass a report.json written by `run`")
    data = json.loads(path.read_text(encoding="utf-8"))
    return {item["id"]: item["verdict"] for item in data["checks"]}


def _stopped(run: Any) -> dict[str, str] | None:
    at = getattr(run, "stopped_at", None)
    if at is None:
        return None
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))
    return {"at": stamp, "reason": f"the target stopped answering at {stamp} ({run.stop_cause})"}


def finish(session: Any, pytest_session: Any = None) -> Summary:
    settings = session.settings
    waivers = {w.check: w.reason for w in settings.config.waivers}
    verdicts = session.results.verdicts(catalogue(), settings.profile, waivers)
    baseline = load_baseline(settings.baseline)
    report = build(
        target=settings.target,
        profile=settings.profile,
        seed=settings.seed,
        run_id=session.run.run_id,
        catalogue=catalogue(),
        verdicts=verdicts,
        operations=session.run.operations,
        cleanup_failures=[asdict(f) for f in session.cleanup_failures],
        kit_errors=session.kit_errors + ([stopped["reason"]] if (stopped := _stopped(session.run)) else []),
        started=session.started,
        baseline=baseline,
        baseline_path=str(settings.baseline) if settings.baseline else None,
        properties=getattr(session, "properties", None),
        not_run=getattr(session, "not_run", None),
        stopped=stopped,
    )
    seal(report, load_private(settings.sign_key) if getattr(settings, "sign_key", None) else None)
    out = Path(settings.report_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / "report.json"}
    paths["json"].write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    try:
        from conformance.report.render import write_human  # step 5: Markdown + HTML
    except ImportError:
        return Summary(report, paths)
    paths.update(write_human(report, out))
    return Summary(report, paths)
