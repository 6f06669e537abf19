"""The S3 data plane: an ASGI app the platform mounts at ``/s3`` and ``cloudnx-reference --s3-port`` also serves
on a port of its own, at the root (cloudnx_spec.s3_data_plane()), for clients that refuse an endpoint with a path.

Path-style addressing (``/<bucket>/<key>``), and virtual-hosted style when the Host's first label names an
existing bucket; SigV4 (service ``s3``, region ``in-mum``) with per-bucket keys; S3 XML errors. The order of
checks follows S3: an unknown sub-resource is NotImplemented; an unknown bucket is NoSuchBucket before any
signature is looked at (bucket names are public, buckets_create already tells a taken one); then the signature;
then the key's scope (a key of bucket A is AccessDenied on bucket B) and permission (the operations the spec's
``permissions`` list for it). Bodies stream to disk after the signature is checked, never whole into memory.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Awaitable, Callable

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

import cloudnx_spec
from reference_server.platform.core import ServerContext
from reference_server.platform.sigv4 import SignedRequest, SigV4Error, SigV4Verifier
from reference_server.platform.store import Record

from . import s3_multipart as mp
from . import s3_objects as obj
from .blobs import BlobStore
from .common import KIND_BUCKET, KIND_KEY
from .s3_call import S3Call
from .s3_list import get_bucket_location, list_buckets, list_objects, list_objects_v2
from .s3_wire import HEX64, S3Error
from .s3_xml import error_xml

__all__ = ["S3App", "create_s3_app"]

Handler = Callable[[S3Call], Awaitable[Response]]

# Query parameters that select or shape an offered operation. Any other one names a sub-resource or feature
# this data plane does not offer (?acl, ?tagging, ?versionId, ...): NotImplemented, never a plain object request.
_KNOWN_QUERY = frozenset(
    {"list-type", "prefix", "delimiter", "marker", "max-keys", "continuation-token", "start-after", "encoding-type",
     "fetch-owner", "uploads", "uploadId", "partNumber", "max-parts", "part-number-marker", "max-uploads",
     "key-marker", "upload-id-marker", "delete", "location", "x-id", "X-Amz-Algorithm", "X-Amz-Credential",
     "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Security-Token",
     "response-content-type", "response-content-language", "response-expires", "response-cache-control",
     "response-content-disposition", "response-content-encoding"}
)  # fmt: skip


def create_s3_app(ctx: ServerContext) -> S3App:
    """The data plane over the platform's context (same store, clock and settings as the JSON API)."""
    return S3App(ctx, BlobStore(ctx.settings.storage_dir), mounted=True)


