"""One authenticated data-plane request as the operation handlers see it, and the helpers they share."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from starlette.requests import Request

import cloudnx_spec
from reference_server.platform.core import ServerContext
from reference_server.platform.store import Record

from .blobs import BlobStore
from .objects import CONTENT_HEADERS, get_object
from .s3_wire import S3Error

__all__ = ["S3Call", "content_headers", "copy_source", "user_metadata"]

_DEFAULT_CONTENT_TYPE = "binary/octet-stream"


@dataclass(frozen=True)
class S3Call:
    ctx: ServerContext
    blobs: BlobStore
    plane: cloudnx_spec.S3DataPlane
    request: Request
    bucket: str
    key: str
    key_record: Record  # the per-bucket key that signed the request

    @property
    def headers(self) -> Mapping[str, str]:
        return self.request.headers

    @property
    def query(self) -> Mapping[str, str]:
        return self.request.query_params

    def may(self, operation: str) -> None:
        """AccessDenied unless the key's permission allows ``operation`` (``S3DataPlane.permissions``)."""
        if operation not in self.plane.permissions.get(self.key_record["permission"], ()):
            raise S3Error(
                "AccessDenied", f"this key's {self.key_record['permission']} permission does not allow {operation}"
            )

    def resource(self) -> str:
        return f"/{self.bucket}/{self.key}"


def user_metadata(headers: Mapping[str, str]) -> dict[str, str]:
    return {k[len("x-amz-meta-") :]: v for k, v in headers.items() if k.startswith("x-amz-meta-")}


def content_headers(headers: Mapping[str, str]) -> dict[str, str]:
    found = {name: headers[name] for name in CONTENT_HEADERS if name in headers}
    found.setdefault("content-type", _DEFAULT_CONTENT_TYPE)
    # aws-chunked is how the body travelled, not how the object is encoded: S3 strips it from what it stores.
    encoding = ",".join(
        e for e in found.get("content-encoding", "").split(",") if e.strip() and e.strip() != "aws-chunked"
    )
    if encoding:
        found["content-encoding"] = encoding
    else:
        found.pop("content-encoding", None)
    return found


def copy_source(call: S3Call) -> Record:
    """The object ``x-amz-copy-source`` names (``[/]bucket/key``, URL-encoded); a key opens its own bucket only."""
    raw = call.headers["x-amz-copy-source"]
    path, _, version = raw.partition("?")
    if version:
        raise S3Error("NotImplemented", "versioning is not offered: a copy source cannot name a versionId")
    bucket, _, key = unquote(path).lstrip("/").partition("/")
    if not bucket or not key:
        raise S3Error("InvalidArgument", "x-amz-copy-source must be <bucket>/<key>")
    if bucket != call.key_record["bucket_name"]:
        raise S3Error("AccessDenied", f"this key is scoped to {call.key_record['bucket_name']}, not {bucket}")
    source = get_object(call.ctx, bucket, key)
    if source is None:
        raise S3Error("NoSuchKey", "the copy source does not exist")
    return source
