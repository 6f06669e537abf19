"""S3 data-plane faults: one broken everyday operation each, as a careless S3-compatible target would have it.

A fault that changes a signed request re-signs it with the key's secret, which the context learned from
``bucket_keys_create`` (shown once): the target then accepts the broken request as its client's own.
"""

from __future__ import annotations

import base64
import hashlib
import re
import zlib

import cloudnx_spec
from killmatrix.fault import Fault
from killmatrix.sigv4 import parse_authorization, resign
from killmatrix.wire import Forward, Request, Response

__all__ = ["S3BatchDeleteFirstOnly", "S3CopyWritesNothing", "S3ListTruncationLost", "S3MultipartPartDropped",
           "S3PreconditionIgnored"]  # fmt: skip

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
