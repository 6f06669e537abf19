"""S3's XML bodies: the error document and the ListObjectsV2 result (AWS S3 API reference, 2006-03-01).

Kept apart from the ASGI app so the shapes can be tested without a server and read in one place.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import quote
from xml.sax.saxutils import escape

from reference_server.platform.store import Record

from .listing import Page

__all__ = ["ERROR_STATUS", "NS", "document", "error_xml", "http_date", "iso_millis", "list_v1_xml", "list_v2_xml"]

NS = "http://s3.amazonaws.com/doc/2006-03-01/"
_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'

# HTTP status of each S3 error code the data plane answers (cloudnx_spec.s3_data_plane().errors).
ERROR_STATUS = {
    "AccessDenied": 403,
    "SignatureDoesNotMatch": 403,
    "RequestTimeTooSkewed": 403,
    "InvalidAccessKeyId": 403,
    "NoSuchKey": 404,
    "NoSuchBucket": 404,
    "AuthorizationHeaderMalformed": 400,
    "AuthorizationQueryParametersError": 400,
    "InvalidRequest": 400,
    "InvalidArgument": 400,
    "EntityTooLarge": 400,
    "BadDigest": 400,
    "MethodNotAllowed": 405,
    "InvalidRange": 416,
    "KeyTooLongError": 400,
    "NotImplemented": 501,
    "NotModified": 304,
    "PreconditionFailed": 412,
    "NoSuchUpload": 404,
    "InvalidPart": 400,
    "InvalidPartOrder": 400,
    "EntityTooSmall": 400,
    "MalformedXML": 400,
    "InvalidDigest": 400,
    "IncompleteBody": 400,
    "XAmzContentSHA256Mismatch": 400,
    "BucketAlreadyOwnedByYou": 409,
}


def error_xml(code: str, message: str, resource: str, request_id: str) -> bytes:
    body = (
        f"<Error><Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
        f"<Resource>{escape(resource)}</Resource><RequestId>{escape(request_id)}</RequestId></Error>"
    )
    return (_DECL + body).encode()


def document(root: str, *inner: str) -> bytes:
    """``<root xmlns=S3>inner...</root>`` with the XML declaration, as S3 answers every XML body."""
    return (_DECL + f'<{root} xmlns="{NS}">' + "".join(inner) + f"</{root}>").encode()


def iso_millis(timestamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp)) + f".{int(timestamp * 1000) % 1000:03d}Z"


def http_date(timestamp: float) -> str:
    """RFC 9110 IMF-fixdate, as S3 sends Last-Modified."""
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(timestamp))


def list_v2_xml(
    *,
    bucket: str,
    page: Page,
    objects: dict[str, Record],
    prefix: str,
    delimiter: str,
    max_keys: int,
    start_after: str,
    token: str | None,
    url_encode: bool,
) -> bytes:
    def enc(value: str) -> str:
        # encoding-type=url: botocore asks for it by default and unquotes Key, Prefix, Delimiter and StartAfter.
        return escape(quote(value, safe="/") if url_encode else value)

    parts = [
        f'<ListBucketResult xmlns="{NS}">',
        f"<Name>{escape(bucket)}</Name>",
        f"<Prefix>{enc(prefix)}</Prefix>",
        f"<KeyCount>{len(page.keys) + len(page.common_prefixes)}</KeyCount>",
        f"<MaxKeys>{max_keys}</MaxKeys>",
    ]
    if delimiter:
        parts.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    parts.append(f"<IsTruncated>{'true' if page.truncated else 'false'}</IsTruncated>")
    if token:
        parts.append(f"<ContinuationToken>{escape(token)}</ContinuationToken>")
    if page.next_token:
        parts.append(f"<NextContinuationToken>{escape(page.next_token)}</NextContinuationToken>")
    if start_after:
        parts.append(f"<StartAfter>{enc(start_after)}</StartAfter>")
    if url_encode:
        parts.append("<EncodingType>url</EncodingType>")
    parts += _entries(page, objects, enc)
    parts.append("</ListBucketResult>")
    return (_DECL + "".join(parts)).encode()


def _entries(page: Page, objects: dict[str, Record], enc: Callable[[str], str]) -> list[str]:
    out = [
        f"<Contents><Key>{enc(key)}</Key><LastModified>{iso_millis(objects[key]['last_modified'])}</LastModified>"
        f"<ETag>{escape(objects[key]['etag'])}</ETag><Size>{objects[key]['size']}</Size>"
        "<StorageClass>STANDARD</StorageClass></Contents>"
        for key in page.keys
    ]
    out += [f"<CommonPrefixes><Prefix>{enc(common)}</Prefix></CommonPrefixes>" for common in page.common_prefixes]
    return out


def list_v1_xml(
    *,
    bucket: str,
    page: Page,
    objects: dict[str, Record],
    prefix: str,
    delimiter: str,
    max_keys: int,
    marker: str,
    next_marker: str | None,
    url_encode: bool,
) -> bytes:
    """ListObjects (v1): Marker in, NextMarker out (S3 sends it only when a delimiter was given)."""

    def enc(value: str) -> str:
        return escape(quote(value, safe="/") if url_encode else value)

    parts = [
        f'<ListBucketResult xmlns="{NS}">',
        f"<Name>{escape(bucket)}</Name>",
        f"<Prefix>{enc(prefix)}</Prefix>",
        f"<Marker>{enc(marker)}</Marker>",
        f"<MaxKeys>{max_keys}</MaxKeys>",
    ]
    if delimiter:
        parts.append(f"<Delimiter>{enc(delimiter)}</Delimiter>")
    parts.append(f"<IsTruncated>{'true' if page.truncated else 'false'}</IsTruncated>")
    if next_marker is not None:
        parts.append(f"<NextMarker>{enc(next_marker)}</NextMarker>")
    if url_encode:
        parts.append("<EncodingType>url</EncodingType>")
    parts += _entries(page, objects, enc)
    parts.append("</ListBucketResult>")
    return (_DECL + "".join(parts)).encode()
