"""Multipart upload: CreateMultipartUpload, UploadPart, UploadPartCopy, CompleteMultipartUpload,
AbortMultipartUpload, ListParts and ListMultipartUploads.

An upload is a record of kind ``s3_upload`` (its id is the UploadId) whose parts are committed files of the blob
store. Completing checks what S3 checks (parts named in ascending order, each known with the ETag given, every
part but the last at least ``multipart.min_part_bytes``), joins the parts into one new file and gives the object
S3's multipart ETag: the MD5 of the concatenated binary MD5s of the parts, a dash, and the number of parts.
"""

from __future__ import annotations

import hashlib
import secrets

from starlette.responses import Response

from reference_server.platform.store import Record

from .objects import Stored, get_object, place_object
from .s3_call import S3Call, content_headers, copy_source, user_metadata
from .s3_conditions import check_copy_source, check_write
from .s3_objects import check_key, refuse_unoffered
from .s3_wire import S3Error, parse_range, receive_body
from .s3_xml_ops import complete_xml, copy_result_xml, initiate_xml, parse_complete, parts_xml, uploads_xml

__all__ = [
    "KIND_UPLOAD",
    "abort_upload",
    "complete_upload",
    "create_upload",
    "list_parts",
    "list_uploads",
    "upload_part",
]

KIND_UPLOAD = "s3_upload"
_XML = "application/xml"
_COMPLETE_BODY_BYTES = 4 * 1024 * 1024  # 10,000 <Part> entries of ~100 bytes each, with room to spare


def _limits(call: S3Call) -> tuple[int, int, int]:
    rules = call.plane.multipart
    return rules.min_part_bytes, rules.max_part_bytes, rules.max_parts


def _upload(call: S3Call) -> Record:
    upload = call.ctx.store.get(KIND_UPLOAD, call.query["uploadId"])
    if upload is None or upload["bucket"] != call.bucket or upload["key"] != call.key:
        raise S3Error("NoSuchUpload", "the specified multipart upload does not exist (aborted or completed?)")
    return upload


def _forget(call: S3Call, upload: Record) -> None:
    call.ctx.store.delete(KIND_UPLOAD, upload["id"])
    for part in upload["_parts"].values():
        call.blobs.drop(part["file"])


async def create_upload(call: S3Call) -> Response:
    call.may("CreateMultipartUpload")
    check_key(call)
    refuse_unoffered(call)
    upload_id = secrets.token_urlsafe(24)
    call.ctx.store.insert(
        KIND_UPLOAD,
        {
            "id": upload_id,
            "account_id": call.key_record["account_id"],
            "bucket": call.bucket,
            "key": call.key,
            "initiated": call.ctx.clock(),
            "headers": content_headers(call.headers),
            "metadata": user_metadata(call.headers),
            "_parts": {},
        },
    )
    return Response(initiate_xml(call.bucket, call.key, upload_id), 200, media_type=_XML)


def _part_number(call: S3Call) -> int:
    raw = call.query.get("partNumber", "")
    _, _, max_parts = _limits(call)
    if not raw.isdigit() or not 1 <= int(raw) <= max_parts:
        raise S3Error("InvalidArgument", f"partNumber must be an integer from 1 to {max_parts}")
    return int(raw)


def _keep_part(call: S3Call, number: int, file: str, size: int, md5: bytes) -> str:
    """Record a received part (after every await: the upload may have been aborted meanwhile)."""
    try:
        upload = _upload(call)
    except S3Error:
        call.blobs.drop(file)
        raise
    parts = dict(upload["_parts"])
    old = parts.get(str(number))
    etag = f'"{md5.hex()}"'
    parts[str(number)] = {"number": number, "file": file, "size": size, "etag": etag, "md5": md5.hex(),
                          "last_modified": call.ctx.clock()}  # fmt: skip
    call.ctx.store.update(KIND_UPLOAD, upload["id"], _parts=parts)
    if old is not None:
        call.blobs.drop(old["file"])
    return etag


async def upload_part(call: S3Call) -> Response:
    call.may("UploadPart")
    number = _part_number(call)
    _upload(call)
    if "x-amz-copy-source" in call.headers:
        return await _upload_part_copy(call, number)
    _, max_part, _ = _limits(call)
    blob = await receive_body(call.request, call.blobs, max_part)
    etag = _keep_part(call, number, call.blobs.commit(blob), blob.size, blob.digests.md5.digest())
    return Response(status_code=200, headers={"ETag": etag})


