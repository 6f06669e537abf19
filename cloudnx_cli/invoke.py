"""Turn a parsed command line into API calls and their answer: path, query, body, Idempotency-Key, pages.

Lists follow ``next_cursor`` (the seed's list shape) until it is null: the pages' items are joined into one
answer of the same shape, so ``--output json`` of a whole list is what one page of everything would be, and its
``next_cursor`` is null. ``--max-items N`` asks for pages that end exactly at N items, so the answer's
``next_cursor`` resumes right after them (``--cursor``).
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from typing import Any
from urllib.parse import quote

import httpx

import cloudnx_spec
from cloudnx_cli.contract import CURSOR, NEXT_CURSOR, Command
from cloudnx_cli.errors import ApiError, UsageError
from cloudnx_cli.transport import Call, Transport

__all__ = ["build_call", "invoke"]


def _read_body(text: str) -> Any:
    if text == "-":
        source, raw = "stdin", sys.stdin.read()
    elif text.startswith("@"):
        source = text[1:]
        try:
            with open(source, encoding="utf-8") as handle:
                raw = handle.read()
        except OSError as exc:
            raise UsageError(f"--body {text}: cannot read {source} ({exc.strerror})") from exc
    else:
        source, raw = "--body", text
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise UsageError(f"{source} is not JSON: {exc}") from exc


def _wire(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def build_call(command: Command, ns: argparse.Namespace) -> Call:
    op = command.operation
    path = op.path
    query: dict[str, str] = {}
    fields: dict[str, Any] = {}
    for option in command.options:
        value = getattr(ns, option.dest, None)
        if value is None:
            continue
        if option.location == "path":
            path = path.replace("{" + option.name + "}", quote(str(value), safe=""))
        elif option.location == "query":
            query[option.name] = _wire(value)
        else:
            fields[option.name] = value
    body: Any = None
    if command.takes_body:
        given = getattr(ns, "body", None)
        body = _read_body(given) if given is not None else None
        if fields:
            if body is None:
                body = {}
            if not isinstance(body, dict):
                raise UsageError("--body must be a JSON object when field options are given too")
            body.update(fields)
        if body is None and op.request_body_required:
            body = {}  # e.g. instances start: the operation takes an empty object
    headers: dict[str, str] = {}
    if op.takes_idempotency_key:
        # One key per invocation: every retry of this call carries it, so the target acts at most once.
        headers[cloudnx_spec.idempotency().header] = getattr(ns, "idempotency_key", None) or str(uuid.uuid4())
    return Call(
        method=op.method,
        path=path,
        query=query,
        body=json.dumps(body, separators=(",", ":")).encode() if body is not None else None,
        headers=headers,
        retry_unanswered=command.safe_to_retry,
    )


def _answer(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise ApiError(response.status_code, response.text)
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise ApiError(response.status_code, f"the {response.status_code} answer is not JSON: {exc}") from exc


def invoke(command: Command, ns: argparse.Namespace, transport: Transport) -> Any:
    """The answer's JSON value (None for an empty body); ``ApiError`` for a 3xx/4xx/5xx."""
    call = build_call(command, ns)
    list_key = command.list_key
    if list_key is None or not ns.paginate:
        return _answer(transport.send(call))
    max_items: int | None = ns.max_items
    user_limit = call.query.get("limit")
    limit_option = command.page_limit
    answer: dict[str, Any] | None = None
    items: list[Any] = []
    seen: set[str] = set()
    while True:
        if max_items is not None and limit_option is not None:
            caps = [max_items - len(items), int(user_limit or max_items), command.max_page_size or max_items]
            call.query[limit_option.name] = str(min(caps))
        page = _answer(transport.send(call))
        if not isinstance(page, dict) or not isinstance(page.get(list_key), list):
            raise ApiError(200, f"a page of {command.name} has no `{list_key}` array: {json.dumps(page)[:200]}")
        answer = page if answer is None else answer
        items += page[list_key]
        cursor = page.get(NEXT_CURSOR)
        answer[NEXT_CURSOR] = cursor
        if not cursor or (max_items is not None and len(items) >= max_items):
            break
        if cursor in seen:
            raise ApiError(200, f"the target returned the cursor {cursor!r} twice; stopped to avoid a loop")
        seen.add(str(cursor))
        call.query[CURSOR] = str(cursor)
    answer[list_key] = items[:max_items] if max_items is not None else items
    return answer
