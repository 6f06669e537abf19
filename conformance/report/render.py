"""Human summaries of a JSON report: Markdown and one self-contained HTML page (inline CSS, no scripts)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

__all__ = ["VERDICTS", "render_html", "render_markdown", "write_human"]

VERDICTS = ("passed", "failed", "waived", "inconclusive", "error", "not-run")
_COLOURS = {
    "passed": "#1a7f37",
    "failed": "#cf222e",
    "waived": "#8250df",
    "inconclusive": "#9a6700",
    "error": "#bc4c00",
    "not-run": "#6e7781",
}
_SERVICES = ("auth", "compute", "storage")


def write_human(report: dict[str, Any], out: Path) -> dict[str, Path]:
    paths = {"markdown": out / "summary.md", "html": out / "report.html"}
    paths["markdown"].write_text(render_markdown(report), encoding="utf-8")
    paths["html"].write_text(render_html(report), encoding="utf-8")
    return paths


def per_service(report: dict[str, Any]) -> dict[str, dict[str, int]]:
    table = {service: dict.fromkeys(VERDICTS, 0) for service in _SERVICES}
    for item in report["checks"]:
        if not item["in_profile"]:
            continue
        for service in item["services"]:
            table.setdefault(service, dict.fromkeys(VERDICTS, 0))[item["verdict"]] += 1
    return table


def render_markdown(report: dict[str, Any]) -> str:
    r = report
    lines = [
        f"# CloudNx conformance: {r['verdict']}",
        "",
        f"- target: `{r['target']}`",
        f"- profile: `{r['profile']}`, seed `{r['seed']}`",
        f"- kit {r['kit']['version']} (git {r['kit']['git_revision'][:12]}), spec digest "
        f"`{r['spec']['digest'][:16]}…`",
        f"- operations exercised: {len(r['operations']['exercised'])} of {r['spec']['operations']}",
        f"- duration: {r['duration_s']} s",
        "",
    ]
    lines += ["## Per service", "", "| service | " + " | ".join(VERDICTS) + " |", "|---" * (len(VERDICTS) + 1) + "|"]
    for service, counts in per_service(r).items():
        lines.append(f"| {service} | " + " | ".join(str(counts[v]) for v in VERDICTS) + " |")
    lines += ["", "## Per check", "", "| check | level | verdict | note |", "|---|---|---|---|"]
    for item in r["checks"]:
        verdict = item["verdict"] if item["in_profile"] else "not-run"
        lines.append(f"| `{item['id']}` | {item['level']} | **{verdict}** | {_note(item).replace('|', '/')} |")
    failures = [(item, t) for item in r["checks"] for t in item["tests"] if t["status"] in ("failed", "error")]
    if failures:
        lines += ["", "## Failures", ""]
        for item, test in failures:
            lines += [f"### {item['id']} — `{test['nodeid']}`", "", "```", test["message"][-1500:], "```"]
            for exchange in test["exchanges"][-2:]:
                lines += [
                    "",
                    "```sh",
                    exchange["curl"],
                    "```",
                    f"→ {exchange['status']} {exchange['response_body'][:500]}",
                ]
            lines.append("")
    if r["cleanup_failures"]:
        lines += ["", "## Cleanup failures", ""]
        lines += [
            f"- {f['operation_id']} {f['path_params']}: {f['status']} {f['detail'][:200]}"
            for f in r["cleanup_failures"]
        ]
    return "\n".join(lines) + "\n"


def render_html(report: dict[str, Any]) -> str:
    r = report
    e = html.escape
    rows = []
    for service, counts in per_service(r).items():
        cells = "".join(f'<td class="n" data-verdict="{v}">{counts[v]}</td>' for v in VERDICTS)
        rows.append(f'<tr data-service="{e(service)}"><th>{e(service)}</th>{cells}</tr>')
    checks = []
    for item in r["checks"]:
        verdict = item["verdict"] if item["in_profile"] else "not-run"
        detail = "".join(_test_html(t) for t in item["tests"] if t["status"] != "passed")
        checks.append(
            f'<tr class="check" id="{e(item["id"])}" data-check="{e(item["id"])}" data-verdict="{verdict}">'
            f"<td><code>{e(item['id'])}</code></td><td>{e(item['level'])}</td>"
            f"<td>{e(', '.join(item['services']))}</td>"
            f'<td><span class="badge" style="background:{_COLOURS[verdict]}">{verdict}</span></td>'
            f"<td>{e(item['title'])}<div class='src'>{e(item['source'])}</div>"
            f"<div class='note'>{e(_note(item))}</div>{detail}</td></tr>"
        )
    head = "".join(f"<th>{v}</th>" for v in VERDICTS)
    colour = {"conformant": "#1a7f37", "non-conformant": "#cf222e"}.get(r["verdict"], "#bc4c00")
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>CloudNx conformance — {e(r["verdict"])}</title>
<style>
body{{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#1f2328}} table{{border-collapse:collapse;margin:1em 0}}
td,th{{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}} td.n{{text-align:right}}
.badge{{color:#fff;border-radius:1em;padding:1px 10px;font-weight:600}} .src,.note{{color:#57606a;font-size:12px}}
pre{{background:#f6f8fa;padding:8px;overflow:auto;max-width:100ch;white-space:pre-wrap}}
#verdict{{color:#fff;background:{colour};display:inline-block;padding:4px 14px;border-radius:4px}}
</style></head><body>
<h1>CloudNx conformance: <span id="verdict" data-run-verdict="{e(r["verdict"])}">{e(r["verdict"])}</span></h1>
<p>Target <code>{e(r["target"])}</code> · profile <code>{e(r["profile"])}</code> · seed <code>{r["seed"]}</code> ·
kit {e(r["kit"]["version"])} (git <code>{e(r["kit"]["git_revision"][:12])}</code>) · spec
<code>{e(r["spec"]["digest"][:16])}…</code> · {len(r["operations"]["exercised"])}/{r["spec"]["operations"]}
operations exercised · {r["duration_s"]} s</p>
<h2>Per service</h2>
<table id="services"><tr><th>service</th>{head}</tr>{"".join(rows)}</table>
<h2>Per check</h2>
<table id="checks"><tr><th>check</th><th>level</th><th>services</th><th>verdict</th><th>rule</th></tr>
{"".join(checks)}</table>
</body></html>
"""


def _note(item: dict[str, Any]) -> str:
    if item["verdict"] == "waived":
        return f"waived: {item['waiver']} (real outcome: {item['outcome']})"
    if not item["in_profile"]:
        return "not in this profile"
    if not item["tests"]:
        return "no test ran"
    bad = [t for t in item["tests"] if t["status"] != "passed"]
    return bad[0]["message"].splitlines()[0][:200] if bad and bad[0]["message"] else f"{len(item['tests'])} test(s)"


def _test_html(test: dict[str, Any]) -> str:
    e = html.escape
    parts = [
        f"<details><summary>{e(test['status'])}: <code>{e(test['nodeid'])}</code></summary>",
        f"<pre>{e(test['message'][-3000:])}</pre>",
    ]
    for exchange in test["exchanges"]:
        parts.append(f"<pre>{e(exchange['curl'])}\n→ {exchange['status']} {e(exchange['response_body'][:800])}</pre>")
    return "".join(parts) + "</details>"
