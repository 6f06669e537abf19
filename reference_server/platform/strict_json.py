"""Request bodies parsed as I-JSON (RFC 7493), the interoperable subset of JSON (RFC 8259), so that no body a
client can send reaches a handler, the schema validator or the store in a shape they cannot handle:

- UTF-8 only, without a byte-order mark (RFC 8259 §8.1: "MUST be encoded using UTF-8", "MUST NOT add a BOM");
  UTF-16/32 bodies, which Python's ``json`` would otherwise sniff and accept, are refused.
- No lone surrogates (RFC 7493 §2.1), in member names or string values.
- Member names unique (RFC 7493 §2.3): ``{"a":1,"a":2}`` is refused instead of silently keeping the last.
- Numbers finite and within IEEE 754 double precision (RFC 7493 §2.2): no NaN/Infinity literals, no ``1e400``;
  integers of more than 64 bits are refused. An integral number is one value however it is spelt, so ``20.0``
  and ``2e1`` become the integer ``20`` (the spec's integer fields then store and echo ``20``).
- Nesting at most ``max_depth`` deep: deeper documents are refused before schema validation, whose recursion
  (and the parser's own) would otherwise fail with an error that is not a client error.

Every refusal is a ``JsonRejected`` (a ValueError) whose message says what is wrong.
"""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["JsonRejected", "loads"]

_INT64 = 2**63
_EXACT = 2**53  # beyond it a float no longer holds every integer exactly


class JsonRejected(ValueError):
    """The body is not a JSON document this server accepts; the message names the rule."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        duplicate = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise JsonRejected(f"duplicate member name {duplicate[:40]!r}")
    return obj


def _integer(text: str) -> int:
    value = int(text)
    if not -_INT64 <= value < _INT64:
        raise JsonRejected("an integer is outside the 64-bit range")
    return value


def _number(text: str) -> float | int:
    value = float(text)
    if not math.isfinite(value):
        raise JsonRejected("a number is out of range")
    if value.is_integer() and abs(value) <= _EXACT:
        return int(value)
    return value


def _constant(name: str) -> Any:
    raise JsonRejected(f"{name} is not JSON")


def _check_tree(value: Any, max_depth: int) -> None:
    # Iterative, so a deep document cannot exhaust the interpreter's stack here either.
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            node.encode("utf-8")  # UnicodeEncodeError on a lone surrogate
            continue
        if not isinstance(node, dict | list):
            continue
        if depth > max_depth:
            raise JsonRejected(f"nested deeper than {max_depth} levels")
        if isinstance(node, dict):
            for key, item in node.items():
                key.encode("utf-8")
                stack.append((item, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in node)


def loads(body: bytes, *, max_depth: int) -> Any:
    """The parsed body; raises JsonRejected for anything outside I-JSON or nested deeper than ``max_depth``."""
    if body.startswith(b"\xef\xbb\xbf"):
        raise JsonRejected("a byte-order mark is not allowed: send UTF-8 without one")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonRejected(f"not UTF-8 (byte {exc.start})") from exc
    try:
        parsed = json.loads(
            text, object_pairs_hook=_object, parse_int=_integer, parse_float=_number, parse_constant=_constant
        )
    except RecursionError as exc:
        raise JsonRejected(f"nested deeper than {max_depth} levels") from exc
    except JsonRejected:
        raise
    except ValueError as exc:  # json.JSONDecodeError, int() past the digit limit
        raise JsonRejected(str(exc)[:200]) from exc
    try:
        _check_tree(parsed, max_depth)
    except UnicodeEncodeError as exc:
        raise JsonRejected("a string holds a lone surrogate (not Unicode text)") from exc
    return parsed
