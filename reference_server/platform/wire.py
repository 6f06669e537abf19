"""Reading a request off the ASGI wire: headers, a bounded body, and the JSON body rules (415 / 400)."""

from __future__ import annotations

import json
from typing import Any

from jsonschema_rs import Validator

from reference_server import errors
from reference_server.platform import strict_json
from reference_server.platform.responses import JSON_TYPE
from reference_server.platform.validation import first_error

__all__ = ["created_id", "is_json", "parse_json_body", "read_body", "read_headers"]


def read_headers(scope: dict[str, Any]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name in headers:
            headers[name] += ("; " if name == "cookie" else ", ") + value
        else:
            headers[name] = value
    return headers


async def read_body(receive: Any, headers: dict[str, str], limit: int) -> tuple[bytes, bool]:
    """(body, too_large). Stops reading past ``limit`` so an oversized body costs bounded memory."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return b"", True
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks), False


def is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == JSON_TYPE or (media.startswith("application/") and media.endswith("+json"))


def created_id(payload: bytes) -> str | None:
    # The audit target of a create names the new resource rather than the collection.
    try:
        created = json.loads(payload)
    except ValueError:
        return None
    value = created.get("id") if isinstance(created, dict) else None
    return value if isinstance(value, str) else None


def parse_json_body(
    required: bool, validator: Validator, headers: dict[str, str], body: bytes, *, max_depth: int
) -> Any:
    """The request body parsed (strict_json) and validated: 400 (missing, malformed, invalid) or 415 (not JSON)."""
    if not body.strip():
        if required:
            raise errors.bad_request("body: a JSON request body is required")
        return None
    if not is_json(headers.get("content-type", "")):
        raise errors.unsupported_media_type(headers.get("content-type", ""))
    try:
        parsed = strict_json.loads(body, max_depth=max_depth)
    except strict_json.JsonRejected as exc:
        raise errors.bad_request(f"body: malformed JSON ({exc})") from exc
    problem = first_error(validator, parsed, "body")
    if problem is not None:
        raise errors.bad_request(problem)
    return parsed
