"""Listing on the data plane: ListObjects (v1, marker paging), ListObjectsV2 (continuation tokens), ListBuckets
(the buckets the signing key may see: its own) and GetBucketLocation. Query parameters are checked as S3 checks
them; keys and common prefixes count together against max-keys.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from reference_server.platform.core import ServerContext
from reference_server.platform.store import Record

from .common import KIND_BUCKET
from .listing import BadToken, list_page
from .objects import keys_of
from .s3_wire import S3Error
from .s3_xml import list_v1_xml, list_v2_xml
from .s3_xml_ops import bucket_location_xml, buckets_xml

__all__ = ["get_bucket_location", "list_buckets", "list_objects", "list_objects_v2"]

_MAX_KEYS = 1000  # S3's ceiling per page; a larger max-keys is served as 1000
_XML = "application/xml"


def _common(query: Mapping[str, str]) -> tuple[bool, int, str, str]:
    encoding = query.get("encoding-type")
    if encoding not in (None, "url"):
        raise S3Error("InvalidArgument", "encoding-type must be url")
    raw_max = query.get("max-keys", str(_MAX_KEYS))
    if not raw_max.isdigit():
        raise S3Error("InvalidArgument", "max-keys must be a non-negative integer")
    return encoding == "url", min(int(raw_max), _MAX_KEYS), query.get("prefix", ""), query.get("delimiter", "")


def list_objects_v2(ctx: ServerContext, bucket: str, query: Mapping[str, str]) -> Response:
    url_encode, max_keys, prefix, delimiter = _common(query)
    start_after = query.get("start-after", "")
    token = query.get("continuation-token")
    objects = {r["key"]: r for r in keys_of(ctx, bucket, prefix)}
    try:
        page = list_page(
            list(objects), prefix=prefix, delimiter=delimiter, max_keys=max_keys, start_after=start_after, token=token
        )
    except BadToken as exc:
        raise S3Error("InvalidArgument", str(exc)) from exc
    body = list_v2_xml(
        bucket=bucket,
        page=page,
        objects=objects,
        prefix=prefix,
        delimiter=delimiter,
        max_keys=max_keys,
        start_after=start_after,
        token=token,
        url_encode=url_encode,
    )
    return Response(body, 200, media_type=_XML)


def list_objects(ctx: ServerContext, bucket: str, query: Mapping[str, str]) -> Response:
    """ListObjects v1: the page after ``marker``; a marker that is a common prefix skips every key under it."""
    url_encode, max_keys, prefix, delimiter = _common(query)
    marker = query.get("marker", "")
    objects = {r["key"]: r for r in keys_of(ctx, bucket, prefix)}
    rolled_up = bool(delimiter) and marker.startswith(prefix) and marker.endswith(delimiter)
    keys = [k for k in objects if not (rolled_up and k.startswith(marker))]
    page = list_page(keys, prefix=prefix, delimiter=delimiter, max_keys=max_keys, start_after=marker)
    next_marker = None
    if page.truncated and delimiter:
        # S3 sends NextMarker only with a delimiter; without one a client resumes after the last Key.
        last = max([*page.keys, *page.common_prefixes], key=lambda k: k.encode())
        next_marker = last
    body = list_v1_xml(
        bucket=bucket,
        page=page,
        objects=objects,
        prefix=prefix,
        delimiter=delimiter,
        max_keys=max_keys,
        marker=marker,
        next_marker=next_marker,
        url_encode=url_encode,
    )
    return Response(body, 200, media_type=_XML)


def list_buckets(ctx: ServerContext, key_record: Record) -> Response:
    """ListBuckets signed with a per-bucket key: the one bucket that key opens (the only one it may see)."""
    bucket = ctx.store.get(KIND_BUCKET, key_record["bucket_name"])
    return Response(buckets_xml([bucket] if bucket else [], key_record["account_id"]), 200, media_type=_XML)


def get_bucket_location(ctx: ServerContext) -> Response:
    return Response(bucket_location_xml(ctx.settings.region), 200, media_type=_XML)
