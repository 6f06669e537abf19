"""``x-cloudnx-levels``: where each rule comes from (SEED, CONTRACT, RECOMMENDED), the seed's equivalent of each
status code the seed does not list, and the spec's decisions on what a compatible implementation may do otherwise.

The suite reads the accepted statuses from here (a 422 the spec documents also admits the seed's 400); the
traceability document reads the decisions.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from cloudnx_spec._read import Node
from cloudnx_spec.loading import SpecError, load

__all__ = ["LEVELS", "Decision", "Levels", "StatusCode", "levels"]

LEVELS = ("SEED", "CONTRACT", "RECOMMENDED")


@dataclass(frozen=True)
class StatusCode:
    """A code the seed's table does not list, why the spec uses it, and the seed's codes accepted instead."""

    code: int
    level: str
    seed_equivalents: tuple[int, ...]
    situation: str
    reason: str


@dataclass(frozen=True)
class Decision:
    """One place where a compatible server may differ from the reference, decided with its level and reason."""

    id: str
    level: str
    rule: str
    reason: str
    checks: tuple[str, ...]
    seed_equivalents: tuple[int, ...] = ()
    also_accepted: tuple[int, ...] = ()  # statuses a compatible deployment may answer besides the spec's


@dataclass(frozen=True)
class Levels:
    KEY: ClassVar[str] = "x-cloudnx-levels"  # where the spec declares it, for documents that cite it

    status_codes: Mapping[int, StatusCode]
    decisions: tuple[Decision, ...]
    evolution: Mapping[str, Any] = field(repr=False, compare=False)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> Levels:
        n = Node(spec.get(cls.KEY), "/" + cls.KEY)
        codes: dict[int, StatusCode] = {}
        for index, raw in enumerate(n.value.get("status_codes") or ()):
            c = Node(raw, f"{n.where}/status_codes/{index}")
            code = StatusCode(
                c.integer("code"), _level(c), _ints(c, "seed_equivalents"), c.string("situation"), c.string("reason")
            )
            codes[code.code] = code
        decisions = []
        seen: set[str] = set()
        for index, raw in enumerate(n.value.get("decisions") or ()):
            d = Node(raw, f"{n.where}/decisions/{index}")
            decision = Decision(
                d.string("id"),
                _level(d),
                d.string("rule"),
                d.string("reason"),
                d.strings("checks"),
                _ints(d, "seed_equivalents") if d.has("seed_equivalents") else (),
                _ints(d, "also_accepted") if d.has("also_accepted") else (),
            )
            if decision.id in seen:
                raise SpecError(f"spec/openapi.yaml {d.where}: decision id {decision.id!r} is used twice")
            seen.add(decision.id)
            decisions.append(decision)
        return cls(codes, tuple(decisions), n.node("evolution").value)

    def decision(self, decision_id: str) -> Decision:
        for decision in self.decisions:
            if decision.id == decision_id:
                return decision
        raise KeyError(f"x-cloudnx-levels has no decision {decision_id!r}")

    def accepted(self, documented: Iterable[int]) -> frozenset[int]:
        """The documented codes plus the seed's equivalents of those the seed does not list (422 -> 400 ...)."""
        codes = set(documented)
        for code in list(codes):
            if code in self.status_codes:
                codes.update(self.status_codes[code].seed_equivalents)
        return frozenset(codes)


def _level(node: Node) -> str:
    level = node.string("level")
    if level not in LEVELS:
        raise SpecError(f"spec/openapi.yaml {node.where}/level must be one of {', '.join(LEVELS)}, not {level!r}")
    return level


def _ints(node: Node, key: str) -> tuple[int, ...]:
    value = node.value.get(key)
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise SpecError(f"spec/openapi.yaml {node.where}/{key} must be a list of status codes")
    return tuple(value)


@functools.cache
def levels() -> Levels:
    """The spec's ``x-cloudnx-levels``, validated once per process."""
    return Levels.from_spec(load())
