"""Write ``kill-matrix.json`` and ``kill-matrix.md``: per variant x tool killed/survived, kill rates, wall time."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cloudnx_spec import Levels
from killmatrix.matrix.verdicts import Cell
from killmatrix.variants import VARIANTS

__all__ = ["findings", "summarise", "write_reports"]

SCHEMA_VERSION = "1.0"
_MARK = {
    "killed": "killed",
    "killed-other": "killed (other id)",
    "masked": "MASKED",
    "survived": "SURVIVED",
    "error": "ERROR",
    "clean": "clean",
    "false-positive": "FALSE POSITIVE",
    "accepted": "passed (legal)",
    "rejected": "REJECTED (legal)",
}


def summarise(cells: Sequence[Cell], tools: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per tool: variants judged, kills, kill rate; for the suite also the kills by the expected id; and the
    specificity: legal variants (correct implementations that differ from the reference) passed / judged."""
    summary: dict[str, dict[str, Any]] = {}
    for tool in tools:
        legal = [c for c in cells if c.tool == tool and VARIANTS[c.variant].legal and c.state != "error"]
        mine = [c for c in cells if c.tool == tool and c.variant != "none" and not VARIANTS[c.variant].legal]
        judged = [c for c in mine if c.state != "error"]
        kills = [c for c in judged if c.is_kill]
        clean = next((c for c in cells if c.tool == tool and c.variant == "none"), None)
        entry: dict[str, Any] = {
            "variants": len(mine),
            "judged": len(judged),
            "errors": len(mine) - len(judged),
            "killed": len(kills),
            "kill_rate": round(len(kills) / len(judged), 4) if judged else None,
            "clean_server": clean.state if clean else "not-run",
            # What the comparison uses (check ids, schemathesis failure kinds), not every operation.
            "clean_server_failures": clean.new if clean else [],
            "legal_judged": len(legal),
            "legal_passed": sum(1 for c in legal if c.state == "accepted"),
            "specificity": round(sum(1 for c in legal if c.state == "accepted") / len(legal), 4) if legal else None,
        }
        if tool.startswith("suite-"):
            eligible = [c for c in judged if c.expected]
            right = [c for c in eligible if c.state == "killed"]
            entry["expected_in_profile"] = len(eligible)
            # Variants whose every expected check this profile runs without requiring it (RECOMMENDED outside
            # strict) or does not run (core-only rate checks in ci): the profile is not meant to kill them.
            entry["not_required_here"] = sum(1 for c in judged if c.expected_not_run and not c.expected)
            entry["killed_by_expected_id"] = len(right)
            entry["expected_id_rate"] = round(len(right) / len(eligible), 4) if eligible else None
        summary[tool] = entry
    return summary


def findings(cells: Sequence[Cell]) -> list[Cell]:
    """Suite cells that need an owner: not killed by the expected id, or a failure on the clean server.

    A variant whose expected check is outside the profile (rate-limit checks are not in ``ci``) is left out:
    the profile is not meant to catch it.
    """
    out_of_profile = [c for c in cells if c.expected_not_run and not c.expected]
    return [
        c
        for c in cells
        if c.tool.startswith("suite-") and c.state not in ("killed", "clean", "accepted") and c not in out_of_profile
    ]


def write_reports(out: Path, cells: Sequence[Cell], tools: Sequence[str], meta: dict[str, Any]) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    summary = summarise(cells, tools)
    variants = sorted({c.variant for c in cells}, key=lambda v: (v != "none", VARIANTS[v].area, v))
    document = {
        "schema_version": SCHEMA_VERSION,
        **meta,
        "tools": list(tools),
        "summary": summary,
        "variants": [
            {
                "name": v,
                "area": VARIANTS[v].area,
                "description": VARIANTS[v].description,
                "catches": list(VARIANTS[v].catches),
            }
            for v in variants
        ],
        "cells": [dataclasses.asdict(c) for c in cells],
    }
    json_path = out / "kill-matrix.json"
    json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    md_path = out / "kill-matrix.md"
    md_path.write_text(_markdown(cells, tools, variants, summary, meta), encoding="utf-8")
    return json_path, md_path


def _rate(entry: dict[str, Any], key: str = "kill_rate") -> str:
    value = entry.get(key)
    return "n/a" if value is None else f"{100 * value:.1f} %"