class S3App:
    def __init__(self, ctx: ServerContext, blobs: BlobStore, *, mounted: bool) -> None:
        self.ctx = ctx
        self.blobs = blobs
        self.mounted = mounted
        self.plane = cloudnx_spec.s3_data_plane()
        self.verifier = SigV4Verifier(
            service=self.plane.signing.service,
            region=self.plane.signing.region,
            lookup_secret=self._secret,
            clock=ctx.clock,
            skew_seconds=ctx.settings.sigv4_clock_skew_seconds,
            max_expires=cloudnx_spec.lifetimes().presign_max_seconds,
        )

    def standalone(self) -> S3App:
        """The same data plane (same objects) served at the root of a port of its own (``--s3-port``)."""
        return S3App(self.ctx, self.blobs, mounted=False)

    def _secret(self, access_key_id: str) -> str | None:
        record = self.ctx.store.get(KIND_KEY, access_key_id)
        return None if record is None else str(record["_secret"])

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        ended = False

        async def tracked() -> Message:
            nonlocal ended
            message = await receive()
            ended = ended or message["type"] != "http.request" or not message.get("more_body", False)
            return message

        request = Request(scope, tracked)
        request_id = secrets.token_hex(8).upper()
        try:
            response = await self._dispatch(request)
        except (S3Error, ClientDisconnect) as raised:
            exc = raised if isinstance(raised, S3Error) else S3Error("IncompleteBody", "the client went away")
            quiet = request.method == "HEAD" or exc.status == 304
            body = b"" if quiet else error_xml(exc.code, exc.message, request.url.path, request_id)
            response = Response(
                body, exc.status, headers=exc.headers, media_type=None if quiet else "application/xml"
            )
            if not ended:
                # Refused before its body was read: the rest of the body would be read as the next request on this
                # connection, so close it after the answer (as S3 does).
                response.headers["connection"] = "close"
        response.headers["x-amz-request-id"] = request_id
        await response(scope, tracked, send)

    def _locate(self, request: Request) -> tuple[str, str, str]:
        """(bucket, key, wire path): the route below the mount, and the path exactly as signed."""
        scope = request.scope
        path: str = scope["path"]
        root = scope.get("root_path", "") if self.mounted else ""
        if root and (path == root or path.startswith(root + "/")):
            path = path[len(root) :] or "/"
        raw = scope.get("raw_path")
        wire = raw.split(b"?", 1)[0].decode("latin-1") if raw else scope.get("root_path", "") + scope["path"]
        virtual = self._virtual_bucket(request.headers.get("host", ""))
        if virtual is not None:
            return virtual, path[1:], wire
        bucket, _, key = path[1:].partition("/")
        return bucket, key, wire

    def _virtual_bucket(self, host: str) -> str | None:
        """Virtual-hosted style: ``<bucket>.<endpoint host>`` where the first label is an existing bucket."""
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        first, dot, rest = name.partition(".")
        if self.mounted or not dot or not rest:
            return None
        try:
            ipaddress.ip_address(name.strip("[]"))
            return None
        except ValueError:
            pass
        return first if self.ctx.store.get(KIND_BUCKET, first) is not None else None

    async def _dispatch(self, request: Request) -> Response:
        bucket, key, wire_path = self._locate(request)
        unknown = sorted(set(request.query_params) - _KNOWN_QUERY)
        if unknown:
            raise S3Error("NotImplemented", f"the {unknown[0]} sub-resource or parameter is not offered here")
        handler = _route(request, bucket, key)
        if bucket and self.ctx.store.get(KIND_BUCKET, bucket) is None:
            raise S3Error("NoSuchBucket", f"bucket {bucket} does not exist")
        key_record = self._authenticate(request, wire_path)
        if bucket and key_record["bucket_name"] != bucket:
            raise S3Error("AccessDenied", f"this key is scoped to another bucket, not {bucket}")
        return await handler(S3Call(self.ctx, self.blobs, self.plane, request, bucket, key, key_record))

    def _authenticate(self, request: Request, wire_path: str) -> Record:
        headers = request.headers
        declared = headers.get("x-amz-content-sha256")
        signed = SignedRequest(
            method=request.method,
            path=wire_path,
            query=request.scope.get("query_string", b"").decode("latin-1"),
            headers=tuple(headers.items()),
            body=b"",
            body_streamed=declared is not None,
        )
        if not SigV4Verifier.is_sigv4(signed):
            raise S3Error("AccessDenied", "anonymous requests are refused: sign with a bucket key (SigV4)")
        if (declared or "").startswith("STREAMING-AWS4-HMAC-SHA256"):
            raise S3Error("NotImplemented", "signed aws-chunked payloads are not offered; sign the whole payload")
        has_body = headers.get("content-length", "0") != "0" or "transfer-encoding" in headers
        if "authorization" in headers and declared is None and has_body:
            raise S3Error("InvalidRequest", "Missing required header for this request: x-amz-content-sha256")
        if declared is not None and not (
            HEX64.match(declared) or declared.endswith("PAYLOAD") or declared.endswith("TRAILER")
        ):
            raise S3Error(
                "InvalidArgument", "x-amz-content-sha256 must be a hex SHA-256 or an UNSIGNED/STREAMING value"
            )
        try:
            identity = self.verifier.verify(signed)
        except SigV4Error as exc:
            raise S3Error(exc.code, exc.message) from exc
        record = self.ctx.store.get(KIND_KEY, identity.access_key_id)
        if record is None:  # deleted between the signature check and now
            raise S3Error("InvalidAccessKeyId", "the access key id does not exist")
        return record


