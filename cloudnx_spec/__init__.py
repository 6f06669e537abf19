"""Locate, load and walk the CloudNx OpenAPI contract: the one reader every package of the kit uses.

A wheel carries the spec next to this module (``openapi.yaml``, force-included at build time); a checkout
reads ``<repo>/spec/openapi.yaml``. Nothing here interprets the contract beyond walking its operations.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

__all__ = ["HTTP_METHODS", "Operation", "SpecError", "digest", "load", "operations", "resolve", "spec_path"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class SpecError(RuntimeError):
    """The contract is missing or is not a loadable OpenAPI document."""


class _Loader(yaml.SafeLoader):
    """YAML 1.1 would turn unquoted dates into datetimes; JSON (and YAML 1.2 core) keep them strings."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case, e.g. "POST"
    path: str  # e.g. "/compute/instances/{instance_id}"
    service: str  # x-cloudnx-service, falling back to the first path segment
    tags: tuple[str, ...]
    raw: dict[str, Any]  # the operation object as written (refs unresolved)
    path_item_parameters: tuple[dict[str, Any], ...]

    @property
    def pointer(self) -> str:
        """JSON pointer of the operation object inside the spec."""
        return "/paths/" + _escape(self.path) + "/" + self.method.lower()


def spec_path() -> Path:
    bundled = Path(__file__).with_name("openapi.yaml")
    if bundled.is_file():
        return bundled
    return Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml"


@functools.cache
def load() -> dict[str, Any]:
    """The parsed spec, JSON-equivalent (string keys, no datetimes); parsed once per process."""
    path = spec_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise SpecError(f"OpenAPI spec not found at {path}: spec/openapi.yaml must exist in the checkout") from exc
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
        data = json.loads(json.dumps(data))  # JSON semantics: unquoted status codes become "200"
    except (yaml.YAMLError, TypeError, ValueError) as exc:
        raise SpecError(f"{path} is not valid YAML/JSON: {exc}") from exc
    if not isinstance(data, dict) or not str(data.get("openapi", "")).startswith("3.1"):
        raise SpecError(f"{path} is not an OpenAPI 3.1 document (no `openapi: 3.1.x` at the root)")
    return data


def digest() -> str:
    """sha256 of the spec file's bytes, for reports that must say which contract they judged."""
    return hashlib.sha256(spec_path().read_bytes()).hexdigest()


def resolve(ref: str) -> Any:
    """Follow a local ``#/...`` reference inside the spec."""
    if not ref.startswith("#"):
        raise SpecError(f"only local references are supported, got {ref!r}")
    node: Any = load()
    for part in filter(None, ref[1:].split("/")):
        key = part.replace("~1", "/").replace("~0", "~")
        try:
            node = node[int(key)] if isinstance(node, list) else node[key]
        except (KeyError, IndexError, ValueError) as exc:
            raise SpecError(f"unresolvable reference {ref!r}") from exc
    return node


def operations() -> list[Operation]:
    """Every operation of the spec, in document order."""
    result = []
    for path, item in (load().get("paths") or {}).items():
        shared = tuple(item.get("parameters", ()))
        for method in HTTP_METHODS:
            raw = item.get(method)
            if raw is None:
                continue
            first_segment = path.strip("/").split("/", 1)[0]
            result.append(
                Operation(
                    operation_id=str(raw.get("operationId", "")),
                    method=method.upper(),
                    path=path,
                    service=str(raw.get("x-cloudnx-service", first_segment)),
                    tags=tuple(raw.get("tags", ())),
                    raw=raw,
                    path_item_parameters=shared,
                )
            )
    return result


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")
