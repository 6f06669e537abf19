"""Report round trip: verify checks the digest and signature, recomputes the verdict, refuses what does not add up."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.catalogue import catalogue
from conformance.report.integrity import generate_keypair, load_private, load_public, seal
from conformance.report.model import build
from conformance.report.render import render_html, render_markdown
from conformance.report.verify import verify, verify_data
from conformance.verdicts import Outcome, Results

pytestmark = pytest.mark.suite


def make_report(profile: str = "ci", failing: str | None = None) -> dict[str, Any]:
    results = Results()
    for entry in catalogue().for_profile(profile):
        status = "failed" if entry.id == failing else "passed"
        outcome = Outcome(f"test_{entry.id}", status, "boom" if failing == entry.id else "")
        outcome.check, outcome.level = entry.id, entry.level
        results.add(entry.id, outcome)
    verdicts = results.verdicts(catalogue(), profile, {})
    report = build(
        target="http://127.0.0.1:1",
        profile=profile,
        seed=3,
        run_id="abc",
        catalogue=catalogue(),
        verdicts=verdicts,
        operations=["auth_jwks"],
        cleanup_failures=[],
        kit_errors=[],
        started=0.0,
        baseline=None,
        baseline_path=None,
        properties=None,
    )
    return seal(report)


def test_round_trip_conformant(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(make_report()))
    result = verify(path)
    assert result.ok, result.message
    assert not result.refused


@pytest.mark.parametrize(
    ("tamper", "needle"),
    [
        (
            lambda r: r["checks"][0].update(
                verdict="passed",
                outcome="passed",
                tests=[{**r["checks"][0]["tests"][0], "status": "failed"}],
            ),
            "add up",
        ),
        (lambda r: r.update(verdict="conformant"), "verdict"),
        (lambda r: r["spec"].update(digest="0" * 64), "digest"),
        (lambda r: r.update(profile="gold"), "unknown profile"),
        (lambda r: r["checks"].pop(), "catalogue"),
        (lambda r: r["checks"][0].update(verdict="waived", waiver=None), "waived without a reason"),
        (lambda r: r["counts"].update(passed=999), "counts"),
    ],
)
def test_recomputed_fake_is_refused(tamper: Any, needle: str) -> None:
    """A faker who edits a field AND recomputes the digest still meets the recomputed verdicts."""
    report = make_report(failing=catalogue().for_profile("ci")[0].id)
    assert verify_data(report).refused is False
    tampered = copy.deepcopy(report)
    tamper(tampered)
    result = verify_data(seal(tampered))
    assert result.refused, result.message
    assert needle in result.message
    assert result.code == 4


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _leaves(v, (*path, i))] or [path]
    return [path]


def _edit(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return "x"
    return [*value, "x"] if isinstance(value, list) else {**value, "x": 1}


def test_a_one_field_edit_of_any_field_is_refused() -> None:
    report = make_report(failing="NO-5XX")
    leaves = [p for p in _leaves(report) if p[:1] != ("integrity",)]
    assert len(leaves) > 500  # every field of a real report: run, kit, spec, checks, results, operations
    for path in leaves:
        tampered = copy.deepcopy(report)
        node = tampered
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = _edit(node[path[-1]])
        result = verify_data(tampered)
        assert result.refused, (path, result.message)
        assert result.code == 4, (path, result.message)


def test_signature_proves_who_made_the_report(tmp_path: Path) -> None:
    generate_keypair(tmp_path / "k", tmp_path / "k.pub")
    generate_keypair(tmp_path / "other", tmp_path / "other.pub")
    report = make_report(failing="NO-5XX")
    seal(report, load_private(tmp_path / "k"))
    assert verify_data(report, load_public(tmp_path / "k.pub")).code == 1  # genuine, non-conformant
    assert verify_data(report, load_public(tmp_path / "other.pub")).code == 4
    # A consistent fake: the failure removed, verdicts and counts recomputed, digest recomputed.
    fake = make_report()
    kept = fake | {"integrity": report["integrity"] | {"digest": fake["integrity"]["digest"]}}
    assert "signature does not match" in verify_data(kept).message  # the old signature no longer fits
    generate_keypair(tmp_path / "faker", tmp_path / "faker.pub")
    seal(fake, load_private(tmp_path / "faker"))
    assert verify_data(fake).ok  # signed by the faker's own key: consistent on its own...
    refused = verify_data(fake, load_public(tmp_path / "k.pub"))
    assert refused.refused, refused.message  # ...but not by the key the verifier trusts
    assert refused.code == 4
    unsigned = make_report()
    assert "not signed" in verify_data(unsigned, load_public(tmp_path / "k.pub")).message


def test_partial_and_nothing_run_are_never_certified() -> None:
    report = make_report()
    report["checks"][0].update(verdict="not-run", outcome="not-run", tests=[])
    rebuilt = build(
        target=report["target"],
        profile="ci",
        seed=3,
        run_id="abc",
        catalogue=catalogue(),
        verdicts=Results().verdicts(catalogue(), "ci", {}),
        operations=[],
        cleanup_failures=[],
        kit_errors=[],
        started=0.0,
        baseline=None,
        baseline_path=None,
        properties=None,
    )
    assert rebuilt["verdict"] == "partial"
    result = verify_data(seal(rebuilt))
    assert not result.ok
    assert not result.refused
    assert result.code == 3


def test_unreadable_report_has_its_own_code(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("{")
    assert verify(path).code == 2


def test_summaries_show_every_check_and_verdict() -> None:
    report = make_report(failing="NO-5XX")
    markdown, page = render_markdown(report), render_html(report)
    for entry in catalogue():
        assert entry.id in markdown
        assert f'data-check="{entry.id}"' in page
    assert 'data-check="NO-5XX" data-verdict="failed"' in page
