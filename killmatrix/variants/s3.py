"""S3 data-plane faults: one broken everyday operation each, as a careless S3-compatible target would have it.

A fault that changes a signed request re-signs it with the key's secret, which the context learned from
``bucket_keys_create`` (shown once): the target then accepts the broken request as its client's own.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zlib
from urllib.parse import urlencode

import cloudnx_spec
from killmatrix.context import Context
from killmatrix.fault import Fault
from killmatrix.sigv4 import parse_authorization, resign
from killmatrix.wire import Forward, Request, Response

__all__ = ["S3BatchDeleteFirstOnly", "S3CopyWritesNothing", "S3KeyScopeUnchecked", "S3ListTruncationLost",
           "S3MultipartPartDropped", "S3PreconditionIgnored", "S3PresignNeverExpires"]  # fmt: skip

_CONDITIONS = ("if-match", "if-none-match", "if-modified-since", "if-unmodified-since")
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _on_plane(request: Request) -> bool:
    prefix = cloudnx_spec.s3_data_plane().path_prefix_on_api_host
    return request.path.startswith(prefix + "/")


class _S3Fault(Fault):
    area = "storage"

    def rewrite(self, request: Request, *, body: bytes | None = None, drop: tuple[str, ...] = ()) -> bool:
        """Change the body and/or drop headers, then re-sign; False when the key's secret is not known."""
        authorization = request.header("authorization") or ""
        fields = parse_authorization(authorization)
        key_id = fields.get("Credential", "").split("/", 1)[0]
        secret = self.ctx.secrets.get(key_id)
        if secret is None:
            return False
        if body is not None:
            request.body = body
            request.set_header("content-length", str(len(body)))
            request.set_header("x-amz-content-sha256", hashlib.sha256(body).hexdigest())
            if request.header("content-md5") is not None:
                request.set_header("content-md5", base64.b64encode(hashlib.md5(body).digest()).decode())  # noqa: S324
            if request.header("x-amz-checksum-crc32") is not None:
                request.set_header(
                    "x-amz-checksum-crc32", base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
                )
        signed = [n for n in fields["SignedHeaders"].split(";") if n not in drop]
        for name in drop:
            request.set_header(name, None)
        request.set_header(
            "authorization",
            authorization.replace(f"SignedHeaders={fields['SignedHeaders']}", f"SignedHeaders={';'.join(signed)}"),
        )
        plane = cloudnx_spec.s3_data_plane().signing
        resign(request, key_id, secret, region=plane.region, service=plane.service)
        return True


class S3CopyWritesNothing(_S3Fault):
    name = "s3-copy-writes-nothing"
    description = "CopyObject stores an empty object and answers 200 (so `aws s3 mv` empties what it moves)"
    catches = ("S3-COPY-INTEGRITY",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        if not (_on_plane(request) and request.method == "PUT" and request.header("x-amz-copy-source")):
            return await forward(request)
        if not self.rewrite(request, body=b"", drop=("x-amz-copy-source", "x-amz-metadata-directive")):
            return await forward(request)
        response = await forward(request)
        etag = response.header("etag")
        if response.status == 200 and etag:
            response.body = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<CopyObjectResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
                f"<LastModified>2026-01-01T00:00:00.000Z</LastModified><ETag>{etag}</ETag></CopyObjectResult>"
            ).encode()
            response.set_header("content-type", "application/xml")
        return response


