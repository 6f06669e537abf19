"""The catalogue is valid data and docs/checks.md is generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.catalogue import catalogue, parse
from conformance.docs import render_markdown
from conformance.errors import CatalogueError

pytestmark = pytest.mark.suite


def test_catalogue_loads_and_ids_are_unique() -> None:
    ids = [entry.id for entry in catalogue()]
    assert len(ids) == len(set(ids)) > 0


def test_docs_checks_md_is_in_step_with_the_catalogue(repo_root: Path) -> None:
    path = repo_root / "docs" / "checks.md"
    assert path.read_text(encoding="utf-8") == render_markdown(catalogue()), (
        "docs/checks.md is stale: run `cloudnx-conformance checks --markdown`"
    )


@pytest.mark.parametrize(
    ("entry", "needle"),
    [
        ({"id": "lower-case"}, "missing fields"),
        (
            {
                "id": "bad id",
                "title": "t",
                "level": "MUST",
                "source": "s",
                "capability": "schema",
                "services": ["auth"],
                "profiles": ["ci"],
            },
            "UPPER-KEBAB",
        ),
        (
            {
                "id": "A-B",
                "title": "t",
                "level": "MAY",
                "source": "s",
                "capability": "schema",
                "services": ["auth"],
                "profiles": ["ci"],
            },
            "level",
        ),
        (
            {
                "id": "A-B",
                "title": "t",
                "level": "MUST",
                "source": "s",
                "capability": "nope",
                "services": ["auth"],
                "profiles": ["ci"],
            },
            "capability",
        ),
        (
            {
                "id": "A-B",
                "title": "t",
                "level": "MUST",
                "source": "s",
                "capability": "schema",
                "services": ["dns"],
                "profiles": ["ci"],
            },
            "services",
        ),
    ],
)
def test_malformed_entries_are_refused(entry: dict[str, object], needle: str) -> None:
    with pytest.raises(CatalogueError, match=needle):
        parse([entry])


def test_unknown_check_id_is_refused_at_decoration() -> None:
    from conformance.checks import check

    with pytest.raises(CatalogueError, match="unknown check id"):
        check("NOT-A-CHECK")
