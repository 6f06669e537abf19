"""Reading a data-plane request off the wire: bounded body, aws-chunked decoding, checksums, ranges.

Everything here is S3 protocol detail the handlers in ``s3`` should not have to repeat; each failure is an
:class:`S3Error` carrying the S3 error code the client expects.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import zlib
from collections.abc import Mapping

from starlette.requests import Request

from .s3_xml import ERROR_STATUS

__all__ = ["S3Error", "check_digests", "decode_aws_chunked", "parse_range", "read_body"]


class S3Error(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = ERROR_STATUS.get(code, 400)


async def read_body(request: Request, cap: int) -> bytes:
    """The body, refusing more than ``cap`` bytes before and while reading (the server keeps it in memory)."""
    declared = request.headers.get("x-amz-decoded-content-length") or request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > cap:
        raise S3Error("EntityTooLarge", f"objects are limited to {cap} bytes")
    chunks: list[bytes] = []
    size = 0
    # aws-chunked framing adds a little per chunk, so allow some slack before calling the body too large.
    limit = cap + 64 * 1024
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise S3Error("EntityTooLarge", f"objects are limited to {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def decode_aws_chunked(body: bytes) -> tuple[bytes, dict[str, str]]:
    """Unframe ``aws-chunked`` (STREAMING-UNSIGNED-PAYLOAD-TRAILER): the data and the trailing headers."""
    data = bytearray()
    pos = 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            raise S3Error("InvalidRequest", "malformed aws-chunked body")
        size_text = body[pos:end].split(b";", 1)[0]
        try:
            size = int(size_text, 16)
        except ValueError as exc:
            raise S3Error("InvalidRequest", "malformed aws-chunked chunk size") from exc
        pos = end + 2
        if size == 0:
            break
        data += body[pos : pos + size]
        pos += size + 2
    trailers: dict[str, str] = {}
    for line in body[pos:].split(b"\r\n"):
        name, sep, value = line.decode("latin-1").partition(":")
        if sep:
            trailers[name.strip().lower()] = value.strip()
    return bytes(data), trailers


def check_digests(data: bytes, headers: Mapping[str, str]) -> None:
    """Content-MD5 and x-amz-checksum-crc32/sha256, when sent, must match the bytes (BadDigest)."""
    md5 = headers.get("content-md5")
    if md5 is not None:
        actual = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()
        if not hmac.compare_digest(md5, actual):
            raise S3Error("BadDigest", "the Content-MD5 you specified did not match what we received")
    crc = headers.get("x-amz-checksum-crc32")
    if crc is not None:
        actual = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
        if not hmac.compare_digest(crc, actual):
            raise S3Error("BadDigest", "the x-amz-checksum-crc32 you specified did not match what we received")
    sha = headers.get("x-amz-checksum-sha256")
    if sha is not None:
        actual = base64.b64encode(hashlib.sha256(data).digest()).decode()
        if not hmac.compare_digest(sha, actual):
            raise S3Error("BadDigest", "the x-amz-checksum-sha256 you specified did not match what we received")


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """``bytes=a-b`` / ``a-`` / ``-n`` as an inclusive (start, end); None to ignore the header (RFC 9110 §14.2
    lets a server ignore forms it does not support); InvalidRange (416) when nothing of the object is in it."""
    unit, _, spec = header.partition("=")
    if unit.strip() != "bytes" or "," in spec:
        return None
    first, _, last = spec.strip().partition("-")
    try:
        if first == "":
            length = int(last)
            start, end = size - length, size - 1
            if length <= 0 or size == 0:
                raise S3Error("InvalidRange", "the requested range is not satisfiable")
            return max(start, 0), end
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        raise S3Error("InvalidRange", "the requested range is not satisfiable")
    return start, min(end, size - 1)
