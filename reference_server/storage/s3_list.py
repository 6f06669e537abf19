"""ListObjectsV2 over the in-memory objects: query parameters checked as S3 checks them, XML out."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import Response

from reference_server.platform.core import ServerContext

from .listing import BadToken, list_page
from .objects import keys_of
from .s3_wire import S3Error
from .s3_xml import list_v2_xml

__all__ = ["list_objects_v2"]

_MAX_KEYS = 1000  # S3's ceiling per page; a larger max-keys is served as 1000


def list_objects_v2(ctx: ServerContext, bucket: str, query: Mapping[str, str]) -> Response:
    if query.get("list-type") != "2":
        raise S3Error("InvalidRequest", "only ListObjectsV2 (list-type=2) is offered for listing")
    encoding = query.get("encoding-type")
    if encoding not in (None, "url"):
        raise S3Error("InvalidArgument", "encoding-type must be url")
    raw_max = query.get("max-keys", str(_MAX_KEYS))
    if not raw_max.isdigit():
        raise S3Error("InvalidArgument", "max-keys must be a non-negative integer")
    max_keys = min(int(raw_max), _MAX_KEYS)
    prefix = query.get("prefix", "")
    delimiter = query.get("delimiter", "")
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
        url_encode=encoding == "url",
    )
    return Response(body, 200, media_type="application/xml")
