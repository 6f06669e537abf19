"""Load and validate the check catalogue (``conformance/catalogue.yaml``): the checks as data.

The markers the suite registers are defined here too, because a catalogue entry's ``capability`` and
``services`` must name registered markers (``--strict-markers``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import CatalogueError

__all__ = [
    "CAPABILITIES",
    "LEVELS",
    "PROFILES",
    "REQUIRING_PROFILES",
    "RUNNERS",
    "SERVICES",
    "Catalogue",
    "CheckEntry",
    "catalogue",
]

CATALOGUE_PATH = Path(__file__).with_name("catalogue.yaml")

#: Capability markers, each with the description pytest shows in `--markers`.
CAPABILITIES: dict[str, str] = {
    "schema": "responses, statuses, headers and inputs against the spec's schemas",
    "errors": 'the {"error": string} shape and JSON content type of every 4xx/5xx',
    "status": "status-code semantics: 201 on create, 404/405/409/410, no 5xx",
    "isolation": "tenant isolation: another account's resources are invisible (404, absent from lists)",
    "pagination": "cursor pagination: every item exactly once, next_cursor null at the end",
    "audit": "the audit log records every mutating request with actor and action",
    "idempotency": "Idempotency-Key replay, mismatch, in-flight and scope",
    "ratelimit": "the 30 req/s per-principal limit, 429 and Retry-After",
    "auth": "authentication: credentials required, sessions, refresh, logout, access keys",
    "jwt": "JWT validation per RFC 8725 and the JWKS",
    "cookies": "session cookie attributes and lifetimes",
    "sigv4": "AWS SigV4 request signing (service cloudnx, region in-mum)",
    "storage": "the storage service and the S3-compatible data plane",
    "hostile": "hostile input (deep, malformed, oversized, non-ASCII): a clean 4xx, never a 5xx",
}
SERVICES: dict[str, str] = {
    "auth": "the auth service (/auth/)",
    "compute": "the compute service (/compute/)",
    "storage": "the storage service and the S3-compatible data plane",
}
#: ``strict`` runs what ``core`` runs (plus entries that name it) and also requires RECOMMENDED checks.
PROFILES = ("ci", "core", "full", "strict")
#: Where a rule comes from (docs/checks.md explains them):
#: SEED — the seed says it; CONTRACT — the spec fixes what the seed leaves open and clients depend on;
#: RECOMMENDED — hardening or good practice clients do not depend on (RFC 2119 SHOULD).
LEVELS = ("SEED", "CONTRACT", "RECOMMENDED")
#: Profiles in which a RECOMMENDED check's failure fails the run; elsewhere it is reported only.
REQUIRING_PROFILES = ("strict",)
#: What judges a check: the suite (``cloudnx-conformance run``, in its profiles) or the Locust scenario of
#: ``load/`` (its own verdict, no suite profile).
RUNNERS: dict[str, str] = {
    "suite": "the conformance suite (`cloudnx-conformance run`), in the profiles listed",
    "load": "the Locust rate-limit scenario (`locust --config load/locust.conf`)",
}
_ID = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)+$")
_SCHEMATHESIS_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_REQUIRED = {"id", "title", "level", "source", "capability", "services"}
_FIELDS = _REQUIRED | {"profiles", "reason", "runner", "schemathesis"}


@dataclass(frozen=True)
class CheckEntry:
    id: str
    title: str
    level: str
    source: str
    capability: str
    services: tuple[str, ...]
    profiles: tuple[str, ...]
    reason: str = ""  # why the level was chosen; required unless the seed itself says it
    runner: str = "suite"  # one of RUNNERS
    schemathesis: str = ""  # the schemathesis check (built-in or the kit's own) whose outcome is this check's

    def described(self) -> dict[str, Any]:
        """What a report (and ``checks --format json``) states of the entry besides its id."""
        return {
            "title": self.title,
            "level": self.level,
            "reason": self.reason,
            "source": self.source,
            "capability": self.capability,
            "services": list(self.services),
            "profiles": list(self.profiles),
        }

    def in_profile(self, profile: str) -> bool:
        if self.runner != "suite":
            return False  # a load check runs in no suite profile
        if profile == "strict":
            return "core" in self.profiles or "strict" in self.profiles
        return profile in self.profiles

    def required_in(self, profile: str) -> bool:
        """Whether a failure of this check fails a run of ``profile`` (RECOMMENDED: only in strict)."""
        return self.in_profile(profile) and (self.level != "RECOMMENDED" or profile in REQUIRING_PROFILES)


class Catalogue:
    """The validated catalogue, in file order.

    Iterating it (and ``entries``, ``len``, ``in``) gives the suite's checks, the ones a run reports;
    ``all_entries`` adds the load scenario's; ``get`` finds either.
    """

    def __init__(self, entries: list[CheckEntry]) -> None:
        self.all_entries = entries
        self.entries = [entry for entry in entries if entry.runner == "suite"]
        self._by_id = {entry.id: entry for entry in entries}
        self._suite_ids = {entry.id for entry in self.entries}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._suite_ids

    def get(self, check_id: str) -> CheckEntry:
        try:
            return self._by_id[check_id]
        except KeyError:
            raise CatalogueError(
                f"unknown check id {check_id!r}",
                hint=f"add an entry with `id: {check_id}` to {CATALOGUE_PATH} or fix the id in @check(...)",
            ) from None

    def for_profile(self, profile: str) -> list[CheckEntry]:
        return [entry for entry in self.entries if entry.in_profile(profile)]

    def of_runner(self, runner: str) -> list[CheckEntry]:
        return [entry for entry in self.all_entries if entry.runner == runner]

    def schemathesis_checks(self) -> dict[str, str]:
        """schemathesis check name -> the id of the catalogue check it decides (the property-based part)."""
        return {entry.schemathesis: entry.id for entry in self.all_entries if entry.schemathesis}


def parse(data: Any, origin: str = str(CATALOGUE_PATH)) -> Catalogue:
    """Validate parsed YAML; every problem names the entry and the field to fix."""
    if not isinstance(data, list):
        raise CatalogueError(f"{origin}: the catalogue must be a YAML list of checks")
    entries: list[CheckEntry] = []
    seen: set[str] = set()
    backed: set[str] = set()
    for index, raw in enumerate(data):
        where = f"{origin}: entry #{index + 1}"
        if not isinstance(raw, dict):
            raise CatalogueError(f"{where} is not a mapping")
        where += f" ({raw.get('id', '?')})"
        missing, unknown = _REQUIRED - raw.keys(), raw.keys() - _FIELDS
        if missing or unknown:
            raise CatalogueError(f"{where}: missing fields {sorted(missing)}, unknown fields {sorted(unknown)}")
        check_id = raw["id"]
        if not isinstance(check_id, str) or not _ID.match(check_id):
            raise CatalogueError(f"{where}: id must be UPPER-KEBAB like IDEM-REPLAY")
        if check_id in seen:
            raise CatalogueError(f"{where}: duplicate id {check_id}")
        seen.add(check_id)
        for text_field in ("title", "source"):
            if not isinstance(raw[text_field], str) or not raw[text_field].strip():
                raise CatalogueError(f"{where}: {text_field} must be a non-empty string")
        if raw["level"] not in LEVELS:
            raise CatalogueError(f"{where}: level must be one of {LEVELS}")
        reason = _reason(raw, where)
        if raw["capability"] not in CAPABILITIES:
            raise CatalogueError(f"{where}: capability must be one of {sorted(CAPABILITIES)}")
        services = _subset(raw["services"], SERVICES, f"{where}: services")
        runner = raw.get("runner", "suite")
        if runner not in RUNNERS:
            raise CatalogueError(f"{where}: runner must be one of {sorted(RUNNERS)}")
        if runner == "suite":
            if "profiles" not in raw:
                raise CatalogueError(f"{where}: missing fields ['profiles'] (the suite's profiles that run it)")
            profiles = _subset(raw["profiles"], PROFILES, f"{where}: profiles")
        elif "profiles" in raw:
            raise CatalogueError(f"{where}: a {runner} check runs in no suite profile: drop `profiles`")
        else:
            profiles = ()
        schemathesis = raw.get("schemathesis", "")
        if schemathesis:
            if runner != "suite" or not isinstance(schemathesis, str) or not _SCHEMATHESIS_NAME.match(schemathesis):
                raise CatalogueError(f"{where}: schemathesis must name one schemathesis check of a suite check")
            if schemathesis in backed:
                raise CatalogueError(f"{where}: schemathesis check {schemathesis} already decides another entry")
            backed.add(schemathesis)
        entries.append(
            CheckEntry(
                check_id,
                raw["title"].strip(),
                raw["level"],
                raw["source"].strip(),
                raw["capability"],
                services,
                profiles,
                reason,
                runner,
                schemathesis,
            )
        )
    return Catalogue(entries)


def _reason(raw: dict[str, Any], where: str) -> str:
    """A SEED rule cites the seed; any other level is a decision and says why in one line."""
    reason = raw.get("reason", "")
    if not isinstance(reason, str) or "\n" in reason.strip():
        raise CatalogueError(f"{where}: reason must be one line of text")
    if raw["level"] == "SEED" and "seed:" not in str(raw["source"]):
        raise CatalogueError(f"{where}: a SEED check's source must quote the seed (`seed: ...`)")
    if raw["level"] != "SEED" and not reason.strip():
        raise CatalogueError(f"{where}: level {raw['level']} is a decision: give its one-line reason")
    return reason.strip()


def _subset(value: Any, allowed: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) for item in value):
        raise CatalogueError(f"{where} must be a non-empty list of strings")
    unknown = [item for item in value if item not in allowed]
    if unknown:
        raise CatalogueError(f"{where}: unknown {unknown}; allowed {list(allowed)}")
    return tuple(value)


@functools.cache
def catalogue() -> Catalogue:
    """The repository's catalogue, parsed and validated once per process."""
    try:
        data = yaml.safe_load(CATALOGUE_PATH.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"cannot read {CATALOGUE_PATH}: {exc}") from exc
    return parse(data)
