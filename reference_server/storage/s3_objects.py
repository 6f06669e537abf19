"""Object operations: GetObject / HeadObject (ranges, conditions, response-* overrides), PutObject, CopyObject,
DeleteObject and DeleteObjects.

CopyObject never writes anything but the source's bytes: it links the source's immutable file, so a copy onto
the same key (MetadataDirective REPLACE, as ``aws s3 cp --metadata``/rclone's mtime updates do) keeps the data.
"""

from __future__ import annotations

from starlette.responses import Response, StreamingResponse

from .objects import Stored, delete_object, get_object, place_object
from .s3_call import S3Call, content_headers, copy_source, user_metadata
from .s3_conditions import check_copy_source, check_read, check_write
from .s3_wire import S3Error, parse_range, receive_body, wanted_checksums
from .s3_xml import http_date
from .s3_xml_ops import copy_result_xml, delete_result_xml, parse_delete

__all__ = ["copy_object", "delete_object_op", "delete_objects", "get_object_op", "put_object"]

_XML = "application/xml"
_DELETE_BODY_BYTES = 2 * 1024 * 1024  # 1000 keys of 1024 bytes, XML-escaped, fit with room to spare
_DELETE_MAX_KEYS = 1000
# Response header overrides a GET may ask for (S3 GetObject request parameters response-*).
_OVERRIDES = {f"response-{h}": h for h in ("content-type", "content-language", "expires", "cache-control",
                                           "content-disposition", "content-encoding")}  # fmt: skip
# Request headers asking for behaviour this data plane does not offer: refused, never silently dropped.
_REFUSED_HEADERS = ("x-amz-server-side-encryption-customer-algorithm", "x-amz-tagging", "x-amz-object-lock-mode",
                    "x-amz-object-lock-retain-until-date", "x-amz-object-lock-legal-hold",
                    "x-amz-website-redirect-location", "x-amz-grant-read", "x-amz-grant-full-control",
                    "x-amz-grant-read-acp", "x-amz-grant-write-acp")  # fmt: skip


def refuse_unoffered(call: S3Call) -> None:
    """NotImplemented for headers whose meaning this data plane cannot honour (SSE-C, tags, object lock, ACLs)."""
    for name in _REFUSED_HEADERS:
        if name in call.headers:
            raise S3Error("NotImplemented", f"the {name} header is not offered by this data plane")
    acl = call.headers.get("x-amz-acl")
    if acl is not None and acl != "private":
        raise S3Error("NotImplemented", "only the private canned ACL is offered (objects are never public)")
    storage_class = call.headers.get("x-amz-storage-class")
    if storage_class is not None and storage_class != "STANDARD":
        raise S3Error("NotImplemented", "only the STANDARD storage class is offered")


def check_key(call: S3Call) -> None:
    if len(call.key.encode()) > call.plane.max_key_bytes:
        raise S3Error("KeyTooLongError", "your key is too long")


async def get_object_op(call: S3Call) -> Response:
    head = call.request.method == "HEAD"
    call.may("HeadObject" if head else "GetObject")
    if "partNumber" in call.query:
        raise S3Error("NotImplemented", "reading one part of an object (partNumber) is not offered; use Range")
    obj = get_object(call.ctx, call.bucket, call.key)
    if obj is None:
        raise S3Error("NoSuchKey", "the specified key does not exist")
    check_read(call.headers, obj)
    size = obj["size"]
    headers = {
        "ETag": obj["etag"],
        "Last-Modified": http_date(obj["last_modified"]),
        "Accept-Ranges": "bytes",
        # Content-Type is a plain header, not media_type: Starlette would append a charset to text/*.
        **{name.title(): value for name, value in obj["headers"].items()},
        **{f"x-amz-meta-{k}": v for k, v in obj["metadata"].items()},
    }
    for parameter, header in _OVERRIDES.items():
        if parameter in call.query:
            headers[header.title()] = call.query[parameter]
    status, start, length = 200, 0, size
    wanted = call.headers.get("range")
    span = parse_range(wanted, size) if wanted else None
    if span is not None:
        start, end = span
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        status, length = 206, end - start + 1
    headers["Content-Length"] = str(length)
    if head:
        return Response(b"", status, headers=headers)
    return StreamingResponse(call.blobs.read(obj["_file"], start, length), status, headers=headers)