def _cell_text(cell: Cell | None) -> str:
    if cell is None:
        return "·"
    shown = cell.new
    ids = ", ".join(shown[:4]) + (f" +{len(shown) - 4}" if len(shown) > 4 else "")
    return f"{_MARK[cell.state]}" + (f": {ids}" if ids else "")


def _markdown(
    cells: Sequence[Cell], tools: Sequence[str], variants: list[str], summary: dict[str, Any], meta: dict[str, Any]
) -> str:
    by = {(c.variant, c.tool): c for c in cells}
    lines = [
        "# Kill matrix",
        "",
        f"Command: `{meta['command']}`  ",
        f"Started {meta['started_at']}, wall time **{meta['wall_time_s']:.0f} s** "
        f"({meta['wall_time_s'] / 60:.1f} min), {meta['jobs']} parallel jobs, seed {meta['seed']}, "
        f"git {meta['git_revision'][:12]}. Tool time over all runs {meta.get('tool_time_s', 0):.0f} s"
        + (
            f"; {meta['runs_reused']} runs reused from an earlier session (--resume)."
            if meta.get("runs_reused")
            else "."
        ),
        "",
        "A variant is **killed** by a tool when the tool reports a failure on it that it did not report on the clean",
        "reference server (`none`) in the same run. For the suite, `killed` means the variant's expected check id",
        "fired (and is new); `killed (other id)` means only other checks caught it. `MASKED`: only the expected id",
        "fired, but it fails on the clean server too, so it proves nothing.",
        "",
        f"A **legal** variant changes only what the contract allows ({Levels.KEY}): the suite must pass it, with",
        "no failure the clean server does not also get (`REJECTED (legal)` names the new ones).",
        "**Specificity** is legal variants passed / judged — the other side of the kill rate.",
        "",
        "`not required here`: variants whose expected checks this profile does not require (RECOMMENDED outside",
        "strict, `core`-only checks in `ci`); they count in the kill rate, not in the expected-id rate.",
        "",
        "| tool | variants judged | killed | kill rate | by expected id | not required here "
        "| specificity (legal passed) | clean |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for tool in tools:
        s = summary[tool]
        by_id = (
            f"{s['killed_by_expected_id']}/{s['expected_in_profile']} ({_rate(s, 'expected_id_rate')})"
            if "expected_in_profile" in s
            else "-"
        )
        clean = s["clean_server"] + (
            f" ({', '.join(s['clean_server_failures'][:3])})" if s["clean_server_failures"] else ""
        )
        errors = f" ({s['errors']} errors)" if s["errors"] else ""
        specific = (
            f"{s['legal_passed']}/{s['legal_judged']} ({_rate(s, 'specificity')})" if s["legal_judged"] else "-"
        )
        spared = str(s["not_required_here"]) if "not_required_here" in s else "-"
        lines.append(
            f"| {tool} | {s['judged']}{errors} | {s['killed']} | {_rate(s)} | {by_id} | {spared} | {specific} "
            f"| {clean} |"
        )
    lines += ["", "## Tools", ""] + [f"- `{tool}`: {meta['tool_notes'].get(tool, '')}" for tool in tools]
    lines += [
        "",
        "## Matrix",
        "",
        "| variant | area | expected | " + " | ".join(tools) + " |",
        "| --- | --- | --- | " + " | ".join("---" for _ in tools) + " |",
    ]
    for v in variants:
        row = [v, VARIANTS[v].area, ", ".join(VARIANTS[v].catches) or "-"]
        row += [_cell_text(by.get((v, t))) for t in tools]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "## Findings for the owners", ""]
    found = findings(cells)
    if not found:
        lines.append("None: every variant was killed by its expected check in every profile that runs it.")
    for c in found:
        said = ", ".join(f"{k} {v}" for k, v in c.expected_verdicts.items()) or (
            f"expected {', '.join(c.expected_not_run)} is not in this profile"
        )
        lines.append(
            f"- **{c.variant}** x `{c.tool}`: {_MARK[c.state]}; expected {', '.join(c.expected) or '-'}"
            f" -> report: {said}; new failures: {', '.join(c.new) or 'none'}."
        )
        for message in c.detail.splitlines()[:4]:
            lines.append(f"  - {message}")
    return "\n".join(lines) + "\n"