async def _head_bucket(call: S3Call) -> Response:
    call.may("HeadBucket")
    return Response(status_code=200, headers={"x-amz-bucket-region": call.ctx.settings.region})


async def _list(call: S3Call) -> Response:
    if call.query.get("list-type") == "2":
        call.may("ListObjectsV2")
        return list_objects_v2(call.ctx, call.bucket, call.query)
    if "list-type" in call.query:
        raise S3Error("InvalidArgument", "list-type must be 2 (or absent for ListObjects)")
    call.may("ListObjects")
    return list_objects(call.ctx, call.bucket, call.query)


async def _create_bucket(call: S3Call) -> Response:
    # The bucket exists (NoSuchBucket was answered otherwise) and this key is one of its own: S3's answer for a
    # bucket one already owns. New buckets are made through the storage API (buckets_create).
    raise S3Error("BucketAlreadyOwnedByYou", "your previous request to create the named bucket succeeded")


async def _location(call: S3Call) -> Response:
    call.may("GetBucketLocation")
    return get_bucket_location(call.ctx)


async def _list_buckets(call: S3Call) -> Response:
    call.may("ListBuckets")
    return list_buckets(call.ctx, call.key_record)


_ALLOWED_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE")


def _operation(request: Request, bucket: str, key: str) -> tuple[str, Handler | None]:
    """The S3 operation a request is (by method, addressing and query), and its handler (None: not offered)."""
    method, q, h = request.method, request.query_params, request.headers
    if not bucket:
        return ("ListBuckets", _list_buckets) if method == "GET" else (f"{method} /", None)
    if not key:
        if method == "GET":
            if "uploads" in q:
                return "ListMultipartUploads", mp.list_uploads
            if "location" in q:
                return "GetBucketLocation", _location
            return ("ListObjectsV2" if q.get("list-type") == "2" else "ListObjects"), _list
        bucket_routes: dict[str, tuple[str, Handler | None]] = {
            "HEAD": ("HeadBucket", _head_bucket),
            "PUT": ("CreateBucket", _create_bucket if not q else None),
            "POST": ("DeleteObjects", obj.delete_objects if "delete" in q else None),
            "DELETE": ("DeleteBucket", None),
        }
        return bucket_routes.get(method, (method, None))
    if "uploadId" in q:
        upload_routes: dict[str, tuple[str, Handler]] = {
            "GET": ("ListParts", mp.list_parts),
            "PUT": ("UploadPartCopy" if "x-amz-copy-source" in h else "UploadPart", mp.upload_part),
            "POST": ("CompleteMultipartUpload", mp.complete_upload),
            "DELETE": ("AbortMultipartUpload", mp.abort_upload),
        }
        return upload_routes.get(method, (method, None))
    object_routes: dict[str, tuple[str, Handler | None]] = {
        "GET": ("GetObject", obj.get_object_op),
        "HEAD": ("HeadObject", obj.get_object_op),
        "PUT": ("CopyObject", obj.copy_object) if "x-amz-copy-source" in h else ("PutObject", obj.put_object),
        "POST": ("CreateMultipartUpload", mp.create_upload if "uploads" in q else None),
        "DELETE": ("DeleteObject", obj.delete_object_op),
    }
    if "partNumber" in q and method == "PUT":
        return "UploadPart", None  # a part without its uploadId
    return object_routes.get(method, (method, None))


def _route(request: Request, bucket: str, key: str) -> Handler:
    if request.method not in _ALLOWED_METHODS:
        raise S3Error("MethodNotAllowed", f"{request.method} is not allowed on this resource")
    name, handler = _operation(request, bucket, key)
    # botocore names the operation it means in ?x-id=; a request shaped like an offered operation but meant as
    # another one (ListDirectoryBuckets looks like ListBuckets) must not be answered as the offered one.
    meant = request.query_params.get("x-id")
    if handler is None or (meant is not None and meant != name):
        raise S3Error("NotImplemented", f"{meant or name} is not offered by this data plane")
    return handler
