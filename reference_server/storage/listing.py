"""ListObjectsV2 paging: prefix, delimiter (common prefixes), max-keys, start-after and continuation tokens.

Entries (keys and common prefixes) are merged in key order and count together against max-keys, as S3 does.
A continuation token names the last entry served; it is opaque to clients (base64 JSON) and a malformed one is
rejected. Resuming after a common prefix skips every key under it.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field

__all__ = ["BadToken", "Page", "decode_token", "encode_token", "list_page"]


class BadToken(ValueError):
    """A continuation token this server did not issue."""


@dataclass
class Page:
    keys: list[str] = field(default_factory=list)
    common_prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    next_token: str | None = None


def encode_token(last: str, is_prefix: bool) -> str:
    raw = json.dumps({"k": last, "p": is_prefix}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_token(token: str) -> tuple[str, bool]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadToken("the continuation token is invalid") from exc
    if not isinstance(data, dict) or not isinstance(data.get("k"), str) or not isinstance(data.get("p"), bool):
        raise BadToken("the continuation token is invalid")
    return data["k"], data["p"]


def list_page(
    sorted_keys: list[str],
    *,
    prefix: str = "",
    delimiter: str = "",
    max_keys: int = 1000,
    start_after: str = "",
    token: str | None = None,
) -> Page:
    """One page over ``sorted_keys`` (already filtered by ``prefix`` and sorted by UTF-8 bytes)."""
    after, after_prefix = decode_token(token) if token else (start_after, False)
    page = Page()
    count = 0
    last_prefix: str | None = None
    for key in sorted_keys:
        if key.encode() <= after.encode() or (after_prefix and key.startswith(after)):
            continue
        entry, is_prefix = key, False
        if delimiter:
            cut = key.find(delimiter, len(prefix))
            if cut >= 0:
                entry, is_prefix = key[: cut + len(delimiter)], True
                if entry == last_prefix:
                    continue
        if count == max_keys:
            page.truncated = True
            break
        if is_prefix:
            page.common_prefixes.append(entry)
            last_prefix = entry
        else:
            page.keys.append(entry)
        count += 1
    if page.truncated:
        last_is_prefix = bool(page.common_prefixes) and (
            not page.keys or page.common_prefixes[-1].encode() > page.keys[-1].encode()
        )
        last = page.common_prefixes[-1] if last_is_prefix else page.keys[-1]
        page.next_token = encode_token(last, last_is_prefix)
    return page
