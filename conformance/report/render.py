"""The human and CI views of a JSON report: summary.md (≤ 64 KB, fits a PR comment), report.html, junit.xml,
allure-results/. All read report.json through conformance.report.results, so they count the same results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.report.allure import write_allure
from conformance.report.html import render_html
from conformance.report.junit import write_junit
from conformance.report.results import CheckFailures, clean_message, curl_of, failure_groups
from conformance.report.terminal import counts_line, rerun_command

__all__ = ["MARKDOWN_LIMIT", "VERDICTS", "per_service", "render_html", "render_markdown", "write_human"]

VERDICTS = ("passed", "failed", "waived", "inconclusive", "error", "not-run")
#: GitHub refuses a comment over 65,536 characters; GitLab notes are larger, the smaller bound serves both.
MARKDOWN_LIMIT = 64 * 1024
_SERVICES = ("auth", "compute", "storage")
_DISTINCT = 5
_TRUNCATED = "\n\n_… cut to stay under 64 KB: every failure, exchange and curl line is in report.html._\n"


def write_human(report: dict[str, Any], out: Path) -> dict[str, Path]:
    paths = {"markdown": out / "summary.md", "html": out / "report.html"}
    paths["markdown"].write_text(render_markdown(report), encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    paths["junit"] = write_junit(report, out / "junit.xml")
    paths["allure"] = write_allure(report, out / "allure-results")
    return paths


def per_service(report: dict[str, Any]) -> dict[str, dict[str, int]]:
    table = {service: dict.fromkeys(VERDICTS, 0) for service in _SERVICES}
    for item in report["checks"]:
        if not item["in_profile"]:
            continue
        for service in item["services"]:
            table.setdefault(service, dict.fromkeys(VERDICTS, 0))[item["verdict"]] += 1
    return table


def _failure_markdown(group: CheckFailures) -> list[str]:
    check = group.check
    operations = ", ".join(f"`{o}`" for o in group.operations) or "—"
    lines = [
        f"### `{check['id']}` — {group.label}",
        "",
        f"{check['level']} · {check['title']} · {len(group.results)} failed results; operations: {operations}",
    ]
    if group.unbound:
        lines.append(f"; tests: {', '.join(f'`{t}`' for t in group.unbound)}")
    if check["verdict"] == "waived":
        lines += ["", f"Waived: {check['waiver']}"]
    for distinct in group.distinct[:_DISTINCT]:
        where = distinct.first.operation or distinct.first.test["nodeid"]
        spread = f" on {len(distinct.operations)} operations" if len(distinct.operations) > 1 else ""
        lines += ["", f"- {distinct.count} times{spread}, first on `{where}`:", "", "  ```"]
        lines += [f"  {line}" for line in clean_message(distinct.message)[:600].splitlines()] + ["  ```"]
        curl = curl_of(distinct.first.test)
        if curl:
            lines += ["", "  ```sh", f"  {curl[:2000]}", "  ```"]
    if len(group.distinct) > _DISTINCT:
        lines += ["", f"… {len(group.distinct) - _DISTINCT} more distinct failures in report.html"]
    return [*lines, ""]


def render_markdown(report: dict[str, Any]) -> str:
    r = report
    groups = failure_groups(r)
    head = [
        f"# CloudNx conformance: {r['verdict']}",
        "",
        f"- target `{r['target']}` · profile `{r['profile']}` · seed `{r['seed']}` · {r['duration_s']} s",
        f"- kit {r['kit']['version']} (git {r['kit']['git_revision'][:12]}), spec `{r['spec']['digest'][:16]}…`",
        f"- {counts_line(r)}",
        f"- baseline: `{r['baseline']}`" if r.get("baseline") else "- baseline: none (every failure counts)",
        "",
        "| service | " + " | ".join(VERDICTS) + " |",
        "|---" * (len(VERDICTS) + 1) + "|",
    ]
    head += [f"| {s} | " + " | ".join(str(c[v]) for v in VERDICTS) + " |" for s, c in per_service(r).items()]
    head.append("")
    rerun = rerun_command(r, None, groups)
    if rerun:
        head += ["Rerun just the failing checks with the same seed:", "", "```sh", rerun, "```", ""]
    unusual = [c for c in r["checks"] if c["in_profile"] and c["verdict"] not in ("passed", "failed", "error")]
    tail = ["## Other verdicts", ""] if unusual else []
    for check in unusual:
        note = check["waiver"] or next((t["message"] for t in check["tests"] if t["status"] != "passed"), "")
        first = clean_message(note).splitlines()[:1]
        tail.append(f"- `{check['id']}` **{check['verdict']}**: {first[0][:200] if first else ''}")
    passing = [c["id"] for c in r["checks"] if c["in_profile"] and c["verdict"] == "passed"]
    tail += ["", f"<details><summary>{len(passing)} passing checks</summary>", "", ", ".join(passing), "</details>"]
    outside = [c["id"] for c in r["checks"] if not c["in_profile"]]
    if outside:
        tail += ["", f"Outside profile `{r['profile']}` (not run): {', '.join(outside)}"]
    if r.get("kit_errors"):
        tail += ["", "## Kit errors", "", *[f"- {k.splitlines()[0][:300]}" for k in r["kit_errors"][:20] if k]]
    if r["cleanup_failures"]:
        tail += ["", "## Cleanup failures", ""]
        tail += [f"- {f['operation_id']} {f['path_params']}: {f['status']}" for f in r["cleanup_failures"][:50]]
    body = ["## Failures", ""] if groups else []
    for group in groups:
        body += _failure_markdown(group)
    return _fit("\n".join(head), "\n".join(body), "\n".join(tail))


def _fit(head: str, body: str, tail: str) -> str:
    """Head and tail always; the failure details cut at a line boundary when the whole would pass the limit."""
    text = f"{head}\n{body}\n{tail}\n"
    if len(text.encode()) <= MARKDOWN_LIMIT:
        return text
    budget = MARKDOWN_LIMIT - len(f"{head}\n\n{tail}\n".encode()) - len(_TRUNCATED.encode()) - 16
    kept = body.encode()[: max(budget, 0)].decode("utf-8", "ignore").rsplit("\n", 1)[0]
    if kept.count("```") % 2:
        kept += "\n```"
    return f"{head}\n{kept}{_TRUNCATED}\n{tail}\n"
