"""Path templates of the spec (``/compute/vpcs/{vpc_id}``) matched against request paths.

Static paths are a dictionary lookup; templated ones are compiled once and tried with literal-heavy templates
first, so ``/auth/iam/users`` never loses to a sibling ``/auth/iam/{x}`` (OpenAPI 3.1 §4.8.8: concrete paths
match before templated ones).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import quote

__all__ = ["PathMatcher", "PathTemplate"]

_PARAM = re.compile(r"\{([A-Za-z0-9_.-]+)\}")
T = TypeVar("T")


@dataclass(frozen=True)
class PathTemplate:
    template: str

    @property
    def parameters(self) -> tuple[str, ...]:
        return tuple(_PARAM.findall(self.template))

    def regex(self, *, anchored_start: bool = True) -> re.Pattern[str]:
        """Named groups per parameter (``[^/]+``: a parameter never spans segments); optionally unanchored in
        front, so a target's own base path may precede the template."""
        parts = _PARAM.split(self.template)
        body = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>[^/]+)" for i, p in enumerate(parts))
        return re.compile(("^" if anchored_start else "") + body + "$")

    def fill(self, **values: str) -> str:
        """The template with each parameter percent-encoded (RFC 3986 §3.3: no ``/`` inside a segment)."""
        missing = set(self.parameters) - values.keys()
        if missing:
            raise KeyError(f"{self.template} needs path parameters {sorted(missing)}")
        return _PARAM.sub(lambda m: quote(str(values[m.group(1)]), safe=""), self.template)


class PathMatcher(Generic[T]):
    """Maps a request path to the values registered for its template, per method."""

    def __init__(self, entries: Iterable[tuple[str, str, T]]) -> None:
        by_path: dict[str, dict[str, T]] = {}
        for method, path, value in entries:
            by_path.setdefault(path, {})[method.upper()] = value
        self._static: dict[str, dict[str, T]] = {}
        self._templated: dict[tuple[str, int], list[tuple[re.Pattern[str], dict[str, T]]]] = {}
        self._suffix: list[tuple[re.Pattern[str], dict[str, T]]] = []
        for path in sorted(by_path, key=lambda p: p.count("{")):
            methods = by_path[path]
            self._suffix.append((PathTemplate(path).regex(anchored_start=False), methods))
            if "{" in path:
                self._templated.setdefault(_key(path), []).append((PathTemplate(path).regex(), methods))
            else:
                self._static[path] = methods

    def lookup(self, path: str) -> tuple[Mapping[str, T], dict[str, str]] | None:
        """Every method's value for the template ``path`` instantiates, and its raw path parameters."""
        methods = self._static.get(path)
        if methods is not None:
            return methods, {}
        for pattern, candidate in self._templated.get(_key(path), ()):
            found = pattern.match(path)
            if found:
                return candidate, found.groupdict()
        return None

    def match(self, method: str, path: str, *, base_path_allowed: bool = False) -> T | None:
        """The value for ``method path``; with ``base_path_allowed`` any prefix may precede the template."""
        if not base_path_allowed:
            found = self.lookup(path)
            return found[0].get(method.upper()) if found else None
        for pattern, methods in self._suffix:
            if method.upper() in methods and pattern.search(path):
                return methods[method.upper()]
        return None


def _key(path: str) -> tuple[str, int]:
    segments = path.split("/")
    return (segments[1] if len(segments) > 1 else "", len(segments))
