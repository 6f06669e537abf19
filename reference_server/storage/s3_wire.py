"""Reading a data-plane request body off the wire: streamed to disk, aws-chunked unframed, every digest checked.

Everything here is S3 protocol detail the handlers should not have to repeat; each failure is an
:class:`S3Error` carrying the S3 error code the client expects. A body that fails a check is discarded before
any object changes (S3 "BadDigest", "XAmzContentSHA256Mismatch", "IncompleteBody").
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import AsyncIterator

from starlette.requests import Request

from .blobs import Blob, BlobStore
from .s3_xml import ERROR_STATUS

__all__ = ["CHECKSUMS", "S3Error", "parse_range", "receive_body", "unchunk", "wanted_checksums"]

HEX64 = re.compile(r"^[0-9a-f]{64}$")
# x-amz-checksum-<algorithm> values this server can compute; CRC32C and CRC64NVME need native code it lacks,
# so a request naming them is refused (NotImplemented) rather than stored unchecked.
CHECKSUMS = ("crc32", "sha1", "sha256")
_NOT_CHECKSUMS = ("x-amz-checksum-mode", "x-amz-checksum-type", "x-amz-checksum-algorithm")
_MAX_CHUNK_LINE = 4096
# aws-chunked framing around at most max_put_bytes of data: chunk headers of 64 KiB chunks and the trailers.
_CHUNK_SLACK = 16 * 1024 * 1024


class S3Error(Exception):
    def __init__(self, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = ERROR_STATUS.get(code, 400)
        self.headers = headers or {}


def wanted_checksums(request: Request) -> dict[str, str | None]:
    """{algorithm: value or None when it comes in the trailer} for the x-amz-checksum-* the request carries."""
    found: dict[str, str | None] = {}
    names = [n for n in request.headers if n.startswith("x-amz-checksum-") and n not in _NOT_CHECKSUMS]
    trailer = request.headers.get("x-amz-trailer", "")
    names += [n.strip().lower() for n in trailer.split(",") if n.strip()]
    for name in names:
        if not name.startswith("x-amz-checksum-"):
            raise S3Error("InvalidRequest", f"the trailer {name} is not a checksum")
        algorithm = name[len("x-amz-checksum-") :]
        if algorithm not in CHECKSUMS:
            raise S3Error("NotImplemented", f"x-amz-checksum-{algorithm} is not offered; use one of {CHECKSUMS}")
        found[algorithm] = request.headers.get(name)
    return found


async def receive_body(request: Request, blobs: BlobStore, limit: int) -> Blob:
    """Stream the body to a temporary file and check its length and every digest sent with it."""
    headers = request.headers
    declared = headers.get("x-amz-content-sha256", "")
    chunked = "aws-chunked" in headers.get("content-encoding", "") or declared.startswith("STREAMING-")
    checksums = wanted_checksums(request)
    wanted = set(checksums)
    if HEX64.match(declared):
        wanted.add("sha256")
    trailers: dict[str, str] = {}
    source: AsyncIterator[bytes] = request.stream()
    if chunked:
        source = unchunk(source, trailers)

    def too_large() -> S3Error:
        return S3Error("EntityTooLarge", f"a single upload (or part) is limited to {limit} bytes")

    for name in ("x-amz-decoded-content-length", "content-length"):
        declared_size = headers.get(name, "")
        if declared_size.isdigit() and int(declared_size) > limit + (_CHUNK_SLACK if chunked else 0):
            raise too_large()  # refused before a byte is stored
    blob = await blobs.receive(source, limit, too_large, frozenset(wanted))
    try:
        _check(blob, request, declared, {k: v or trailers.get(f"x-amz-checksum-{k}") for k, v in checksums.items()})
    except BaseException:
        blobs.discard(blob)
        raise
    return blob


def _check(blob: Blob, request: Request, declared: str, checksums: dict[str, str | None]) -> None:
    decoded = request.headers.get("x-amz-decoded-content-length")
    if decoded is not None and decoded.strip() != str(blob.size):
        raise S3Error("IncompleteBody", "the body is not as long as x-amz-decoded-content-length says")
    if HEX64.match(declared) and not hmac.compare_digest(declared, blob.digests.sha256.hexdigest()):
        raise S3Error("XAmzContentSHA256Mismatch", "the x-amz-content-sha256 you sent does not match the body")
    md5 = request.headers.get("content-md5")
    if md5 is not None:
        try:
            sent = base64.b64decode(md5, validate=True)
        except binascii.Error:
            sent = b""
        if len(sent) != 16:
            raise S3Error("InvalidDigest", "the Content-MD5 you specified is not valid")
        if not hmac.compare_digest(sent, blob.digests.md5.digest()):
            raise S3Error("BadDigest", "the Content-MD5 you specified did not match what we received")
    for algorithm, value in checksums.items():
        if value is None:
            raise S3Error("InvalidRequest", f"x-amz-checksum-{algorithm} was announced but never sent")
        if not hmac.compare_digest(value, blob.digests.checksum(algorithm) or ""):
            raise S3Error("BadDigest", f"the {algorithm.upper()} you specified did not match the calculated checksum")


async def unchunk(source: AsyncIterator[bytes], trailers: dict[str, str]) -> AsyncIterator[bytes]:
    """Unframe ``aws-chunked`` (``<hex size>[;ext]\\r\\n<data>\\r\\n`` ... ``0\\r\\n<trailers>\\r\\n``) as it
    streams; the trailing headers land in ``trailers`` once the body ends."""
    buf = bytearray()
    remaining = 0  # data bytes still owed by the current chunk
    state = "size"  # size -> data -> crlf -> size ... -> trailers
    async for piece in source:
        buf += piece
        while True:
            if state == "data":
                if not buf:
                    break
                take = min(remaining, len(buf))
                yield bytes(buf[:take])
                del buf[:take]
                remaining -= take
                if remaining == 0:
                    state = "crlf"
            elif state == "crlf":
                if len(buf) < 2:
                    break
                if buf[:2] != b"\r\n":
                    raise S3Error("InvalidRequest", "malformed aws-chunked body: a chunk does not end with CRLF")
                del buf[:2]
                state = "size"
            elif state == "size":
                end = buf.find(b"\r\n")
                if end < 0:
                    if len(buf) > _MAX_CHUNK_LINE:
                        raise S3Error("InvalidRequest", "malformed aws-chunked body: chunk header too long")
                    break
                size_text = bytes(buf[:end]).split(b";", 1)[0].strip()
                del buf[: end + 2]
                try:
                    remaining = int(size_text, 16)
                except ValueError as exc:
                    raise S3Error("InvalidRequest", "malformed aws-chunked chunk size") from exc
                state = "data" if remaining else "trailers"
            else:  # trailers: kept until the body ends (a few hundred bytes at most)
                if len(buf) > _MAX_CHUNK_LINE * 4:
                    raise S3Error("InvalidRequest", "malformed aws-chunked body: trailers too long")
                break
    if state != "trailers":
        raise S3Error("IncompleteBody", "the aws-chunked body ended before its final chunk")
    for line in bytes(buf).split(b"\r\n"):
        name, sep, value = line.decode("latin-1").partition(":")
        if sep:
            trailers[name.strip().lower()] = value.strip()


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
            if length <= 0 or size == 0:
                raise S3Error("InvalidRange", "the requested range is not satisfiable", _range_header(size))
            return max(size - length, 0), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        raise S3Error("InvalidRange", "the requested range is not satisfiable", _range_header(size))
    return start, min(end, size - 1)


def _range_header(size: int) -> dict[str, str]:
    return {"Content-Range": f"bytes */{size}"}  # RFC 9110 §15.5.17: a 416 names the current length
