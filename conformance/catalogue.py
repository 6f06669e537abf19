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

__all__ = ["CAPABILITIES", "LEVELS", "PROFILES", "SERVICES", "Catalogue", "CheckEntry", "catalogue"]

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
}
SERVICES: dict[str, str] = {
    "auth": "the auth service (/auth/)",
    "compute": "the compute service (/compute/)",
    "storage": "the storage service and the S3-compatible data plane",
}
PROFILES = ("ci", "core", "full")
LEVELS = ("MUST", "SHOULD")
_ID = re.compile(r"^[A-Z0-9]+(?:-[A-Z0-9]+)+$")
_FIELDS = {"id", "title", "level", "source", "capability", "services", "profiles"}


@dataclass(frozen=True)
class CheckEntry:
    id: str
    title: str
    level: str
    source: str
    capability: str
    services: tuple[str, ...]
    profiles: tuple[str, ...]

    def in_profile(self, profile: str) -> bool:
        return profile in self.profiles


class Catalogue:
    """The validated catalogue, in file order."""

    def __init__(self, entries: list[CheckEntry]) -> None:
        self.entries = entries
        self._by_id = {entry.id: entry for entry in entries}

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._by_id

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


def parse(data: Any, origin: str = str(CATALOGUE_PATH)) -> Catalogue:
    """Validate parsed YAML; every problem names the entry and the field to fix."""
    if not isinstance(data, list):
        raise CatalogueError(f"{origin}: the catalogue must be a YAML list of checks")
    entries: list[CheckEntry] = []
    seen: set[str] = set()
    for index, raw in enumerate(data):
        where = f"{origin}: entry #{index + 1}"
        if not isinstance(raw, dict):
            raise CatalogueError(f"{where} is not a mapping")
        where += f" ({raw.get('id', '?')})"
        missing, unknown = _FIELDS - raw.keys(), raw.keys() - _FIELDS
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
        if raw["capability"] not in CAPABILITIES:
            raise CatalogueError(f"{where}: capability must be one of {sorted(CAPABILITIES)}")
        services = _subset(raw["services"], SERVICES, f"{where}: services")
        profiles = _subset(raw["profiles"], PROFILES, f"{where}: profiles")
        entries.append(
            CheckEntry(
                check_id,
                raw["title"].strip(),
                raw["level"],
                raw["source"].strip(),
                raw["capability"],
                services,
                profiles,
            )
        )
    return Catalogue(entries)


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