async def put_object(call: S3Call) -> Response:
    call.may("PutObject")
    check_key(call)
    refuse_unoffered(call)
    check_write(call.headers, get_object(call.ctx, call.bucket, call.key))
    blob = await receive_body(call.request, call.blobs, call.plane.max_put_bytes)
    try:
        # Judged again once the body is in: another write may have landed meanwhile (If-None-Match: *).
        check_write(call.headers, get_object(call.ctx, call.bucket, call.key))
    except S3Error:
        call.blobs.discard(blob)
        raise
    stored = Stored(
        file=call.blobs.commit(blob),
        size=blob.size,
        # A single-part upload's ETag is the hex MD5 of its bytes (S3 semantics, not a security use).
        etag=f'"{blob.md5_hex}"',
        headers=content_headers(call.headers),
        metadata=user_metadata(call.headers),
    )
    place_object(call.ctx, call.blobs, call.bucket, call.key, stored)
    echoed = {f"x-amz-checksum-{a}": blob.digests.checksum(a) or "" for a in wanted_checksums(call.request)}
    return Response(status_code=200, headers={"ETag": stored.etag, **echoed})


async def copy_object(call: S3Call) -> Response:
    call.may("CopyObject")
    check_key(call)
    refuse_unoffered(call)
    source = copy_source(call)
    check_copy_source(call.headers, source)
    directive = call.headers.get("x-amz-metadata-directive", "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise S3Error("InvalidArgument", "x-amz-metadata-directive must be COPY or REPLACE")
    if (source["bucket"], source["key"]) == (call.bucket, call.key) and directive == "COPY":
        raise S3Error(
            "InvalidRequest",
            "This copy request is illegal because it is trying to copy an object to itself without changing the "
            "object's metadata, storage class, website redirect location or encryption attributes.",
        )
    check_write(call.headers, get_object(call.ctx, call.bucket, call.key))
    try:
        file = await call.blobs.duplicate(source["_file"])
    except FileNotFoundError as exc:  # the source was replaced or deleted while being copied
        raise S3Error("NoSuchKey", "the copy source does not exist") from exc
    replace = directive == "REPLACE"
    stored = Stored(
        file=file,
        size=source["size"],
        etag=source["etag"],
        headers=content_headers(call.headers) if replace else source["headers"],
        metadata=user_metadata(call.headers) if replace else source["metadata"],
        parts=source["parts"],
    )
    record = place_object(call.ctx, call.blobs, call.bucket, call.key, stored)
    body = copy_result_xml("CopyObjectResult", record["etag"], record["last_modified"])
    return Response(body, 200, media_type=_XML)


async def delete_object_op(call: S3Call) -> Response:
    call.may("DeleteObject")
    delete_object(call.ctx, call.blobs, call.bucket, call.key)
    return Response(status_code=204)


async def delete_objects(call: S3Call) -> Response:
    call.may("DeleteObjects")
    if "content-md5" not in call.headers and not wanted_checksums(call.request):
        raise S3Error("InvalidRequest", "DeleteObjects needs a Content-MD5 or x-amz-checksum-* header")
    blob = await receive_body(call.request, call.blobs, _DELETE_BODY_BYTES)
    try:
        document = blob.path.read_bytes()
    finally:
        call.blobs.discard(blob)
    keys, quiet = parse_delete(document, _DELETE_MAX_KEYS)
    for key in keys:
        delete_object(call.ctx, call.blobs, call.bucket, key)
    return Response(delete_result_xml(keys, [], quiet), 200, media_type=_XML)
