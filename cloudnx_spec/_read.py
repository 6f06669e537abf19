"""Typed reads of one spec node, each failing with a ``SpecError`` that names the JSON pointer at fault."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cloudnx_spec.loading import SpecError

__all__ = ["Node"]


class Node:
    """A mapping of the spec and where it lives (``where`` is a JSON pointer such as ``/x-cloudnx-limits``)."""

    def __init__(self, value: Any, where: str) -> None:
        if not isinstance(value, Mapping):
            raise SpecError(f"spec/openapi.yaml {where} must be a mapping, got {_kind(value)}")
        self.value: Mapping[str, Any] = value
        self.where = where

    def _get(self, key: str) -> Any:
        if key not in self.value:
            raise SpecError(f"spec/openapi.yaml {self.where} lacks the required field {key!r}")
        return self.value[key]

    def node(self, key: str) -> Node:
        return Node(self._get(key), f"{self.where}/{key}")

    def has(self, key: str) -> bool:
        return key in self.value

    def integer(self, key: str, default: int | None = None) -> int:
        if default is not None and key not in self.value:
            return default
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"spec/openapi.yaml {self.where}/{key} must be an integer, got {_kind(value)}")
        return value

    def number(self, key: str, default: float | None = None) -> float:
        if default is not None and key not in self.value:
            return default
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SpecError(f"spec/openapi.yaml {self.where}/{key} must be a number, got {_kind(value)}")
        return float(value)

    def string(self, key: str, default: str | None = None) -> str:
        if default is not None and key not in self.value:
            return default
        value = self._get(key)
        if not isinstance(value, str):
            raise SpecError(f"spec/openapi.yaml {self.where}/{key} must be a string, got {_kind(value)}")
        return value

    def boolean(self, key: str, default: bool | None = None) -> bool:
        if default is not None and key not in self.value:
            return default
        value = self._get(key)
        if not isinstance(value, bool):
            raise SpecError(f"spec/openapi.yaml {self.where}/{key} must be true or false, got {_kind(value)}")
        return value

    def strings(self, key: str, default: tuple[str, ...] | None = None) -> tuple[str, ...]:
        """A list of strings; a lone string counts as a list of one (``from: stopped``)."""
        if default is not None and key not in self.value:
            return default
        value = self._get(key)
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise SpecError(f"spec/openapi.yaml {self.where}/{key} must be a list of strings, got {_kind(value)}")
        return tuple(value)

    def integers(self) -> dict[str, int]:
        """Every field, each an integer (``x-cloudnx-limits``)."""
        return {key: self.integer(key) for key in self.value}


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
