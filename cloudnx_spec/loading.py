"""Locate, parse and address the CloudNx OpenAPI document: file location, one parse per process, ``$ref``.

A wheel carries the spec next to this package (``openapi.yaml``, force-included at build time); a checkout
reads ``<repo>/spec/openapi.yaml``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import Any, TypeGuard

import yaml

__all__ = ["SpecError", "deref", "digest", "load", "resolve", "spec_path", "use_parse_cache"]


class SpecError(RuntimeError):
    """The contract is missing, is not a loadable OpenAPI document, or an extension has the wrong shape."""


def _safe_loader(base: type[Any]) -> type[Any]:
    """A safe loader on ``base`` that keeps unquoted dates strings, as JSON (and YAML 1.2 core) do: YAML 1.1
    would turn them into datetimes."""
    resolvers = {
        first: [(tag, rx) for tag, rx in found if tag != "tag:yaml.org,2002:timestamp"]
        for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return type("_Loader", (base,), {"yaml_implicit_resolvers": resolvers})


_PureLoader = _safe_loader(yaml.SafeLoader)
# libyaml's parser (PyYAML's C extension, same safe constructor) reads the contract ~5x faster than pure Python
# (about 0.16 s instead of 0.9 s on the 2-core box): every process that reads it pays this once, and the cloudnx
# CLI pays it on each invocation.
_Loader = _safe_loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def spec_path() -> Path:
    bundled = Path(__file__).with_name("openapi.yaml")
    if bundled.is_file():
        return bundled
    return Path(__file__).resolve().parent.parent / "spec" / "openapi.yaml"


#: Where ``load`` keeps the parsed contract between processes; None (the default) keeps nothing on disk.
_parse_cache: list[Path] = []


def use_parse_cache(directory: Path) -> None:
    """Keep the parsed contract as JSON in ``directory``, named by the spec's sha256, and read it from there in
    later processes: for short-lived ones (the ``cloudnx`` CLI) that would parse the YAML on every start. Call
    before the first ``load()``; a missing, stale or damaged cache file is parsed afresh, never trusted."""
    _parse_cache[:] = [directory]


@functools.cache
def load() -> dict[str, Any]:
    """The parsed spec, JSON-equivalent (string keys, no datetimes); parsed once per process."""
    return _read(spec_path(), _parse_cache[0] if _parse_cache else None)


def _read(path: Path, cache: Path | None) -> dict[str, Any]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise SpecError(f"OpenAPI spec not found at {path}: spec/openapi.yaml must exist in the checkout") from exc
    cached = cache / f"openapi-{hashlib.sha256(raw).hexdigest()}.json" if cache else None
    data: Any = None
    if cached is not None:
        try:
            data = json.loads(cached.read_bytes())
        except (OSError, ValueError):
            data = None
    if not _is_openapi_31(data):
        try:
            data = yaml.load(raw.decode("utf-8"), Loader=_Loader)  # noqa: S506 - _Loader is a safe loader
            data = json.loads(json.dumps(data))  # JSON semantics: unquoted status codes become "200"
        except (yaml.YAMLError, TypeError, ValueError) as exc:
            raise SpecError(f"{path} is not valid YAML/JSON: {exc}") from exc
        if not _is_openapi_31(data):
            raise SpecError(f"{path} is not an OpenAPI 3.1 document (no `openapi: 3.1.x` at the root)")
        if cached is not None:
            _write_cache(cached, data)
    return data


def _is_openapi_31(data: Any) -> TypeGuard[dict[str, Any]]:
    return isinstance(data, dict) and str(data.get("openapi", "")).startswith("3.1")


def _write_cache(cached: Path, data: dict[str, Any]) -> None:
    """Write atomically (another process may read it meanwhile); a cache that cannot be written is skipped."""
    try:
        missing = [p for p in (cached.parent, *cached.parent.parents) if not p.exists()]
        for directory in reversed(missing):  # each one 0700: mkdir(parents=True) would leave parents 0755
            directory.mkdir(mode=0o700, exist_ok=True)
        temporary = cached.with_name(f".{cached.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(temporary, cached)
    except OSError:
        return


def digest() -> str:
    """sha256 of the spec file's bytes, for reports that must say which contract they judged."""
    return hashlib.sha256(spec_path().read_bytes()).hexdigest()


def resolve(ref: str) -> Any:
    """Follow a local ``#/...`` reference inside the spec (RFC 6901 JSON pointer after the ``#``)."""
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


def deref(node: Any) -> Any:
    """``node`` with its ``$ref`` chain followed (one level of the tree; nested refs stay as written)."""
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = str(node["$ref"])
        if ref in seen:
            raise SpecError(f"reference cycle through {ref!r}")
        seen.add(ref)
        node = resolve(ref)
    return node


def escape(token: str) -> str:
    """One JSON-pointer reference token (RFC 6901 §3)."""
    return token.replace("~", "~0").replace("/", "~1")
