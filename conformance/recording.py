"""Recorded HTTP exchanges, redacted before anything leaves memory.

Every request the suite makes through its clients is recorded; the plugin attaches a failing check's exchanges
(with a curl line to reproduce) to the report. Secrets, tokens, passwords and cookies never reach a report: known
secret values are replaced wherever they appear, and credential headers and JSON fields are masked by name.
"""

from __future__ import annotations

import json
import re
import shlex
import threading
from dataclasses import asdict, dataclass
from typing import Any

import httpx

__all__ = ["MASK", "Exchange", "Recorder", "Redactor", "exchange_of", "redactor"]

MASK = "***"
_SECRET_HEADERS = {"authorization", "cookie", "set-cookie", "x-amz-security-token", "x-amz-signature"}
_SECRET_FIELD = re.compile(r"(password|secret|token|signature|credential)", re.IGNORECASE)
_QUERY_SECRETS = re.compile(r"(?i)(X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token)=[^&\s\"']+")
# A JSON member whose value is a string, in the body's own text; _mask_member masks it when the name says secret.
# Possessive quantifiers (Python 3.11): a string is never re-scanned, so a 16 MiB hostile body costs milliseconds
# (a backtracking name pattern spent seconds of the run there).
_JSON_STRING = r'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_STRING_MEMBER = re.compile(rf"({_JSON_STRING}\s*+:\s*+){_JSON_STRING}")
_BODY_LIMIT = 8192


