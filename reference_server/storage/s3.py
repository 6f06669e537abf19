"""The S3 data plane: an ASGI app the platform mounts at ``/s3`` (x-cloudnx-s3-data-plane).

Path-style addressing (``/s3/<bucket>/<key>``), SigV4 (service ``s3``, region ``in-mum``) with per-bucket keys,
S3 XML errors. Offered: PutObject, GetObject (with a single byte range), HeadObject, DeleteObject,
ListObjectsV2 and HeadBucket. The order of checks follows S3: an unknown bucket is NoSuchBucket before any
signature is looked at (bucket names are public, buckets_create already tells a taken one); then the signature;
then the key's scope (a key of bucket A is AccessDenied on bucket B) and permission (``read`` keys only read).
"""

from __future__ import annotations

import secrets

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

import cloudnx_spec
from reference_server.platform.core import ServerContext
from reference_server.platform.sigv4 import SignedRequest, SigV4Error, SigV4Verifier
from reference_server.platform.store import Record

from .common import KIND_BUCKET, KIND_KEY, data_plane
from .objects import NewObject, ObjectTooLarge, delete_object, get_object, max_object_bytes, put_object
from .s3_list import list_objects_v2
from .s3_wire import S3Error, check_digests, decode_aws_chunked, parse_range, read_body
from .s3_xml import error_xml, http_date

__all__ = ["create_s3_app"]

# Sub-resources of S3 this data plane does not offer: answered NotImplemented, as S3 does for unknown features,
# rather than silently treated as a plain object request.
_UNSUPPORTED = frozenset(
    {"acl", "tagging", "uploads", "uploadId", "partNumber", "versionId", "versioning", "versions", "location",
     "policy", "cors", "lifecycle", "website", "delete", "restore", "select", "torrent", "legal-hold", "retention",
     "attributes", "encryption", "logging", "notification", "replication", "requestPayment", "ownershipControls"}
)  # fmt: skip
_READS = ("GET", "HEAD")
_OBJECT_METHODS = ("GET", "HEAD", "PUT", "DELETE")
_DEFAULT_CONTENT_TYPE = "binary/octet-stream"


def create_s3_app(ctx: ServerContext) -> ASGIApp:
    """The data plane over the platform's context (same store, clock and settings as the JSON API)."""
    return S3App(ctx)


