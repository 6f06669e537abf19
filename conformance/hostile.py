"""Hostile input any target must survive: the payloads, and a raw wire for what httpx refuses to send.

Each case is data (a label and the bytes to send); the checks in ``conformance/suite/test_hostile.py`` decide what
a correct answer is. JSON cases follow RFC 8259 (§4 names SHOULD be unique, §6 no NaN/Infinity, §8.1-8.2 UTF-8
without lone surrogates, §9 parsers may limit nesting) and RFC 7493 (I-JSON: unique names, numbers within IEEE
754 double precision). Sizes beyond a request line or header a server reads are judged against RFC 9110 §4.1
and §5.4 (a server that refuses answers 414 / 431, RFC 6585 §5) and the spec's ``cloudnx_spec.limits()``.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "DEEP_LEVELS",
    "OVERSIZE_BYTES",
    "Case",
    "RawAnswer",
    "deep_cases",
    "duplicate_cases",
    "encoding_cases",
    "number_cases",
    "raw_exchange",
]

#: Nesting depths of the deep-JSON cases: past a naive recursive parser's comfort (300) and past Python's
#: default recursion limit (5,000), where an unguarded parser crashes instead of refusing.
DEEP_LEVELS = (300, 5000)
#: A header or query string this long is over every common server's line limit (8-64 KiB): the answer must be
#: a refusal in the error shape (414 / 431 / 400), never a crash or silence.
OVERSIZE_BYTES = 128 * 1024


@dataclass(frozen=True)
class Case:
    label: str  # what the case is, as a failure message shows it
    body: bytes


def _with(example: dict[str, Any], field: str, raw_value: bytes) -> bytes:
    """``example`` serialised with ``field`` set to ``raw_value`` spliced in verbatim (not valid JSON on purpose)."""
    rest = {k: v for k, v in example.items() if k != field}
    head = json.dumps(rest)[:-1].encode()  # without the closing brace
    joiner = b", " if rest else b""
    return head + joiner + json.dumps(field).encode() + b": " + raw_value + b"}"


def _text_field(example: dict[str, Any], schema: dict[str, Any]) -> str:
    """A string property of the body (the name where there is one): where text is decoded and validated."""
    properties = schema.get("properties") or {}
    strings = [k for k, v in properties.items() if isinstance(v, dict) and v.get("type") == "string"]
    for candidate in ("name", *strings, *example):
        if candidate in properties or candidate in example:
            return str(candidate)
    return "name"


def deep_cases(example: dict[str, Any], schema: dict[str, Any]) -> list[Case]:
    field = _text_field(example, schema)
    cases = []
    for depth in DEEP_LEVELS:
        cases.append(Case(f"a body of arrays nested {depth} deep", b"[" * depth + b"]" * depth))
        nested = b'{"a": ' * depth + b"1" + b"}" * depth
        cases.append(Case(f"objects nested {depth} deep in {field!r}", _with(example, field, nested)))
    return cases


def encoding_cases(example: dict[str, Any], schema: dict[str, Any]) -> list[Case]:
    field = _text_field(example, schema)
    good = json.dumps(example).encode()
    return [
        Case(f"a lone high surrogate \\ud800 in {field!r}", _with(example, field, b'"x\\ud800y"')),
        Case(f"a lone low surrogate \\udfff in {field!r}", _with(example, field, b'"\\udfff"')),
        Case(f"a reversed surrogate pair in {field!r}", _with(example, field, b'"\\udc00\\ud800"')),
        Case(f"a surrogate encoded as UTF-8 bytes ED A0 80 in {field!r}", _with(example, field, b'"a\xed\xa0\x80b"')),
        Case("invalid UTF-8 bytes FF FE before the body", b"\xff\xfe" + good),
        Case(f"an overlong UTF-8 sequence C0 AF in {field!r}", _with(example, field, b'"\xc0\xaf"')),
        Case(f"a truncated UTF-8 sequence E2 82 in {field!r}", _with(example, field, b'"\xe2\x82"')),
    ]


def _numeric_field(example: dict[str, Any], schema: dict[str, Any]) -> str:
    properties = schema.get("properties") or {}
    integers = [k for k, v in properties.items() if isinstance(v, dict) and v.get("type") == "integer"]
    return integers[0] if integers else _text_field(example, schema)


def number_cases(example: dict[str, Any], schema: dict[str, Any]) -> list[Case]:
    numeric = _numeric_field(example, schema)
    return [
        Case(f"NaN in {numeric!r}", _with(example, numeric, b"NaN")),
        Case(f"-Infinity in {numeric!r}", _with(example, numeric, b"-Infinity")),
        Case(f"2**64 (beyond int64) in {numeric!r}", _with(example, numeric, str(2**64).encode())),
        Case(f"-(2**63)-1 (below int64) in {numeric!r}", _with(example, numeric, str(-(2**63) - 1).encode())),
        Case(f"a 400-digit integer in {numeric!r}", _with(example, numeric, b"9" * 400)),
        Case(f"1e400 (beyond a double) in {numeric!r}", _with(example, numeric, b"1e400")),
    ]


def duplicate_cases(example: dict[str, Any], schema: dict[str, Any]) -> list[Case]:
    # Both values valid: a last-wins parser accepts what an I-JSON receiver must refuse (RFC 7493 §2.3).
    field = _text_field(example, schema)
    value = json.dumps(example.get(field, "cnx-dup")).encode()
    cases = [
        Case(
            f"the key {field!r} twice",
            _with(example, field, value + b", " + json.dumps(field).encode() + b": " + value),
        )
    ]
    numeric = _numeric_field(example, schema)
    if numeric != field and numeric in example:
        number = json.dumps(example[numeric]).encode()
        cases.append(
            Case(
                f"the key {numeric!r} twice",
                _with(example, numeric, number + b", " + json.dumps(numeric).encode() + b": " + number),
            )
        )
    return cases


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: dict[str, str]  # lower-case names; the last value wins
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def raw_exchange(
    base_url: str, head: bytes, body: bytes = b"", *, timeout: float = 15.0, verify: bool = True
) -> RawAnswer | None:
    """Send ``head`` (request line and headers, without the blank line) and ``body`` over a fresh connection.

    For what an HTTP client library refuses to put on the wire (an over-long request line). Returns None when the
    target closes or resets the connection without an HTTP answer.
    """
    url = urlsplit(base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    host = url.hostname or "127.0.0.1"
    with socket.create_connection((host, port), timeout=timeout) as plain:
        sock: socket.socket = plain
        if url.scheme == "https":
            context = ssl.create_default_context()
            if not verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(plain, server_hostname=host)
        received = bytearray()
        # A server may answer and close before reading everything: what it said is read below.
        with contextlib.suppress(OSError):
            sock.sendall(head + b"\r\n\r\n" + body)
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                received += chunk
        except OSError:
            pass
    return parse_answer(bytes(received))


def parse_answer(data: bytes) -> RawAnswer | None:
    """One HTTP/1.1 response (Content-Length, chunked, or read to close); None when there is none."""
    head, sep, rest = data.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"HTTP/"):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = bytearray()
        while rest:
            size_line, _, rest = rest.partition(b"\r\n")
            size = int(size_line.split(b";")[0] or b"0", 16)
            if size == 0:
                break
            body += rest[:size]
            rest = rest[size + 2 :]
        return RawAnswer(int(parts[1]), headers, bytes(body))
    length = headers.get("content-length", "")
    return RawAnswer(int(parts[1]), headers, rest[: int(length)] if length.isdigit() else rest)
