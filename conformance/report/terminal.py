"""The end-of-run summary on the terminal: what broke, where, how to reproduce it, how to rerun just that.

Failures are grouped by check (each with its label: regression, already failing in the baseline, waived), the
operations each broke on, and one curl line per distinct failure. Lines are never cut to the console's width; only a
curl line of kilobytes (a hostile body) is shortened, with a note: report.html keeps it whole.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from conformance.report.results import (
    CheckFailures,
    all_operations,
    clean_message,
    failure_groups,
    reproduce,
    results,
)

__all__ = ["counts_line", "end_of_run", "rerun_command"]

_MESSAGE = 300  # characters of a failure message on the terminal
# A curl line is shown whole up to this length; past it (a hostile body of kilobytes) it is cut with a note, and
# report.json / report.html keep it whole: a CI log is read by people, and one 8 KB line buries the rest.
_CURL_SHOWN = 1200
DISTINCT_SHOWN = 3  # per check on the terminal; summary.md and report.html have every one
_NARROW = 8  # operations a rerun command names at most
_MASK_NOTE = "*** and [Filtered] in a curl line mark a redacted secret (cookie, token, password): put your own there."


def counts_line(report: dict[str, Any]) -> str:
    """Checks by verdict, then results (one check on one operation or test): the unit every view counts."""
    checks = ", ".join(f"{k} {v}" for k, v in sorted(report["counts"].items()))
    every = results(report)
    failed = sum(1 for r in every if r.status in ("failed", "error"))
    operations = report.get("operations", {})
    exercised = len(operations.get("exercised", []))
    return (
        f"checks: {checks} · results: {len(every)} ({failed} failed) · "
        f"operations exercised: {exercised}/{report['spec']['operations']}"
    )


def rerun_command(report: dict[str, Any], prefix: Sequence[str] | None, groups: list[CheckFailures]) -> str | None:
    ids = [g.check["id"] for g in groups if g.label != "waived" and not g.label.startswith("recommended")]
    if not ids:
        return None
    command = list(prefix or ["cloudnx-conformance", "run", "--target", report["target"]])
    command += ["--profile", report["profile"], "--seed", str(report["seed"]), "--include", ",".join(ids)]
    # When every failure is a property result on a few operations, the rerun narrows to those operations too
    # (an operation filter leaves hand-written checks out, so only then).
    failing = [r for g in groups if g.check["id"] in ids for r in g.results]
    operations = sorted({r.operation for r in failing if r.operation})
    if all(r.operation and "test_properties" in r.test["nodeid"] for r in failing) and len(operations) <= _NARROW:
        command += ["--include", ",".join(f"operation:{o}" for o in operations)]
    if report.get("baseline"):
        command += ["--baseline", report["baseline"]]
    return " ".join(_quote(a) for a in command)


def _quote(arg: str) -> str:
    return arg if arg.startswith('"$') else shlex.quote(arg)


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _operations_text(operations: list[str], total: int) -> str:
    """Every operation by name; past half of the spec's, the few it did NOT break on read better."""
    if not operations:
        return ""
    if total and len(operations) > max(20, total // 2):
        missing = sorted(set(all_operations()) - set(operations))
        return f" on {len(operations)} of {total} operations (all but: {', '.join(missing) or 'none'})"
    return f" on {_n(len(operations), 'operation')}: {', '.join(operations)}"


def _group_lines(group: CheckFailures, total: int) -> list[str]:
    check = group.check
    lines = [
        f"{'WAIVED' if group.label == 'waived' else 'FAILED'} {check['id']} [{group.label}] {check['level']} · "
        f"{check['title']}",
        f"  {_n(len(group.results), 'failed result')}" + _operations_text(group.operations, total),
    ]
    if group.unbound:
        lines.append(f"  failing tests not tied to one operation: {', '.join(group.unbound)}")
    if check["verdict"] == "waived":
        lines.append(f"  waived: {check['waiver']}")
    for distinct in group.distinct[:DISTINCT_SHOWN]:
        message = " / ".join(clean_message(distinct.message).splitlines()[:3])[:_MESSAGE] or "(no message)"
        first = distinct.first
        where = first.operation or first.test["nodeid"].split("::", 1)[-1]
        spread = f" on {len(distinct.operations)} operations" if len(distinct.operations) > 1 else ""
        lines.append(f"  - {_n(distinct.count, 'time')}{spread}: {message}")
        curl, called = reproduce(first.test, where)
        if curl and len(curl) > _CURL_SHOWN:
            cut = len(curl) - _CURL_SHOWN
            curl = f"{curl[:_CURL_SHOWN]} … [{cut} more characters: the whole line in report.html]"
        lines.append(f"    reproduce ({called}): {curl}" if curl else f"    first seen in {first.test['nodeid']}")
    hidden = len(group.distinct) - DISTINCT_SHOWN
    if hidden > 0:
        lines.append(f"  … {hidden} more distinct failures of {check['id']} in summary.md and report.html")
    return lines


def end_of_run(
    report: dict[str, Any], paths: dict[str, Path], rerun_prefix: Sequence[str] | None = None
) -> list[str]:
    r = report
    lines = [
        f"cloudnx-conformance: {r['verdict'].upper()} — profile {r['profile']}, seed {r['seed']}, "
        f"target {r['target']}",
        "  " + counts_line(r),
    ]
    unrun = r.get("not_run_checks") or []
    if unrun:  # why the run is PARTIAL: the checks of the profile that reached no verdict
        in_profile = sum(1 for item in r["checks"] if item["in_profile"])
        lines.append(
            f"  not run: {len(unrun)} of the {in_profile} checks of profile {r['profile']} reached no verdict "
            f"({', '.join(unrun[:8])}{', …' if len(unrun) > 8 else ''}); the run cannot be CONFORMANT"
        )
    if r.get("stopped"):
        lines.append(f"  {r['stopped']['reason']}; the checks after that are not-run")
    groups = failure_groups(r)
    for group in groups:
        lines += ["", *_group_lines(group, int(r["spec"]["operations"]))]
    others = [
        c for c in r["checks"] if c["in_profile"] and c["verdict"] not in ("passed", "not-run", "failed", "error")
    ]
    others = [c for c in others if c["id"] not in {g.check["id"] for g in groups}]
    if others:
        lines.append("")
    for check in others:
        reason = check["waiver"] or next(
            (clean_message(t["message"]).splitlines()[0] for t in check["tests"] if t["status"] != "passed"
             and clean_message(t["message"])), "",
        )  # fmt: skip
        lines.append(f"{check['verdict'].upper()} {check['id']}: {reason}")
    stopped = (r.get("stopped") or {}).get("reason")
    for error in r.get("kit_errors") or []:
        if error != stopped:  # said once, above
            lines.append(f"KIT ERROR {error.splitlines()[0] if error else ''}")
    left = [f for f in r.get("cleanup_failures") or [] if stopped and f["status"] is None]
    if left:
        lines.append(
            f"CLEANUP SKIPPED {len(left)} resources the run made are left on the target (it stopped answering); "
            "report.json lists them under cleanup_failures"
        )
    for failure in r.get("cleanup_failures") or []:
        if failure not in left:
            lines.append(
                f"CLEANUP FAILED {failure['operation_id']} {failure['path_params']} -> "
                f"{failure['status'] or failure['detail'][:200]} ({failure['owner']})"
            )
    if groups:
        lines += ["", _MASK_NOTE]
        rerun = rerun_command(r, rerun_prefix, groups)
        if rerun:
            lines += ["Rerun just the failing checks with the same seed:", f"  {rerun}"]
    if paths:
        folder = Path(next(iter(paths.values()))).parent
        lines += ["", f"Reports in {folder}/: " + ", ".join(Path(p).name for p in paths.values())]
    return lines