class S3App:
    def __init__(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        signing = data_plane()["signing"]

        self.prefix = str(data_plane()["path_prefix_on_api_host"])
        self.verifier = SigV4Verifier(
            service=signing["service"],
            region=signing["region"],
            lookup_secret=self._secret,
            clock=ctx.clock,
            skew_seconds=ctx.settings.sigv4_clock_skew_seconds,
            max_expires=cloudnx_spec.lifetimes().presign_max_seconds,
        )

    def _secret(self, access_key_id: str) -> str | None:
        record = self.ctx.store.get(KIND_KEY, access_key_id)
        return None if record is None else str(record["_secret"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        request_id = secrets.token_hex(8).upper()
        try:
            response = await self._dispatch(request)
        except S3Error as exc:
            body = b"" if request.method == "HEAD" else error_xml(exc.code, exc.message, request.url.path, request_id)
            response = Response(body, exc.status, media_type="application/xml")
            if request.method == "HEAD":
                response.headers["content-length"] = "0"
        response.headers["x-amz-request-id"] = request_id
        await response(scope, receive, send)

    def _locate(self, scope: Scope) -> tuple[str, str, str]:
        """(bucket, key, wire path): the route below the mount, and the path exactly as signed."""
        path: str = scope["path"]
        root = scope.get("root_path", "")
        for mount in (root, self.prefix):
            if mount and (path == mount or path.startswith(mount + "/")):
                path = path[len(mount) :] or "/"
                break
        bucket, _, key = path[1:].partition("/") if path.startswith("/") else path.partition("/")
        raw = scope.get("raw_path")
        wire = raw.split(b"?", 1)[0].decode("latin-1") if raw else scope.get("root_path", "") + scope["path"]
        return bucket, key, wire

    async def _dispatch(self, request: Request) -> Response:
        bucket_name, key, wire_path = self._locate(request.scope)
        method = request.method
        if not bucket_name:
            raise S3Error("InvalidRequest", "name a bucket: keys are per bucket, so ListBuckets is not offered")
        unsupported = sorted(set(request.query_params) & _UNSUPPORTED)
        if unsupported:
            raise S3Error("NotImplemented", f"the {unsupported[0]} sub-resource is not offered by this data plane")
        if self.ctx.store.get(KIND_BUCKET, bucket_name) is None:
            raise S3Error("NoSuchBucket", f"bucket {bucket_name} does not exist")
        allowed = _OBJECT_METHODS if key else _READS
        if method not in allowed:
            raise S3Error("MethodNotAllowed", f"{method} is not allowed on this resource")
        body = await read_body(request, max_object_bytes())
        key_record = self._authenticate(request, wire_path, body)
        if key_record["bucket_name"] != bucket_name:
            raise S3Error("AccessDenied", f"this key is scoped to another bucket, not {bucket_name}")
        if method not in _READS and key_record["permission"] != "read-write":
            raise S3Error("AccessDenied", "this key is read-only")
        # Re-read after the awaits above: the bucket may have been deleted meanwhile.
        bucket = self.ctx.store.get(KIND_BUCKET, bucket_name)
        if bucket is None:
            raise S3Error("NoSuchBucket", f"bucket {bucket_name} does not exist")
        if not key:
            if method == "HEAD":
                return Response(status_code=200)
            return list_objects_v2(self.ctx, bucket_name, request.query_params)
        if method == "PUT":
            if len(key.encode()) > int(data_plane()["max_key_bytes"]):
                raise S3Error("KeyTooLongError", "your key is too long")
            return self._put(request, bucket, key, body)
        if method == "DELETE":
            delete_object(self.ctx, bucket, key)
            return Response(status_code=204)
        return self._get(request, bucket_name, key)

    def _authenticate(self, request: Request, wire_path: str, body: bytes) -> Record:
        signed = SignedRequest(
            method=request.method,
            path=wire_path,
            query=request.scope.get("query_string", b"").decode("latin-1"),
            headers=tuple(request.headers.items()),
            body=body,
        )
        if not SigV4Verifier.is_sigv4(signed):
            raise S3Error("AccessDenied", "anonymous requests are refused: sign with a bucket key (SigV4)")
        if request.headers.get("x-amz-content-sha256", "").startswith("STREAMING-AWS4-HMAC-SHA256"):
            raise S3Error("NotImplemented", "signed aws-chunked payloads are not offered; sign the whole payload")
        try:
            identity = self.verifier.verify(signed)
        except SigV4Error as exc:
            raise S3Error(exc.code, exc.message) from exc
        record = self.ctx.store.get(KIND_KEY, identity.access_key_id)
        if record is None:  # deleted between the signature check and now
            raise S3Error("InvalidAccessKeyId", "the access key id does not exist")
        return record

    def _put(self, request: Request, bucket: Record, key: str, body: bytes) -> Response:
        headers = dict(request.headers)
        chunked = "aws-chunked" in headers.get("content-encoding", "") or headers.get(
            "x-amz-content-sha256", ""
        ).startswith("STREAMING-")
        if chunked:
            body, trailers = decode_aws_chunked(body)
            headers.update(trailers)
        check_digests(body, headers)
        content_type = headers.get("content-type") or _DEFAULT_CONTENT_TYPE
        metadata = {k[len("x-amz-meta-") :]: v for k, v in headers.items() if k.startswith("x-amz-meta-")}
        try:
            stored = put_object(self.ctx, bucket, key, NewObject(body, content_type, metadata))
        except ObjectTooLarge as exc:
            raise S3Error(exc.code, exc.message) from exc
        echoed = {k: v for k, v in headers.items() if k.startswith("x-amz-checksum-") and k != "x-amz-checksum-mode"}
        return Response(status_code=200, headers={"ETag": stored["etag"], **echoed})

    def _get(self, request: Request, bucket_name: str, key: str) -> Response:
        obj = get_object(self.ctx, bucket_name, key)
        if obj is None:
            raise S3Error("NoSuchKey", "the specified key does not exist")
        data: bytes = obj["_data"]
        headers = {
            "ETag": obj["etag"],
            "Last-Modified": http_date(obj["last_modified"]),
            "Accept-Ranges": "bytes",
            # Set as a header, not media_type: Starlette would append a charset to text/* and change what was stored.
            "Content-Type": obj["content_type"],
            **{f"x-amz-meta-{k}": v for k, v in obj["metadata"].items()},
        }
        status = 200
        wanted = request.headers.get("range")
        span = parse_range(wanted, len(data)) if wanted else None
        if span is not None:
            start, end = span
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            data, status = data[start : end + 1], 206
        if request.method == "HEAD":
            response = Response(b"", status, headers=headers)
            response.headers["content-length"] = str(len(data))
            return response
        return Response(data, status, headers=headers)
