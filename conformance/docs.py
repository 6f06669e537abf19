"""docs/checks.md and the terminal table, generated from the catalogue (a kit test keeps the file in step)."""

from __future__ import annotations

from rich.table import Table

from cloudnx_spec import Levels
from conformance.catalogue import CAPABILITIES, LEVELS, PROFILES, RUNNERS, Catalogue, CheckEntry

__all__ = ["render_json", "render_markdown", "render_table"]


def render_markdown(catalogue: Catalogue) -> str:
    lines = [
        "# Conformance checks",
        "",
        "<!-- Generated from conformance/catalogue.yaml by `cloudnx-conformance checks --markdown`; do not edit. -->",
        "",
        f"{len(catalogue)} checks of the suite (and {len(catalogue.of_runner('load'))} of the load scenario, "
        "at the end). A check's verdict is the worst outcome of its tests (failed > error > "
        "inconclusive > passed); `waived` when the target's config waives it (the real outcome is shown beside the "
        "waiver); `not-run` when the profile excludes it. Profiles: "
        + ", ".join(f"`{p}` {len(catalogue.for_profile(p))}" for p in PROFILES)
        + ". In `core` and `strict` an inconclusive check fails the run (no skips allowed).",
        "",
        "Levels: "
        + ", ".join(f"{level} {sum(1 for e in catalogue if e.level == level)}" for level in LEVELS)
        + ". **SEED**: the seed says it (MUST). **CONTRACT**: the spec fixes something the seed leaves open that "
        "clients depend on — paths, field names, ids, codes, auth flows (MUST for certification). "
        "**RECOMMENDED**: hardening and good practice clients do not depend on (SHOULD): reported in every "
        "profile, failing only `strict`. A level that is a decision carries its reason; the spec's own decisions "
        f"are in `{Levels.KEY}` (`docs/traceability.md` maps each seed sentence to them).",
        "",
    ]
    for capability, description in CAPABILITIES.items():
        entries = [e for e in catalogue if e.capability == capability]
        if not entries:
            continue
        lines += [f"## {capability}", "", description[0].upper() + description[1:] + ".", ""]
        lines += ["| id | level | rule | source | why this level | services | profiles |", "|---" * 7 + "|"]
        for e in entries:
            lines.append(
                f"| `{e.id}` | {e.level} | {_cell(e.title)} | {_cell(e.source)} "
                f"| {_cell(e.reason) or 'the seed says it'} | {', '.join(e.services)} | {', '.join(e.profiles)} |"
            )
        lines.append("")
    load = catalogue.of_runner("load")
    if load:
        lines += [
            "## load",
            "",
            f"{len(load)} checks judged by {RUNNERS['load']} with its own verdict, in no suite profile: it holds "
            "a target to the rate limit under real load from several users.",
            "",
        ]
        lines += ["| id | level | rule | source | why this level | services |", "|---" * 6 + "|"]
        for e in load:
            lines.append(
                f"| `{e.id}` | {e.level} | {_cell(e.title)} | {_cell(e.source)} "
                f"| {_cell(e.reason) or 'the seed says it'} | {', '.join(e.services)} |"
            )
        lines.append("")
    return "\n".join(lines)


def _profiles(entry: CheckEntry) -> str:
    return ",".join(entry.profiles) or f"({entry.runner})"


def render_table(catalogue: Catalogue) -> Table:
    table = Table(title=f"CloudNx conformance checks ({len(catalogue.all_entries)})", show_lines=False)
    # Ids, levels and names never wrap (people grep and copy them); only the rule's prose folds.
    for column in ("id", "level", "capability", "services", "profiles"):
        table.add_column(column, no_wrap=True)
    table.add_column("rule", overflow="fold", min_width=30)
    for e in catalogue.all_entries:
        table.add_row(e.id, e.level, e.capability, ",".join(e.services), _profiles(e), e.title)
    return table


def render_json(catalogue: Catalogue) -> list[dict[str, object]]:
    """The catalogue as data (``checks --format json``): one object per check, the load scenario's included."""
    return [
        {
            "id": e.id,
            **e.described(),
            "runner": e.runner,
            "schemathesis": e.schemathesis or None,
        }
        for e in catalogue.all_entries
    ]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
