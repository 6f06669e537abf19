"""Conditional requests: If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since on reads, writes and
copy sources, evaluated in the order of RFC 9110 §13.2.2 (which is also S3's: a true If-Match makes
If-Unmodified-Since irrelevant, a present If-None-Match makes If-Modified-Since irrelevant).

Reads answer 304 (GET/HEAD, If-None-Match / If-Modified-Since) or 412 PreconditionFailed; writes support
``If-None-Match: *`` (create only) and ``If-Match: <etag>`` (replace only that version), as S3's conditional
writes do; a copy source is judged by the ``x-amz-copy-source-if-*`` headers with the same rules.
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping

from reference_server.platform.store import Record

from .s3_wire import S3Error
from .s3_xml import http_date

__all__ = ["check_copy_source", "check_read", "check_write"]


def _etags(value: str) -> list[str]:
    return [tag.strip().removeprefix("W/").strip('"') for tag in value.split(",") if tag.strip()]


def _matches(value: str, obj: Record | None) -> bool:
    if obj is None:
        return False
    tags = _etags(value)
    return "*" in tags or obj["etag"].strip('"') in tags


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None  # RFC 9110 §13.1.3: an invalid date is ignored


def _modified_after(obj: Record, since: float) -> bool:
    # HTTP dates have whole seconds; an object written within the same second is not "modified since" it.
    return int(obj["last_modified"]) > since


def _not_modified(obj: Record) -> S3Error:
    headers = {"ETag": obj["etag"], "Last-Modified": http_date(obj["last_modified"])}
    return S3Error("NotModified", "the object has not been modified", headers)


def _failed(what: str) -> S3Error:
    return S3Error("PreconditionFailed", f"at least one of the preconditions you specified did not hold ({what})")


def _evaluate(headers: Mapping[str, str], obj: Record, prefix: str, *, read: bool) -> None:
    if_match = headers.get(f"{prefix}if-match")
    if if_match is not None:
        if not _matches(if_match, obj):
            raise _failed(f"{prefix}if-match")
    else:
        since = _date(headers.get(f"{prefix}if-unmodified-since"))
        if since is not None and _modified_after(obj, since):
            raise _failed(f"{prefix}if-unmodified-since")
    if_none = headers.get(f"{prefix}if-none-match")
    if if_none is not None:
        if _matches(if_none, obj):
            raise _not_modified(obj) if read else _failed(f"{prefix}if-none-match")
    else:
        since = _date(headers.get(f"{prefix}if-modified-since"))
        if since is not None and not _modified_after(obj, since):
            raise _not_modified(obj) if read else _failed(f"{prefix}if-modified-since")


def check_read(headers: Mapping[str, str], obj: Record) -> None:
    """GET/HEAD of an existing object: 304 NotModified or 412 PreconditionFailed when a condition fails."""
    _evaluate(headers, obj, "", read=True)


def check_copy_source(headers: Mapping[str, str], source: Record) -> None:
    """CopyObject / UploadPartCopy: x-amz-copy-source-if-* judged against the source (412 when one fails)."""
    _evaluate(headers, source, "x-amz-copy-source-", read=False)


def check_write(headers: Mapping[str, str], current: Record | None) -> None:
    """PutObject / CompleteMultipartUpload / CopyObject over the current version of the destination key."""
    if_none = headers.get("if-none-match")
    if if_none is not None:
        if if_none.strip() != "*":
            raise S3Error("NotImplemented", "on a write, If-None-Match is only offered as '*'")
        if current is not None:
            raise _failed("if-none-match: the key already exists")
    if_match = headers.get("if-match")
    if if_match is not None:
        if current is None:
            raise S3Error("NoSuchKey", "If-Match names a version of a key that does not exist")
        if not _matches(if_match, current):
            raise _failed("if-match")
