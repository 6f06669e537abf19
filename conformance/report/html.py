"""report.html: one self-contained page (inline CSS, no scripts), failures first, grouped by operation.

Sections: the run (verdict, target, seed, baseline), failures by operation with the failing exchange (request and
response headers and bodies), failures not tied to one operation, the operations table, the checks (failed, waived
and inconclusive open; passing ones collapsed), waivers and baseline. Stable ids and data-* attributes let a
browser test find each section.
"""

from __future__ import annotations

import html
from collections import defaultdict
from typing import Any

from conformance.report.results import (
    CheckFailures,
    Result,
    _paths,
    clean_message,
    curl_of,
    failing_exchange,
    failure_groups,
    label_of,
    results,
)
from conformance.report.terminal import counts_line

__all__ = ["render_html"]

e = html.escape
_COLOURS = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "waived": "#8250df",
    "inconclusive": "#9a6700",
    "error": "#bc4c00",
    "not-run": "#6e7781",
    "regression": "#cf222e",
    "already failing in the baseline": "#9a6700",
    "new (no baseline)": "#cf222e",
}
_OPEN_OPERATIONS = 5  # failing operations shown open; the others fold to their summary line
_NAMED_OPERATIONS = 6  # operations named in a broken rule's row
_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328;max-width:1400px}
table{border-collapse:collapse;margin:.5em 0 1.5em}
td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top} td.n{text-align:right}
.badge{color:#fff;border-radius:1em;padding:1px 10px;font-weight:600;font-size:12px;white-space:nowrap}
.muted{color:#57606a;font-size:12px}
pre{background:#f6f8fa;padding:8px;overflow:auto;white-space:pre-wrap;word-break:break-all;margin:.3em 0}
.operation{border:1px solid #d0d7de;border-left:4px solid #cf222e;border-radius:6px;padding:.5em 1em;margin:1em 0}
.failure{border-top:1px dashed #d0d7de;padding:.4em 0}
.exchange{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1fr);gap:1em}
table.headers{table-layout:fixed;width:100%} table.headers th{width:30%} table.headers td{word-break:break-all}
.exchange h5{margin:.3em 0} .bad{background:#ffebe9}
#verdict{color:#fff;display:inline-block;padding:4px 14px;border-radius:4px}
summary{cursor:pointer}
details.operation>summary{list-style-position:outside;margin-left:1em}
details.operation>summary h3{display:inline;font-size:15px}
details.operation:not([open]){padding:.3em 1em}
#broken td:first-child,#checks td:first-child,#operations td:first-child{white-space:nowrap}
"""


def _badge(text: str, colour_key: str | None = None) -> str:
    colour = _COLOURS.get(colour_key or text, "#6e7781")
    return f'<span class="badge" style="background:{colour}">{e(text)}</span>'


def _headers(headers: list[list[str]] | list[tuple[str, str]], highlight: str | None = None) -> str:
    rows = []
    for name, value in headers:
        mark = ' class="bad"' if highlight and name.lower() == highlight else ""
        rows.append(f"<tr{mark}><th>{e(name)}</th><td><code>{e(value)}</code></td></tr>")
    return f"<table class='headers'>{''.join(rows)}</table>" if rows else "<p class='muted'>(none)</p>"


def _exchange(exchange: dict[str, Any], message: str) -> str:
    # The header a failure is about (e.g. Content-Type) is highlighted in the response.
    highlight = next((h for h in ("content-type", "retry-after", "allow") if h in message.lower()), None)
    status = exchange.get("status")
    return (
        '<div class="exchange" data-exchange>'
        f"<div><h5>Request</h5><pre>{e(exchange['method'])} {e(exchange['url'])}</pre>"
        f"{_headers(exchange.get('request_headers') or [])}"
        f"<pre data-request-body>{e(exchange.get('request_body') or '(no body)')}</pre></div>"
        f"<div><h5>Response {e(str(status if status is not None else exchange.get('error') or 'none'))}</h5>"
        f"{_headers(exchange.get('response_headers') or [], highlight)}"
        f"<pre data-response-body>{e(exchange.get('response_body') or '(no body)')}</pre></div></div>"
    )


def _failure(report: dict[str, Any], result: Result) -> str:
    check, test = result.check, result.test
    message = clean_message(test.get("message") or "")
    label = label_of(report, check)
    exchange = failing_exchange(test)
    curl = curl_of(test)
    parts = [
        f'<div class="failure" data-check="{e(check["id"])}" data-label="{e(label)}">',
        f"<b><a href='#check-{e(check['id'])}'><code>{e(check['id'])}</code></a></b> {_badge(label)} "
        f"<span class='muted'>{e(check['level'])} · {e(check['title'])}</span>",
        f"<pre>{e(message or '(no message)')}</pre>",
    ]
    if exchange is not None:
        parts.append(_exchange(exchange, message))
    if curl:
        parts.append(
            f"<div class='muted'>Reproduce (*** marks a redacted secret):</div><pre data-curl>{e(curl)}</pre>"
        )
    return "".join(parts) + "</div>"


def _by_operation(report: dict[str, Any], groups: list[CheckFailures]) -> tuple[str, str]:
    """One failing exchange per distinct failure and operation (or test, when no operation is known)."""
    per_op: dict[str, list[Result]] = defaultdict(list)
    unbound: list[Result] = []
    for group in groups:
        for distinct in group.distinct:
            seen: set[str] = set()
            for result in distinct.results:
                key = result.operation or result.test["nodeid"]
                if key not in seen:
                    seen.add(key)
                    (per_op[result.operation] if result.operation else unbound).append(result)
    sections = []
    ordered = sorted(per_op.items(), key=lambda kv: (-len({r.check["id"] for r in kv[1]}), kv[0]))
    for index, (operation, items) in enumerate(ordered):
        method, path = _paths().get(operation, ("", ""))
        checks = sorted({r.check["id"] for r in items})
        # The operations that broke the most rules stay open; the rest fold to one line each, so a fault that
        # shows on every operation does not bury the page (every exchange is still in it).
        shown = " open" if index < _OPEN_OPERATIONS else ""
        sections.append(
            f'<details class="operation" data-operation="{e(operation)}"{shown}><summary><h3><code>'
            f"{e(operation)}</code> <span class='muted'>{e(method)} {e(path)} · failed {len(checks)} "
            f"checks: {e(', '.join(checks))}</span></h3></summary>"
            f"{''.join(_failure(report, r) for r in items)}</details>"
        )
    loose = "".join(
        f'<section class="operation" data-test="{e(r.test["nodeid"])}"><h3>{e(r.test["nodeid"])}</h3>'
        f"{_failure(report, r)}</section>"
        for r in unbound
    )
    return "".join(sections), loose


def _broken_rules(report: dict[str, Any], groups: list[CheckFailures]) -> str:
    """One row per broken rule: what a reader needs before the exchanges (label, level, how wide it broke)."""
    rows = []
    for group in groups:
        check, operations = group.check, group.operations
        named = ", ".join(operations[:_NAMED_OPERATIONS]) + (
            f" and {len(operations) - _NAMED_OPERATIONS} more" if len(operations) > _NAMED_OPERATIONS else ""
        )
        if group.unbound:
            named = "; ".join(x for x in (named, "tests: " + ", ".join(group.unbound)) if x)
        rows.append(
            f'<tr data-broken="{e(check["id"])}"><td><a href="#check-{e(check["id"])}"><code>{e(check["id"])}'
            f"</code></a></td><td>{_badge(group.label, group.label if group.label in _COLOURS else None)}</td>"
            f'<td>{e(check["level"])}</td><td class="n">{len(group.results)}</td><td class="n">{len(operations)}'
            f"</td><td>{e(check['title'])}<div class='muted'>{e(named)}</div></td></tr>"
        )
    return (
        '<table id="broken"><tr><th>broken rule</th><th>label</th><th>level</th><th>failed results</th>'
        f"<th>operations</th><th>rule and where it broke</th></tr>{''.join(rows)}</table>"
    )


def _operations_table(report: dict[str, Any]) -> str:
    table: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"run": set(), "failed": set()})
    for result in results(report):
        if result.operation:
            table[result.operation]["run"].add(result.check["id"])
            if result.status in ("failed", "error"):
                table[result.operation]["failed"].add(result.check["id"])
    exercised = set(report.get("operations", {}).get("exercised", []))
    rows = []
    # Failed operations first, then the rest in path order.
    order = sorted(_paths().items(), key=lambda kv: (not table[kv[0]]["failed"], kv[1][1], kv[1][0]))
    for operation, (method, path) in order:
        run, failed = table[operation]["run"], table[operation]["failed"]
        state = "failed" if failed else ("passed" if run else ("exercised" if operation in exercised else "not-run"))
        rows.append(
            f'<tr data-operation="{e(operation)}" data-state="{state}"><td><code>{e(operation)}</code></td>'
            f"<td>{e(method)} <code>{e(path)}</code></td><td>{e(path.strip('/').split('/')[0])}</td>"
            f'<td class="n">{len(run)}</td><td class="n">{len(run - failed)}</td><td class="n">{len(failed)}</td>'
            f"<td>{_badge(state, state if state in _COLOURS else 'not-run')}</td></tr>"
        )
    return (
        '<table id="operations"><tr><th>operation</th><th>call</th><th>service</th><th>checks run</th>'
        f"<th>passed</th><th>failed</th><th>state</th></tr>{''.join(rows)}</table>"
    )


def _check_row(report: dict[str, Any], item: dict[str, Any]) -> str:
    verdict = item["verdict"] if item["in_profile"] else "not-run"
    note = ""
    if verdict == "waived":
        note = f"waived: {item['waiver']} (real outcome: {item['outcome']})"
    elif verdict in ("failed", "error"):
        note = label_of(report, item)
    elif verdict == "inconclusive":
        bad = [t for t in item["tests"] if t["status"] == "inconclusive"]
        note = clean_message(bad[0]["message"]).splitlines()[0] if bad and bad[0]["message"] else ""
    failed = sum(1 for t in item["tests"] if t["status"] in ("failed", "error"))
    return (
        f'<tr class="check" id="check-{e(item["id"])}" data-check="{e(item["id"])}" data-verdict="{verdict}">'
        f"<td><code>{e(item['id'])}</code></td><td>{e(item['level'])}</td><td>{e(item['capability'])}</td>"
        f"<td>{e(', '.join(item['services']))}</td><td>{_badge(verdict)}</td>"
        f'<td class="n">{len(item["tests"])}</td><td class="n">{failed}</td>'
        f"<td>{e(item['title'])}<div class='muted'>{e(item['source'])}</div>"
        f"<div class='muted'>{e(note)}</div></td></tr>"
    )


def _checks(report: dict[str, Any]) -> str:
    head = (
        "<tr><th>check</th><th>level</th><th>capability</th><th>services</th><th>verdict</th><th>results</th>"
        "<th>failed</th><th>rule</th></tr>"
    )
    open_rows = [c for c in report["checks"] if c["in_profile"] and c["verdict"] != "passed"]
    passing = [c for c in report["checks"] if c["in_profile"] and c["verdict"] == "passed"]
    outside = [c for c in report["checks"] if not c["in_profile"]]
    return (
        f'<table id="checks">{head}{"".join(_check_row(report, c) for c in open_rows)}</table>'
        f'<details id="passing"><summary>{len(passing)} passing checks</summary>'
        f"<table>{head}{''.join(_check_row(report, c) for c in passing)}</table></details>"
        f'<details id="outside"><summary>{len(outside)} checks outside profile {e(report["profile"])}</summary>'
        f"<table>{head}{''.join(_check_row(report, c) for c in outside)}</table></details>"
    )


def _status(report: dict[str, Any]) -> str:
    baseline = report.get("baseline")
    waived = [c for c in report["checks"] if c["verdict"] == "waived"]
    base = (
        f"compared with baseline <code>{e(baseline)}</code>: only regressions fail the run"
        if baseline
        else "no baseline: every failure counts"
    )
    items = "".join(
        f"<li data-waived='{e(c['id'])}'><code>{e(c['id'])}</code>: {e(c['waiver'] or '')} "
        f"(real outcome: {e(c['outcome'])})</li>"
        for c in waived
    )
    return (
        f'<p id="baseline">Baseline: {base}.</p><div id="waivers"><p>Waivers: {len(waived)}</p><ul>{items}</ul></div>'
    )


def render_html(report: dict[str, Any]) -> str:
    r = report
    groups = failure_groups(r)
    by_op, loose = _by_operation(r, groups)
    colour = {"conformant": "#1a7f37", "non-conformant": "#cf222e", "partial": "#9a6700"}.get(r["verdict"], "#bc4c00")
    failures = (
        f'<section id="failures"><h2>Broken rules</h2>{_broken_rules(r, groups)}'
        f"<h2>Failures by operation</h2>{by_op or '<p>none on a single operation</p>'}"
        + (f'<h2>Failures not tied to one operation</h2><div id="unbound">{loose}</div>' if loose else "")
        + "</section>"
        if groups
        else '<section id="failures"><h2>Failures</h2><p>None: every check that ran passed.</p></section>'
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>CloudNx conformance — {e(r["verdict"])}</title><style>{_CSS}</style></head><body>
<h1>CloudNx conformance: <span id="verdict" data-run-verdict="{e(r["verdict"])}" style="background:{colour}">
{e(r["verdict"])}</span></h1>
<p id="run">Target <code>{e(r["target"])}</code> · profile <code>{e(r["profile"])}</code>
· seed <code>{r["seed"]}</code> · run <code>{e(str(r.get("run_id", "")))}</code> · kit {e(r["kit"]["version"])}
(git <code>{e(r["kit"]["git_revision"][:12])}</code>) · spec <code>{e(r["spec"]["digest"][:16])}…</code>
· {r["duration_s"]} s</p>
<p id="counts">{e(counts_line(r))}</p>
{_status(r)}
{failures}
<section><h2>Operations</h2>{_operations_table(r)}</section>
<section><h2>Checks</h2>{_checks(r)}</section>
</body></html>
"""
