"""Seed traceability: every sentence of the seed -> where the spec encodes it -> the checks -> the level.

The mapping is data (``spec/traceability.yaml``); this module splits the seed (``spec/seed.txt``) into sentences,
validates the mapping against the seed, the spec and the check catalogue, and renders ``docs/traceability.md``
(``python -m conformance.traceability`` rewrites it; a kit test keeps it in step). It reads repository files, so
it runs from a checkout, not from an installed wheel.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

import cloudnx_spec
from conformance.catalogue import LEVELS, catalogue

__all__ = ["Row", "problems", "render", "rows", "sentences"]

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "spec" / "seed.txt"
MAPPING = ROOT / "spec" / "traceability.yaml"
DOC = ROOT / "docs" / "traceability.md"
STATUSES = ("encoded", "informative")
# A sentence ends at . ! or ? after a word or a parenthesis; "1." of a numbered step stays with its step.
_SENTENCE_END = re.compile(r"(?<=[A-Za-z)][.!?])\s+(?=[A-Z(])")


@dataclass(frozen=True)
class Row:
    sentence: str
    spec: tuple[str, ...]
    checks: tuple[str, ...]
    level: str
    status: str
    note: str


def normalise(text: str) -> str:
    return " ".join(text.split())


def sentences(text: str | None = None) -> list[str]:
    """The seed's sentences in order: each non-empty line, split at sentence ends (headings are sentences)."""
    text = SEED.read_text(encoding="utf-8") if text is None else text
    found: list[str] = []
    for line in text.splitlines():
        if line.strip():
            found += [normalise(part) for part in _SENTENCE_END.split(line.strip()) if part.strip()]
    return found


def rows(data: Any = None) -> list[Row]:
    data = yaml.safe_load(MAPPING.read_text(encoding="utf-8")) if data is None else data
    return [
        Row(
            normalise(str(item["sentence"])),
            tuple(item.get("spec") or ()),
            tuple(item.get("checks") or ()),
            str(item.get("level", "")),
            str(item.get("status", "")),
            str(item.get("note", "")),
        )
        for item in data
    ]


def _resolves(reference: str) -> bool:
    try:
        if reference.startswith("op:"):
            cloudnx_spec.operation(reference.removeprefix("op:"))
        elif reference.startswith("decision:"):
            cloudnx_spec.levels().decision(reference.removeprefix("decision:"))
        elif reference.startswith("#/"):
            cloudnx_spec.resolve(reference)
        else:
            return False
    except (KeyError, cloudnx_spec.SpecError):
        return False
    return True


def problems(mapped: list[Row] | None = None, seed: list[str] | None = None) -> list[str]:
    """Everything wrong with the mapping; empty when every seed sentence is traced and no row contradicts."""
    mapped = rows() if mapped is None else mapped
    seed = sentences() if seed is None else seed
    found = []
    by_sentence = {row.sentence: row for row in mapped}
    found += [f"seed sentence not traced: {s!r}" for s in seed if s not in by_sentence]
    found += [f"row is not a seed sentence: {r.sentence!r}" for r in mapped if r.sentence not in set(seed)]
    known = catalogue()
    for row in mapped:
        where = f"{row.sentence[:60]!r}"
        if row.status not in STATUSES:
            found.append(f"{where}: status {row.status!r} (allowed: {', '.join(STATUSES)}; never contradicted)")
        if row.level not in LEVELS:
            found.append(f"{where}: level {row.level!r}")
        if not row.spec:
            found.append(f"{where}: names no place in the spec")
        found += [f"{where}: {ref!r} does not resolve in spec/openapi.yaml" for ref in row.spec if not _resolves(ref)]
        found += [f"{where}: unknown check {c}" for c in row.checks if c not in known]
        if row.status == "encoded" and not row.checks:
            found.append(f"{where}: encoded but verified by no check")
        if row.status == "informative" and not row.note:
            found.append(f"{where}: informative rows say why (note)")
    return found


def render(mapped: list[Row] | None = None) -> str:
    mapped = rows() if mapped is None else mapped
    known = catalogue()
    order = {s: i for i, s in enumerate(sentences())}
    encoded = sum(1 for r in mapped if r.status == "encoded")
    lines = [
        "# Seed traceability",
        "",
        "<!-- Generated from spec/traceability.yaml by `python -m conformance.traceability`; do not edit. -->",
        "",
        f"Every sentence of the seed (`spec/seed.txt`, {len(mapped)} sentences) -> where `spec/openapi.yaml` "
        f"encodes it -> the checks that verify it (with their own level) -> the sentence's level. {encoded} are "
        f"encoded and verified; {len(mapped) - encoded} are informative (headings, tooling). No row contradicts "
        f"the seed. Decisions (`decision:<id>`) are in the spec's `{cloudnx_spec.Levels.KEY}`, each with its level "
        "and reason; `op:<operationId>` names an operation; `#/...` is a JSON pointer into the spec.",
        "",
        "| # | seed sentence | spec | checks | level | status |",
        "|---|---|---|---|---|---|",
    ]
    for row in sorted(mapped, key=lambda r: order.get(r.sentence, len(order))):
        checks = ", ".join(f"`{c}` ({known.get(c).level})" for c in row.checks) or "-"
        status = row.status + (f": {row.note}" if row.note else "")
        spec = ", ".join(f"`{ref}`" for ref in row.spec)
        lines.append(
            f"| {order.get(row.sentence, 0) + 1} | {_cell(row.sentence)} | {spec} | {checks} | {row.level} "
            f"| {_cell(status)} |"
        )
    decisions = cloudnx_spec.levels().decisions
    lines += ["", f"## Decisions ({len(decisions)}, from `{cloudnx_spec.Levels.KEY}`)", ""]
    lines += ["| id | level | rule | reason | checks |", "|---|---|---|---|---|"]
    for d in decisions:
        checks = ", ".join(f"`{c}`" for c in d.checks)
        lines.append(f"| `{d.id}` | {d.level} | {_cell(d.rule)} | {_cell(d.reason)} | {checks} |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main() -> int:
    found = problems()
    if found:
        print("spec/traceability.yaml:\n  " + "\n  ".join(found), file=sys.stderr)
        return 1
    DOC.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
