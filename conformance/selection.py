"""Which checks and operations a run judges: ``--include`` / ``--exclude`` patterns, and extra headers.

A pattern is ``[kind:]glob`` with kind ``check``, ``capability``, ``service`` or ``operation`` (``fnmatch`` globs,
case-sensitive as the ids are). A bare glob takes the one kind whose names it matches (``ERR-*`` checks,
``instances_*`` operations); one that matches two kinds (``auth`` is a capability and a service) must say which.
Includes of different kinds must all match (AND), includes of one kind any (OR), as schemathesis's own
``--include-*`` filters combine; an exclude of any kind removes what it matches.

Hand-written checks judge several operations each, so an operation include narrows the property-based part and
leaves them out; an operation exclude removes those operations from the property-based part only. A service
pattern selects hand-written checks by the services they name and property-based operations by their own service.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from conformance.catalogue import CAPABILITIES, SERVICES, CheckEntry, catalogue
from conformance.contract import contract
from conformance.errors import ConfigError

__all__ = ["KINDS", "Pattern", "Selection", "parse_headers", "parse_patterns"]

KINDS = ("check", "capability", "service", "operation")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP field name (RFC 9110 §5.1)
# The kit sets these itself per identity; a run-wide value would replace the credentials under test.
_RESERVED_HEADERS = {"authorization", "cookie", "host", "content-length", "transfer-encoding", "idempotency-key"}


@dataclass(frozen=True)
class Pattern:
    kind: str
    glob: str

    def __str__(self) -> str:
        return f"{self.kind}:{self.glob}"

    def matches(self, names: Iterable[str]) -> bool:
        return any(fnmatch.fnmatchcase(name, self.glob) for name in names)


@functools.cache
def universe() -> dict[str, tuple[str, ...]]:
    """Every name a pattern of each kind can match."""
    return {
        "check": tuple(e.id for e in catalogue()),
        "capability": tuple(CAPABILITIES),
        "service": tuple(SERVICES),
        "operation": tuple(o.operation_id for o in contract().operations()),
    }


def parse_patterns(raw: object, option: str) -> tuple[Pattern, ...]:
    """``--include`` values (a list, or the comma-separated environment variable) -> patterns, validated."""
    if raw is None:
        return ()
    values = [raw] if isinstance(raw, str) else list(raw)  # type: ignore[call-overload]
    patterns = []
    for value in (v.strip() for item in values for v in str(item).split(",")):
        if value:
            patterns.append(_pattern(value, option))
    return tuple(patterns)


def _pattern(value: str, option: str) -> Pattern:
    kind, sep, glob = value.partition(":")
    names = universe()
    if sep:
        if kind not in KINDS:
            raise ConfigError(f"--{option} {value!r}: unknown kind {kind!r}", hint=f"use one of {', '.join(KINDS)}")
        if not any(fnmatch.fnmatchcase(n, glob) for n in names[kind]):
            raise ConfigError(
                f"--{option} {value!r} matches no {kind}",
                hint="`cloudnx-conformance checks` lists checks, "
                "capabilities and services; operations are the spec's operationIds",
            )
        return Pattern(kind, glob)
    kinds = [k for k in KINDS if any(fnmatch.fnmatchcase(n, value) for n in names[k])]
    if not kinds:
        raise ConfigError(
            f"--{option} {value!r} matches no check id, capability, service or operationId",
            hint="globs are case-sensitive: check ids are upper case (ERR-*), operationIds lower (instances_*)",
        )
    if len(kinds) > 1:
        raise ConfigError(
            f"--{option} {value!r} is ambiguous: it names a {' and a '.join(kinds)}",
            hint=" or ".join(f"{k}:{value}" for k in kinds),
        )
    return Pattern(kinds[0], value)


def parse_headers(raw: object, where: str) -> tuple[tuple[str, str], ...]:
    """``--header 'Name: value'`` (repeatable; the environment variable holds one per line) -> pairs."""
    if raw is None:
        return ()
    lines = raw.splitlines() if isinstance(raw, str) else [str(v) for v in raw]  # type: ignore[attr-defined]
    headers = []
    for line in (item.strip() for item in lines):
        if not line:
            continue
        name, sep, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not _TOKEN.match(name):
            raise ConfigError(f"{where or '--header'}: {line!r} is not 'Name: value'", hint="e.g. 'X-Api-Key: abc'")
        if name.lower() in _RESERVED_HEADERS:
            raise ConfigError(
                f"{where or '--header'}: the kit sets {name} itself for every identity it tests",
                hint="a token for a target without open signup goes in --bearer-token; existing accounts in "
                "the config file ([[accounts]])",
            )
        headers.append((name, value))
    return tuple(headers)


@functools.cache
def _service_of(operation_id: str) -> str:
    known = {o.operation_id: o.service for o in contract().operations()}
    return known.get(operation_id, "")


@dataclass(frozen=True)
class Selection:
    include: tuple[Pattern, ...] = ()
    exclude: tuple[Pattern, ...] = ()

    @property
    def active(self) -> bool:
        return bool(self.include or self.exclude)

    @property
    def narrows_operations(self) -> bool:
        return any(p.kind == "operation" for p in self.include)

    def wants_check(self, entry: CheckEntry) -> bool:
        """The check is judged at all (on some operation): its id, capability and services pass the patterns."""
        facets = {"check": (entry.id,), "capability": (entry.capability,), "service": entry.services}
        for kind, names in facets.items():
            includes = [p for p in self.include if p.kind == kind]
            if includes and not any(p.matches(names) for p in includes):
                return False
        return not any(p.matches(facets[p.kind]) for p in self.exclude if p.kind in facets)

    def wants_operation(self, operation_id: str | None) -> bool:
        """``None``: a test not tied to one operation (hand-written checks, stateful sequences).

        A service pattern also narrows the property-based part to that service's operations (a hand-written
        check is kept or left out by the services it names, in ``wants_check``).
        """
        includes = [p for p in self.include if p.kind == "operation"]
        if operation_id is None:
            return not includes
        facets = {"operation": (operation_id,), "service": (_service_of(operation_id),)}
        for kind, names in facets.items():
            wanted = [p for p in self.include if p.kind == kind]
            if wanted and not any(p.matches(names) for p in wanted):
                return False
        return not any(p.matches(facets[p.kind]) for p in self.exclude if p.kind in facets)

    def wants(self, entry: CheckEntry, operation_id: str | None) -> bool:
        return self.wants_check(entry) and self.wants_operation(operation_id)

    def argv(self) -> list[str]:
        """The same selection as command-line options (for a rerun command)."""
        return [arg for p in self.include for arg in ("--include", str(p))] + [
            arg for p in self.exclude for arg in ("--exclude", str(p))
        ]