class S3PreconditionIgnored(_S3Fault):
    name = "s3-precondition-ignored"
    description = "If-Match / If-None-Match / If-(Un)Modified-Since are ignored on the data plane (200, overwrite)"
    catches = ("S3-PRECONDITIONS",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        present = tuple(name for name in _CONDITIONS if request.header(name) is not None)
        if _on_plane(request) and present:
            self.rewrite(request, drop=present)
        return await forward(request)


class S3MultipartPartDropped(_S3Fault):
    name = "s3-multipart-part-dropped"
    description = "CompleteMultipartUpload leaves out the last part the client named (the object is cut short)"
    catches = ("S3-MULTIPART-ROUNDTRIP",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        if _on_plane(request) and request.method == "POST" and "uploadId" in request.query:
            parts = re.findall(rb"<Part>.*?</Part>", request.body, re.S)
            if len(parts) > 1:
                self.rewrite(request, body=request.body.replace(parts[-1], b""))
        return await forward(request)


class S3BatchDeleteFirstOnly(_S3Fault):
    name = "s3-batch-delete-first-only"
    description = "DeleteObjects deletes the first key named and reports them all deleted"
    catches = ("S3-DELETE-BATCH",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        if not (_on_plane(request) and request.method == "POST" and "delete" in request.query):
            return await forward(request)
        named = re.findall(rb"<Object>.*?</Object>", request.body, re.S)
        original = request.body
        if len(named) < 2 or not self.rewrite(request, body=original.replace(b"".join(named[1:]), b"")):
            return await forward(request)
        response = await forward(request)
        if response.status == 200:
            keys = re.findall(rb"<Key>(.*?)</Key>", original, re.S)
            deleted = b"".join(b"<Deleted><Key>" + k + b"</Key></Deleted>" for k in keys)
            response.body = re.sub(rb"<Deleted>.*</Deleted>", lambda _: deleted, response.body, flags=re.S)
        return response


class S3ListTruncationLost(_S3Fault):
    name = "s3-list-truncation-lost"
    description = "ListObjects (v1 and v2) say a truncated page is the last one (IsTruncated false, no next token)"
    catches = ("S3-LIST-PAGES",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        response = await forward(request)
        if _on_plane(request) and request.method == "GET" and b"<ListBucketResult" in response.body:
            body = response.body.replace(b"<IsTruncated>true</IsTruncated>", b"<IsTruncated>false</IsTruncated>")
            response.body = re.sub(rb"<Next(ContinuationToken|Marker)>.*?</Next\1>", b"", body, flags=re.S)
        return response


class S3KeyScopeUnchecked(_S3Fault):
    """Answers a key of bucket A on bucket B as if it were B's own key (re-signed with a key of B it has seen)."""

    name = "s3-key-scope-unchecked"
    description = "a per-bucket key opens every bucket of the account (its scope is not checked)"
    catches = ("S3-KEY-SCOPE",)
    _KEYS = re.compile(r"^/storage/buckets/([^/]+)/keys$")

    def __init__(self, context: Context) -> None:
        super().__init__(context)
        self.keys_of: dict[str, str] = {}  # bucket -> a key id of it (learned from bucket_keys_create)
        self.bucket_of: dict[str, str] = {}  # key id -> its bucket

    async def handle(self, request: Request, forward: Forward) -> Response:
        prefix = cloudnx_spec.s3_data_plane().path_prefix_on_api_host
        if _on_plane(request):
            bucket = request.path[len(prefix) + 1 :].split("/", 1)[0]
            key_id = parse_authorization(request.header("authorization") or "").get("Credential", "").split("/")[0]
            other = self.keys_of.get(bucket)
            if other and key_id and self.bucket_of.get(key_id) not in (None, bucket) and other in self.ctx.secrets:
                plane = cloudnx_spec.s3_data_plane().signing
                resign(request, other, self.ctx.secrets[other], region=plane.region, service=plane.service)
            return await forward(request)
        response = await forward(request)
        made = self._KEYS.match(request.path)
        record = response.json() if made and request.method == "POST" and response.status == 201 else None
        if made and isinstance(record, dict) and isinstance(record.get("id"), str):
            self.keys_of[made.group(1)] = record["id"]
            self.bucket_of[record["id"]] = made.group(1)
        return response


class S3PresignNeverExpires(_S3Fault):
    """Serves a presigned URL as a header-signed request stamped now, so its X-Amz-Expires is never looked at."""

    name = "s3-presign-never-expires"
    description = "presigned data-plane URLs keep working after expires_in"
    catches = ("S3-PRESIGN-EXPIRY",)

    async def handle(self, request: Request, forward: Forward) -> Response:
        query = request.query
        key_id = query.get("X-Amz-Credential", "").split("/", 1)[0]
        if _on_plane(request) and key_id in self.ctx.secrets:
            rest = [(k, v) for k, v in query.items() if not k.startswith("X-Amz-")]
            request.scope = {**request.scope, "query_string": urlencode(rest).encode()}
            request.set_header("x-amz-content-sha256", hashlib.sha256(request.body).hexdigest())
            request.set_header("x-amz-date", "19700101T000000Z")
            request.set_header("authorization", "AWS4-HMAC-SHA256 SignedHeaders=host;x-amz-content-sha256;x-amz-date")
            plane = cloudnx_spec.s3_data_plane().signing
            resign(
                request, key_id, self.ctx.secrets[key_id], region=plane.region, service=plane.service, keep_date=False
            )
        return await forward(request)
