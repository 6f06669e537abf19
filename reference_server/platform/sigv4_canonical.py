"""SigV4 canonical forms (canonical request, string to sign, signing key), shared by the verifier in
``sigv4`` and by anything that signs (the storage service's presigner). AWS reference:
https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, unquote

__all__ = [
    "ALGORITHM",
    "SignedRequest",
    "canonical_query",
    "canonical_request",
    "canonical_uri",
    "derive_signing_key",
    "string_to_sign",
]

ALGORITHM = "AWS4-HMAC-SHA256"


@dataclass(frozen=True)
class SignedRequest:
    """A request as received: ``path`` and ``query`` exactly as on the wire (still percent-encoded)."""

    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    # True when ``body`` is empty because the real body streams after verification (the S3 data plane): the
    # declared x-amz-content-sha256 is then signed as sent, and the receiver checks it against the bytes.
    body_streamed: bool = False

    def header_values(self, name: str) -> list[str]:
        lname = name.lower()
        return [v for k, v in self.headers if k.lower() == lname]


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 §5.2.4 as AWS applies it (empty segments collapse too: "//a//" -> "/a/").
    out: list[str] = []
    for seg in path.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
        else:
            out.append(seg)
    if not out:
        return "/"
    return "/" + "/".join(out) + ("/" if path.endswith("/") else "")


def canonical_uri(path: str, *, normalize: bool, double_encode: bool) -> str:
    path = path or "/"
    if normalize:
        path = _remove_dot_segments(path)
    # Non-S3 services encode the (already encoded) wire path once more; S3 encodes the decoded path once.
    return quote(path if double_encode else unquote(path), safe="/~")


def canonical_query(query: str, *, drop: Iterable[str] = ()) -> str:
    dropped = set(drop)
    pairs: list[tuple[str, str]] = []
    for part in query.split("&") if query else ():
        if not part:
            continue
        key, _, value = part.partition("=")
        key, value = unquote(key), unquote(value)
        if key in dropped:
            continue
        pairs.append((quote(key, safe="-_.~"), quote(value, safe="-_.~")))
    return "&".join(f"{k}={v}" for k, v in sorted(pairs))


def _trim(value: str) -> str:
    return " ".join(value.split())


def canonical_request(
    request: SignedRequest,
    signed_headers: list[str],
    payload_hash: str,
    *,
    normalize: bool = True,
    double_encode: bool = True,
    drop_query: Iterable[str] = (),
) -> str:
    lines = [
        request.method.upper(),
        canonical_uri(request.path, normalize=normalize, double_encode=double_encode),
        canonical_query(request.query, drop=drop_query),
    ]
    for name in signed_headers:
        lines.append(f"{name}:{','.join(_trim(v) for v in request.header_values(name))}")
    return "\n".join([*lines, "", ";".join(signed_headers), payload_hash])


def string_to_sign(amz_date: str, scope: str, canonical: str) -> str:
    return "\n".join([ALGORITHM, amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])


def derive_signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key
