"""S3's XML bodies beyond errors and listings: what CopyObject, multipart upload, DeleteObjects, ListBuckets and
GetBucketLocation answer, and the two request documents the data plane reads (Delete, CompleteMultipartUpload).

Request documents are parsed with the standard library after refusing any DOCTYPE, so no entity can expand
(the billion-laughs family); their size is bounded by the caller.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from xml.sax.saxutils import escape

from reference_server.platform.store import Record

from .s3_wire import S3Error
from .s3_xml import document, iso_millis

__all__ = [
    "bucket_location_xml",
    "buckets_xml",
    "complete_xml",
    "copy_result_xml",
    "delete_result_xml",
    "initiate_xml",
    "parse_complete",
    "parse_delete",
    "parts_xml",
    "uploads_xml",
]


def _tag(name: str, value: object) -> str:
    return f"<{name}>{escape(str(value))}</{name}>"


def copy_result_xml(root: str, etag: str, last_modified: float) -> bytes:
    """CopyObjectResult (CopyObject) or CopyPartResult (UploadPartCopy)."""
    return document(root, _tag("LastModified", iso_millis(last_modified)), _tag("ETag", etag))


def initiate_xml(bucket: str, key: str, upload_id: str) -> bytes:
    return document(
        "InitiateMultipartUploadResult", _tag("Bucket", bucket), _tag("Key", key), _tag("UploadId", upload_id)
    )


def complete_xml(location: str, bucket: str, key: str, etag: str) -> bytes:
    return document(
        "CompleteMultipartUploadResult",
        _tag("Location", location),
        _tag("Bucket", bucket),
        _tag("Key", key),
        _tag("ETag", etag),
    )


def parts_xml(upload: Record, parts: list[Record], *, marker: int, max_parts: int, truncated: bool) -> bytes:
    inner = [
        _tag("Bucket", upload["bucket"]),
        _tag("Key", upload["key"]),
        _tag("UploadId", upload["id"]),
        _tag("PartNumberMarker", marker),
        _tag("MaxParts", max_parts),
        _tag("IsTruncated", "true" if truncated else "false"),
        _tag("StorageClass", "STANDARD"),
    ]
    if truncated and parts:
        inner.append(_tag("NextPartNumberMarker", parts[-1]["number"]))
    inner += [
        "<Part>"
        + _tag("PartNumber", p["number"])
        + _tag("LastModified", iso_millis(p["last_modified"]))
        + _tag("ETag", p["etag"])
        + _tag("Size", p["size"])
        + "</Part>"
        for p in parts
    ]
    return document("ListPartsResult", *inner)


def uploads_xml(bucket: str, uploads: list[Record], *, prefix: str, max_uploads: int, truncated: bool) -> bytes:
    inner = [
        _tag("Bucket", bucket),
        _tag("KeyMarker", ""),
        _tag("UploadIdMarker", ""),
        _tag("Prefix", prefix),
        _tag("MaxUploads", max_uploads),
        _tag("IsTruncated", "true" if truncated else "false"),
    ]
    if truncated and uploads:
        inner += [_tag("NextKeyMarker", uploads[-1]["key"]), _tag("NextUploadIdMarker", uploads[-1]["id"])]
    inner += [
        "<Upload>"
        + _tag("Key", u["key"])
        + _tag("UploadId", u["id"])
        + _tag("Initiated", iso_millis(u["initiated"]))
        + _tag("StorageClass", "STANDARD")
        + "</Upload>"
        for u in uploads
    ]
    return document("ListMultipartUploadsResult", *inner)


def delete_result_xml(deleted: Iterable[str], errors: Iterable[tuple[str, str, str]], quiet: bool) -> bytes:
    inner = [] if quiet else [f"<Deleted>{_tag('Key', key)}</Deleted>" for key in deleted]
    inner += [f"<Error>{_tag('Key', k)}{_tag('Code', c)}{_tag('Message', m)}</Error>" for k, c, m in errors]
    return document("DeleteResult", *inner)


def buckets_xml(buckets: list[Record], owner: str) -> bytes:
    items = "".join(
        f"<Bucket>{_tag('Name', b['name'])}{_tag('CreationDate', b['created_at'])}</Bucket>" for b in buckets
    )
    return document(
        "ListAllMyBucketsResult",
        f"<Owner>{_tag('ID', owner)}{_tag('DisplayName', owner)}</Owner>",
        f"<Buckets>{items}</Buckets>",
    )


def bucket_location_xml(region: str) -> bytes:
    return document("LocationConstraint", escape(region))


def _parse(body: bytes, root: str) -> ET.Element:
    if b"<!DOCTYPE" in body.upper() or b"<!ENTITY" in body.upper():
        raise S3Error("MalformedXML", "the XML you provided declares a DOCTYPE, which is not allowed")
    try:
        element = ET.fromstring(body)  # noqa: S314 - no DOCTYPE, so no entity expansion; size bounded by caller
    except ET.ParseError as exc:
        raise S3Error("MalformedXML", "the XML you provided was not well-formed") from exc
    if _local(element.tag) != root:
        raise S3Error("MalformedXML", f"the XML document must be a <{root}>")
    return element


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _text(element: ET.Element, name: str) -> str | None:
    found = _children(element, name)
    return None if not found else (found[0].text or "")


def parse_delete(body: bytes, max_keys: int) -> tuple[list[str], bool]:
    """The keys of a Delete document and its Quiet flag; versioned deletes are not offered."""
    root = _parse(body, "Delete")
    keys: list[str] = []
    for item in _children(root, "Object"):
        key = _text(item, "Key")
        if not key:
            raise S3Error("MalformedXML", "every <Object> needs a <Key>")
        if _text(item, "VersionId") is not None:
            raise S3Error("NotImplemented", "versioning is not offered: <VersionId> cannot be deleted")
        keys.append(key)
    if not keys or len(keys) > max_keys:
        raise S3Error("MalformedXML", f"a Delete names 1 to {max_keys} objects")
    return keys, (_text(root, "Quiet") or "").strip().lower() == "true"


def parse_complete(body: bytes) -> list[tuple[int, str]]:
    """(part number, ETag) of each <Part> of a CompleteMultipartUpload document, in document order."""
    root = _parse(body, "CompleteMultipartUpload")
    parts: list[tuple[int, str]] = []
    for item in _children(root, "Part"):
        number, etag = _text(item, "PartNumber"), _text(item, "ETag")
        if not number or not number.strip().isdigit() or etag is None:
            raise S3Error("MalformedXML", "every <Part> needs a <PartNumber> and an <ETag>")
        parts.append((int(number), etag.strip()))
    if not parts:
        raise S3Error("MalformedXML", "a CompleteMultipartUpload names at least one part")
    return parts
