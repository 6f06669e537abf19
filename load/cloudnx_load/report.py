"""The results summary of a load run: ``summary.json``, ``summary.md`` and ``rates.png`` in the report folder."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from cloudnx_load.records import UserRecord
from cloudnx_load.verdict import Thresholds, Verdict

__all__ = ["per_second", "write_report"]

SCHEMA_VERSION = 1


def per_second(record: UserRecord, origin: float, throttled_status: int) -> tuple[list[int], list[int]]:
    """Requests offered and accepted per whole second since ``origin`` (by send time), for the plot."""
    if not record.events:
        return [], []
    size = math.floor(max(e.sent for e in record.events) - origin) + 1
    offered, accepted = [0] * size, [0] * size
    for event in record.events:
        slot = max(0, math.floor(event.sent - origin))
        offered[slot] += 1
        accepted[slot] += event.status not in (0, throttled_status)
    return offered, accepted


def _plot(records: list[UserRecord], t: Thresholds, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # no display on CI machines and Locust masters
    import matplotlib.pyplot as plt

    kinds = sorted({r.kind for r in records})
    origin = min((e.sent for r in records for e in r.events), default=0.0)
    fig, axes = plt.subplots(len(kinds), 1, figsize=(10, 2.6 * len(kinds) + 0.6), sharex=True, squeeze=False)
    for ax, kind in zip(axes[:, 0], kinds, strict=True):
        for index, record in enumerate(r for r in records if r.kind == kind):
            offered, accepted = per_second(record, origin, t.throttled_status)
            color = f"C{index % 10}"
            ax.plot(range(len(offered)), offered, color=color, linestyle=":", linewidth=0.9)
            ax.plot(range(len(accepted)), accepted, color=color, linewidth=1.2)
        ax.axhline(t.limit, color="black", linewidth=0.8, linestyle="--")
        ax.set_ylabel(f"{kind}\nreq/s")
        ax.grid(alpha=0.3)
    axes[0, 0].set_title(f"Accepted (solid) vs offered (dotted) per user; limit {t.limit} req/s (dashed)")
    axes[-1, 0].set_xlabel("seconds since the first request")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _markdown(verdict: Verdict, run: dict[str, Any]) -> str:
    lines = [
        f"# Load run: {verdict.outcome.upper()} (exit code {verdict.exit_code})",
        "",
        f"Target `{run.get('host')}`, {run.get('users')} users, limit {run.get('limit')} req/s per identity "
        f"across {', '.join(run.get('services', []))}; Locust {run.get('locust_version')}, "
        f"spec sha256 `{str(run.get('spec_digest', ''))[:12]}`.",
        "",
    ]
    if verdict.reasons:
        lines += ["Inconclusive because:", "", *[f"- {reason}" for reason in verdict.reasons], ""]
    lines += ["| check | verdict | detail |", "| --- | --- | --- |"]
    for check in verdict.checks:
        lines.append(f"| `{check.id}` {check.title} | **{check.verdict}** | {check.detail} |")
        lines += [f"|  |  | {item} |" for item in check.evidence[:5]]
    lines += [
        "",
        "| user | kind | requests | accepted | 429 | errors | offered req/s | accepted req/s | max in window |"
        " unjustified 429 | probes ok/judged |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for u in verdict.users:
        lines.append(
            f"| {u.user} | {u.kind} | {u.requests} | {u.accepted} | {u.throttled} | {u.errors} | {u.offered_rate} |"
            f" {u.accepted_rate} | {u.max_window} | {u.unjustified_429} |"
            f" {u.probes_judged - u.probes_failed}/{u.probes_judged} |"
        )
    lines += [
        "",
        "Offered/accepted rates: hammer users over their steady span (after the warm-up), others over "
        "their whole life. ![rates](rates.png)",
        "",
    ]
    return "\n".join(lines)


def write_report(
    directory: str | Path, verdict: Verdict, records: list[UserRecord], t: Thresholds, run: dict[str, Any]
) -> list[Path]:
    """Write the three files; returns their paths. The plot is skipped (and said so) when nothing was recorded."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    document = {"schema_version": SCHEMA_VERSION, "run": run, "thresholds": t.__dict__, **verdict.as_dict()}
    paths = [folder / "summary.json", folder / "summary.md"]
    paths[0].write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    paths[1].write_text(_markdown(verdict, run), encoding="utf-8")
    if any(r.events for r in records):
        paths.append(folder / "rates.png")
        _plot([r for r in records if r.events], t, paths[-1])
    return paths
