"""Per-check verdicts from test outcomes: usable without pytest (the report and `verify` recompute them).

A check's verdict is the worst outcome of its tests: failed > error > inconclusive > passed. ``error`` means the
kit could not run the check (a KitError), never that the target broke a rule. A waived check keeps its real
outcome beside the waiver. ``not-run``: the profile excludes the check, or no test of it ran.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field, fields
from typing import Any

from conformance.catalogue import Catalogue

__all__ = ["SEVERITY", "CheckVerdict", "Outcome", "Results", "worst"]

#: outcome -> severity (higher is worse)
SEVERITY = {"passed": 0, "inconclusive": 1, "error": 2, "failed": 3}


@dataclass
class Outcome:
    """One result: what one test (for the property part: one operation) found for one check."""

    nodeid: str
    status: str  # passed | failed | inconclusive | error
    message: str = ""
    duration: float = 0.0
    exchanges: list[dict[str, Any]] = field(default_factory=list)
    check: str = ""  # catalogue id, filled in when recorded
    level: str = ""  # the catalogue entry's level
    operation: str | None = None  # the operationId judged (property results), None for a protocol check
    service: str | None = None  # that operation's service, or the check's only service

    def to_dict(self) -> dict[str, Any]:
        # dataclasses.asdict deep-copies field by field through its generic recursion: for the ~1,700 results of
        # a ci run that was ~2 % of the run's CPU. Exchanges are plain JSON values; copying them is enough.
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values["exchanges"] = copy.deepcopy(self.exchanges) if self.exchanges else []
        return values


@dataclass
class CheckVerdict:
    id: str
    verdict: str  # passed | failed | inconclusive | error | waived | not-run
    outcome: str  # the real outcome (for a waived check: what happened beneath the waiver)
    in_profile: bool
    waiver: str | None
    tests: list[Outcome]


def worst(statuses: list[str]) -> str:
    return max(statuses, key=lambda s: SEVERITY[s]) if statuses else "not-run"


class Results:
    """Outcomes per check id, collected while the run goes on (thread-safe)."""

    def __init__(self) -> None:
        self._outcomes: dict[str, list[Outcome]] = {}
        self._lock = threading.Lock()

    def add(self, check_id: str, outcome: Outcome) -> None:
        if outcome.status not in SEVERITY:
            raise ValueError(f"unknown outcome {outcome.status!r}")
        with self._lock:
            self._outcomes.setdefault(check_id, []).append(outcome)

    def outcomes(self, check_id: str) -> list[Outcome]:
        with self._lock:
            return list(self._outcomes.get(check_id, ()))

    def result_counts(self) -> dict[str, int]:
        """Results (check x test/operation) per status: the counting unit of every report."""
        with self._lock:
            statuses = [o.status for outs in self._outcomes.values() for o in outs]
        return {status: statuses.count(status) for status in SEVERITY}

    def counts(self) -> dict[str, int]:
        with self._lock:
            statuses = [worst([o.status for o in outs]) for outs in self._outcomes.values()]
        return {status: statuses.count(status) for status in SEVERITY}

    def verdicts(self, catalogue: Catalogue, profile: str, waivers: dict[str, str]) -> list[CheckVerdict]:
        result = []
        for entry in catalogue:
            outs = self.outcomes(entry.id)
            outcome = worst([o.status for o in outs])
            waiver = waivers.get(entry.id)
            verdict = "waived" if waiver is not None and outs else outcome
            result.append(CheckVerdict(entry.id, verdict, outcome, entry.in_profile(profile), waiver, outs))
        return result
