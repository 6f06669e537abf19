"""Opaque, tamper-evident, insert-stable cursors (spec, "Pagination").

A cursor names the last item served by its store insertion sequence (``_seq``), not by an offset, so items
inserted meanwhile neither shift nor repeat what a walker sees. It is HMAC-signed and bound to the operation
and the caller's account, so a forged or transplanted cursor answers 400 instead of leaking or looping.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

from reference_server.errors import bad_request

__all__ = ["decode_cursor", "encode_cursor", "page", "public_view"]

_DEFAULT_LIMIT = 20


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:16]


def encode_cursor(key: bytes, scope: str, last_seq: int) -> str:
    payload = json.dumps({"s": scope, "q": last_seq}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(payload + _mac(key, payload)).decode().rstrip("=")


def decode_cursor(key: bytes, scope: str, cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError) as exc:
        raise bad_request("cursor is not a cursor issued by this list") from exc
    payload, mac = raw[:-16], raw[-16:]
    if len(raw) <= 16 or not hmac.compare_digest(mac, _mac(key, payload)):
        raise bad_request("cursor is not a cursor issued by this list")
    data = json.loads(payload)
    if data.get("s") != scope or not isinstance(data.get("q"), int):
        raise bad_request("cursor belongs to another list")
    return int(data["q"])


def public_view(record: dict[str, Any]) -> dict[str, Any]:
    """A record without its private ``_`` fields (what any response may show)."""
    return {k: v for k, v in record.items() if not k.startswith("_")}


def page(
    key: bytes, scope: str, query: Mapping[str, Any], records: list[dict[str, Any]], *, newest_first: bool = False
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of ``records`` after ``query``'s cursor; ``scope`` names the list the cursor is bound to."""
    limit = int(query.get("limit") or _DEFAULT_LIMIT)
    ordered = sorted(records, key=lambda r: r["_seq"], reverse=newest_first)
    cursor = query.get("cursor")
    if cursor:
        last = decode_cursor(key, scope, str(cursor))
        ordered = [r for r in ordered if (r["_seq"] < last if newest_first else r["_seq"] > last)]
    chunk = ordered[:limit]
    next_cursor = encode_cursor(key, scope, chunk[-1]["_seq"]) if len(ordered) > limit else None
    return [public_view(r) for r in chunk], next_cursor
