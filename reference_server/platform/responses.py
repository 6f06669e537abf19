"""Rendering: JSON bodies (private ``_`` fields stripped), the seed's error shape, raw ASGI sends."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from reference_server.errors import ApiError

__all__ = ["JSON_TYPE", "Headers", "encode_json", "error_body", "public", "send_response"]

JSON_TYPE = "application/json"
Headers = list[tuple[bytes, bytes]]
_CONTAINERS = (dict, list)


def public(value: Any) -> Any:
    """``value`` without keys starting with ``_``, at any depth (docs/server-internals.md, Handlers)."""
    if isinstance(value, dict):
        return {
            k: public(v) if isinstance(v, _CONTAINERS) else v
            for k, v in value.items()
            if not (isinstance(k, str) and k.startswith("_"))
        }
    if isinstance(value, list):
        return [public(v) if isinstance(v, _CONTAINERS) else v for v in value]
    return value


def encode_json(value: Any) -> bytes:
    return json.dumps(public(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def error_body(error: ApiError) -> bytes:
    return encode_json({"error": error.message[:1000] or "error"})


def header_list(pairs: Iterable[tuple[str, str]]) -> Headers:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


async def send_response(
    send: Any, status: int, body: bytes, headers: Mapping[str, str], cookies: Iterable[str] = ()
) -> None:
    raw = header_list(headers.items())
    raw.extend((b"set-cookie", c.encode("latin-1")) for c in cookies)
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
