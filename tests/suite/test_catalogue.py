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
                "level": "SEED",
                "source": "seed: s",
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
                "source": "seed: s",
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
                "level": "SEED",
                "source": "seed: s",
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
                "level": "SEED",
                "source": "seed: s",
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


_GOOD = {
    "id": "A-B",
    "title": "t",
    "level": "SEED",
    "source": "seed: s",
    "capability": "schema",
    "services": ["auth"],
    "profiles": ["core"],
}


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"level": "CONTRACT"}, "one-line reason"),
        ({"level": "RECOMMENDED", "reason": "  "}, "one-line reason"),
        ({"level": "SEED", "source": "spec: x"}, "quote the seed"),
        ({"level": "CONTRACT", "reason": "two\nlines"}, "one line"),
    ],
)
def test_levels_need_their_source_or_reason(change: dict[str, object], needle: str) -> None:
    with pytest.raises(CatalogueError, match=needle):
        parse([{**_GOOD, **change}])


def test_every_check_has_a_level_and_decisions_have_reasons() -> None:
    for entry in catalogue():
        assert entry.level in ("SEED", "CONTRACT", "RECOMMENDED")
        assert entry.level == "SEED" or entry.reason, entry.id


def test_recommended_checks_fail_only_strict() -> None:
    recommended = parse([{**_GOOD, "level": "RECOMMENDED", "reason": "hardening"}]).get("A-B")
    seed = parse([_GOOD]).get("A-B")
    assert [p for p in ("ci", "core", "full", "strict") if recommended.required_in(p)] == ["strict"]
    assert [p for p in ("ci", "core", "full", "strict") if seed.required_in(p)] == ["core", "strict"]
    assert recommended.in_profile("core")
    assert recommended.in_profile("strict")


def test_a_failed_recommended_check_is_reported_but_fails_only_strict() -> None:
    from conformance.report.model import run_verdict

    checks = [
        {"id": "A-B", "level": "RECOMMENDED", "in_profile": True, "verdict": "failed"},
        {"id": "C-D", "level": "SEED", "in_profile": True, "verdict": "passed"},
    ]
    assert run_verdict(checks, "core") == "conformant"
    assert run_verdict(checks, "ci") == "conformant"
    assert run_verdict(checks, "strict") == "non-conformant"
    checks[1]["verdict"] = "failed"
    assert run_verdict(checks, "core") == "non-conformant"


def test_unknown_check_id_is_refused_at_decoration() -> None:
    from conformance.checks import check

    with pytest.raises(CatalogueError, match="unknown check id"):
        check("NOT-A-CHECK")


def test_every_schemathesis_backed_check_names_a_registered_check() -> None:
    import schemathesis.specs.openapi.checks  # noqa: F401 - registers schemathesis's OpenAPI checks
    from schemathesis.checks import CHECKS

    import conformance.properties  # noqa: F401 - registers the kit's own checks

    backed = catalogue().schemathesis_checks()
    assert backed, "the property-based part decides no catalogue check"
    assert set(backed) <= set(CHECKS.get_all_names()), sorted(set(backed) - set(CHECKS.get_all_names()))
    assert all(catalogue().get(check_id).runner == "suite" for check_id in backed.values())


def test_load_checks_are_catalogued_outside_every_suite_profile() -> None:
    load = catalogue().of_runner("load")
    assert load
    assert all(entry.id.startswith("LOAD-") for entry in load)
    assert not any(entry.in_profile(profile) for entry in load for profile in ("ci", "core", "full", "strict"))
    assert not {entry.id for entry in load} & {entry.id for entry in catalogue()}, "a run reports suite checks only"
    assert catalogue().get(load[0].id) is load[0]


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"runner": "locust"}, "runner must be one of"),
        ({"runner": "load"}, "runs in no suite profile"),
        ({"schemathesis": "Not A Name"}, "schemathesis must name"),
    ],
)
def test_runner_and_schemathesis_fields_are_validated(change: dict[str, object], needle: str) -> None:
    with pytest.raises(CatalogueError, match=needle):
        parse([{**_GOOD, **change}])


def test_one_schemathesis_check_decides_one_entry() -> None:
    twin = {**_GOOD, "id": "C-D", "schemathesis": "error_shape"}
    with pytest.raises(CatalogueError, match="already decides"):
        parse([{**_GOOD, "schemathesis": "error_shape"}, twin])