class Redactor:
    """Masks values the run must never write down; thread-safe, shared by every client of a run."""

    def __init__(self) -> None:
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, *values: str | None) -> None:
        with self._lock:
            # Short values would mask unrelated text; real secrets and tokens are long.
            self._secrets.update(v for v in values if v and len(v) >= 8)

    def text(self, value: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            value = value.replace(secret, MASK)
        # A hostile exchange may carry lone surrogates (JSON "\\ud800" decodes to one): a report must stay UTF-8.
        value = value.encode("utf-8", "backslashreplace").decode("utf-8")
        return _QUERY_SECRETS.sub(lambda m: f"{m.group(1)}={MASK}", value)

    def headers(self, headers: httpx.Headers) -> list[tuple[str, str]]:
        result = []
        for name, value in headers.multi_items():
            if name.lower() in _SECRET_HEADERS:
                value = _mask_header(name.lower(), value)
            result.append((name, self.text(value)))
        return result

    def body(self, content: bytes, content_type: str) -> str:
        if not content:
            return ""
        if "json" in content_type:
            try:
                parsed = json.loads(content)
            except (ValueError, RecursionError):
                parsed = None  # malformed or too deeply nested JSON is shown as text below: what a report must show
            else:
                return self.text(_masked_json_text(content, parsed))[:_BODY_LIMIT]
        text = content.decode("utf-8", "replace")
        return self.text(text)[:_BODY_LIMIT]


def _mask_header(name: str, value: str) -> str:
    if name == "authorization":
        scheme, _, rest = value.partition(" ")
        if scheme.upper().startswith("AWS4"):
            # Keep the signed-header list (it explains a SigV4 failure) but drop key id and signature.
            return re.sub(r"(Credential|Signature)=[^,\s]+", lambda m: f"{m.group(1)}={MASK}", value)
        return f"{scheme} {MASK}" if rest else MASK
    if name in ("cookie", "set-cookie"):
        # Cookie names and attributes are evidence (HttpOnly, Max-Age...); values are credentials.
        return re.sub(r"(^|;\s*)([^=;\s]+)=([^;]*)", _mask_cookie_pair, value)
    return MASK


def _mask_cookie_pair(match: re.Match[str]) -> str:
    name = match.group(2)
    attributes = {"path", "max-age", "samesite", "expires", "domain"}
    keep = name.lower() in attributes
    return f"{match.group(1)}{name}={match.group(3) if keep else MASK}"


def _mask_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: MASK if _SECRET_FIELD.search(k) and isinstance(v, str) else _mask_json(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_mask_json(v) for v in value]
    return value


def _mask_member(match: re.Match[str]) -> str:
    return f'{match.group(1)}"{MASK}"' if _SECRET_FIELD.search(match.group(1)) else match.group(0)


def _masked_json_text(raw: bytes, parsed: Any) -> str:
    """The body as sent, secret fields masked in place, so a curl line reproduces it (duplicate keys, spacing and
    escapes included); re-serialised only when masking in place could miss a field (an escaped key name)."""
    try:
        # Decoded as json.loads decoded it: UTF-8/16/32, encoded surrogates kept (a hostile body's very point).
        text = raw.decode(json.detect_encoding(raw), "surrogatepass")
        masked = _STRING_MEMBER.sub(_mask_member, text)
        if json.loads(masked) == _mask_json(parsed):
            return masked
    except (ValueError, RecursionError, LookupError):
        pass  # masking in place broke the document: fall back to the parsed form below
    return json.dumps(_mask_json(parsed), ensure_ascii=False)


@dataclass(frozen=True)
class Exchange:
    """One request and its response, redacted."""

    identity: str
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: str
    status: int | None  # None when no response arrived
    response_headers: list[tuple[str, str]]
    response_body: str
    elapsed_ms: float
    error: str | None = None

    @property
    def curl(self) -> str:
        parts = ["curl", "-i", "-X", self.method]
        for name, value in self.request_headers:
            if name.lower() in ("content-length", "host", "accept-encoding", "connection", "user-agent"):
                continue
            if name.lower() == "accept" and value == "*/*":
                continue  # curl's own default
            if name.lower().startswith("x-schemathesis-"):
                continue  # schemathesis's bookkeeping, not part of what the target judged
            parts += ["-H", f"{name}: {value}"]
        if self.request_body:
            parts += ["--data-raw", self.request_body]
        parts.append(self.url)
        return " ".join(shlex.quote(part) for part in parts)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["curl"] = self.curl
        return data


class Recorder:
    """Collects the exchanges of one test (or of the bootstrap); thread-safe."""

    def __init__(self, redact: Redactor, limit: int = 2000) -> None:
        self.redact = redact
        self.limit = limit
        self.exchanges: list[Exchange] = []
        self.operations: set[str] = set()  # "METHOD /path/template" actually exercised
        self._lock = threading.Lock()

    def record(
        self,
        identity: str,
        request: httpx.Request,
        response: httpx.Response | None,
        elapsed: float,
        error: str | None = None,
    ) -> Exchange:
        content_type = request.headers.get("content-type", "")
        exchange = Exchange(
            identity=identity,
            method=request.method,
            url=self.redact.text(str(request.url)),
            request_headers=self.redact.headers(request.headers),
            request_body=self.redact.body(request.content, content_type),
            status=response.status_code if response is not None else None,
            response_headers=self.redact.headers(response.headers) if response is not None else [],
            response_body=self.redact.body(response.content, response.headers.get("content-type", ""))
            if response is not None
            else "",
            elapsed_ms=round(elapsed * 1000, 1),
            error=error,
        )
        with self._lock:
            if len(self.exchanges) < self.limit:
                self.exchanges.append(exchange)
        return exchange

    def mark_operation(self, operation: str) -> None:
        with self._lock:
            self.operations.add(operation)

    def take(self) -> list[Exchange]:
        with self._lock:
            taken, self.exchanges = self.exchanges, []
        return taken


def exchange_of(response: Any, redact: Redactor, identity: str = "properties") -> Exchange:
    """A schemathesis response (and the ``requests`` request behind it) as a redacted Exchange.

    The property-based part sends through schemathesis, not through the kit's clients; its failing exchange is
    recorded this way so that a report shows it like any other (headers and bodies of both sides).
    """
    request = response.request
    body = request.body or b""
    content = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else bytes(body)
    request_headers = httpx.Headers([(str(k), str(v)) for k, v in dict(request.headers).items()])
    response_headers = httpx.Headers([(str(k), str(v)) for k, values in response.headers.items() for v in values])
    return Exchange(
        identity=identity,
        method=str(request.method),
        url=redact.text(str(request.url)),
        request_headers=redact.headers(request_headers),
        request_body=redact.body(content, request_headers.get("content-type", "")),
        status=int(response.status_code),
        response_headers=redact.headers(response_headers),
        response_body=redact.body(response.content or b"", response_headers.get("content-type", "")),
        elapsed_ms=round(float(response.elapsed or 0) * 1000, 1),
    )


_redactor = Redactor()


def redactor() -> Redactor:
    """The process-wide redactor: every secret the run learns is registered here."""
    return _redactor