async def _upload_part_copy(call: S3Call, number: int) -> Response:
    call.may("UploadPartCopy")
    source = copy_source(call)
    check_copy_source(call.headers, source)
    wanted = call.headers.get("x-amz-copy-source-range")
    start, end = 0, source["size"] - 1
    if wanted:
        span = parse_range(wanted, source["size"])
        if span is None or not wanted.strip().startswith("bytes=") or wanted.strip()[6:7] == "-":
            raise S3Error("InvalidArgument", "x-amz-copy-source-range must be bytes=first-last")
        start, end = span
    try:
        blob = await call.blobs.concatenate([(source["_file"], start, max(end - start + 1, 0))])
    except FileNotFoundError as exc:
        raise S3Error("NoSuchKey", "the copy source does not exist") from exc
    etag = _keep_part(call, number, call.blobs.commit(blob), blob.size, blob.digests.md5.digest())
    return Response(copy_result_xml("CopyPartResult", etag, call.ctx.clock()), 200, media_type=_XML)


def _chosen_parts(call: S3Call, upload: Record, wanted: list[tuple[int, str]]) -> list[Record]:
    min_part, _, _ = _limits(call)
    numbers = [n for n, _ in wanted]
    if numbers != sorted(set(numbers)):
        raise S3Error("InvalidPartOrder", "the list of parts was not in ascending order")
    chosen: list[Record] = []
    for number, etag in wanted:
        part = upload["_parts"].get(str(number))
        if part is None or part["etag"].strip('"') != etag.strip('"'):
            raise S3Error("InvalidPart", f"part {number} was not uploaded, or its ETag is not {etag}")
        chosen.append(part)
    for part in chosen[:-1]:
        if part["size"] < min_part:
            raise S3Error("EntityTooSmall", f"part {part['number']} is smaller than the minimum of {min_part} bytes")
    if sum(p["size"] for p in chosen) > call.plane.max_object_bytes:
        raise S3Error("EntityTooLarge", f"an object is limited to {call.plane.max_object_bytes} bytes")
    return chosen


async def complete_upload(call: S3Call) -> Response:
    call.may("CompleteMultipartUpload")
    _upload(call)
    blob = await receive_body(call.request, call.blobs, _COMPLETE_BODY_BYTES)
    try:
        document = blob.path.read_bytes()
    finally:
        call.blobs.discard(blob)
    upload = _upload(call)
    chosen = _chosen_parts(call, upload, parse_complete(document))
    check_write(call.headers, get_object(call.ctx, call.bucket, call.key))
    joined = await call.blobs.concatenate([(p["file"], 0, p["size"]) for p in chosen])
    try:
        upload = _upload(call)  # aborted while the parts were being joined?
        check_write(call.headers, get_object(call.ctx, call.bucket, call.key))
    except S3Error:
        call.blobs.discard(joined)
        raise
    # S3's multipart ETag (not a security use of MD5): md5(md5(part 1) || ... || md5(part N)) "-" N.
    digest = hashlib.md5(b"".join(bytes.fromhex(p["md5"]) for p in chosen), usedforsecurity=False).hexdigest()
    etag = f'"{digest}-{len(chosen)}"'
    stored = Stored(call.blobs.commit(joined), joined.size, etag, upload["headers"], upload["metadata"], len(chosen))
    place_object(call.ctx, call.blobs, call.bucket, call.key, stored)
    _forget(call, upload)
    location = f"{call.request.base_url}{call.bucket}/{call.key}"
    return Response(complete_xml(location, call.bucket, call.key, etag), 200, media_type=_XML)


async def abort_upload(call: S3Call) -> Response:
    call.may("AbortMultipartUpload")
    _forget(call, _upload(call))
    return Response(status_code=204)


def _count(call: S3Call, name: str, default: int, ceiling: int) -> int:
    raw = call.query.get(name, str(default))
    if not raw.isdigit():
        raise S3Error("InvalidArgument", f"{name} must be a non-negative integer")
    return min(int(raw), ceiling)


async def list_parts(call: S3Call) -> Response:
    call.may("ListParts")
    upload = _upload(call)
    max_parts = _count(call, "max-parts", 1000, 1000)
    marker = _count(call, "part-number-marker", 0, _limits(call)[2])
    parts = sorted((p for p in upload["_parts"].values() if p["number"] > marker), key=lambda p: p["number"])
    page = parts[:max_parts]
    body = parts_xml(upload, page, marker=marker, max_parts=max_parts, truncated=len(parts) > max_parts)
    return Response(body, 200, media_type=_XML)


async def list_uploads(call: S3Call) -> Response:
    call.may("ListMultipartUploads")
    prefix = call.query.get("prefix", "")
    max_uploads = _count(call, "max-uploads", 1000, 1000)
    key_marker = call.query.get("key-marker", "")
    rows = call.ctx.store.scan(
        KIND_UPLOAD,
        None,
        lambda r: r["bucket"] == call.bucket and r["key"].startswith(prefix) and r["key"] > key_marker,
    )
    rows.sort(key=lambda r: (r["key"].encode(), r["initiated"]))
    body = uploads_xml(call.bucket, rows[:max_uploads], prefix=prefix, max_uploads=max_uploads,
                       truncated=len(rows) > max_uploads)  # fmt: skip
    return Response(body, 200, media_type=_XML)
