"""docs/traceability.md: every seed sentence traced to the spec and its checks, no contradiction, kept in step.

Also the spec's level decisions (``cloudnx_spec.levels()``) name real checks, and status-code equivalents are sane.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import cloudnx_spec
from conformance import traceability
from conformance.catalogue import catalogue

pytestmark = pytest.mark.spec

SHARED_SEED = Path("/work/shared/seed/api-reference.txt")


def test_every_seed_sentence_is_traced_without_contradiction() -> None:
    found = traceability.problems()
    assert not found, "spec/traceability.yaml:\n" + "\n".join(found)


def test_docs_traceability_md_is_in_step() -> None:
    assert traceability.DOC.read_text(encoding="utf-8") == traceability.render(), (
        "docs/traceability.md is stale: run `python -m conformance.traceability`"
    )


@pytest.mark.skipif(not SHARED_SEED.is_file(), reason="the shared seed is only on the workstation")
def test_the_seed_copy_is_the_seed() -> None:
    assert traceability.SEED.read_bytes() == SHARED_SEED.read_bytes(), "spec/seed.txt differs from the seed"


def test_an_untraced_sentence_and_a_contradiction_are_caught() -> None:
    rows = traceability.rows()
    seed = [*traceability.sentences(), "Instances carry state."]
    contradicted = [
        traceability.Row(r.sentence, r.spec, r.checks, r.level, "contradicted" if i == 1 else r.status, r.note)
        for i, r in enumerate(rows)
    ]
    found = traceability.problems(contradicted, seed)
    assert any("not traced" in p and "Instances carry state." in p for p in found)
    assert any("contradicted" in p for p in found)
    unknown = [traceability.Row(rows[1].sentence, ("op:nope",), ("NOPE-CHECK",), "MUST", "encoded", "")]
    joined = " ".join(traceability.problems(unknown, [rows[1].sentence]))
    for needle in ("does not resolve", "unknown check NOPE-CHECK", "level 'MUST'"):
        assert needle in joined


def test_sentences_split_at_sentence_ends_but_keep_numbered_steps() -> None:
    got = traceability.sentences("Heading\n1. Do this. Then that.\n200Read or update successful\n")
    assert got == ["Heading", "1. Do this.", "Then that.", "200Read or update successful"]


def test_level_decisions_name_known_checks_and_seed_codes() -> None:
    levels = cloudnx_spec.levels()
    known = catalogue()
    for decision in levels.decisions:
        assert decision.reason, decision.id
        assert decision.rule, decision.id
        for check_id in decision.checks:
            assert check_id in known, f"decision {decision.id} names unknown check {check_id}"
    seed_codes = {200, 201, 400, 401, 403, 404, 409, 410, 429}
    for code in levels.status_codes.values():
        assert code.code not in seed_codes, f"{code.code} is in the seed's table: no equivalent needed"
        assert set(code.seed_equivalents) <= seed_codes, code
    assert 400 in levels.accepted({422})
