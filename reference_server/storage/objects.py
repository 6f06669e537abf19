"""Objects of the data plane, kept in memory through the platform store (kind ``s3_object``).

One record per object (``id`` = ``<bucket>/<key>``; bucket names hold no ``/``) with the bytes in the private
``_data`` field. The bucket record's ``object_count`` and ``size_bytes`` change in the same synchronous step as
the object, so the control plane (bucket view, 409 on deleting a non-empty bucket) never disagrees with it.
Sizes are capped by ``x-cloudnx-s3-data-plane.max_object_bytes`` and ``max_bucket_bytes``: the reference
server keeps everything in memory.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from reference_server.platform.core import ServerContext
from reference_server.platform.store import Record

from .common import KIND_BUCKET, KIND_OBJECT, data_plane, meter_storage

__all__ = ["ObjectTooLarge", "delete_object", "get_object", "keys_of", "max_object_bytes", "put_object"]


class ObjectTooLarge(Exception):
    """The object, or the bucket with it, would pass a documented cap."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class NewObject:
    data: bytes
    content_type: str
    metadata: dict[str, str]


def max_object_bytes() -> int:
    return int(data_plane()["max_object_bytes"])


def _object_id(bucket: str, key: str) -> str:
    return f"{bucket}/{key}"


def get_object(ctx: ServerContext, bucket: str, key: str) -> Record | None:
    return ctx.store.get(KIND_OBJECT, _object_id(bucket, key))


def put_object(ctx: ServerContext, bucket: Record, key: str, new: NewObject) -> Record:
    """Store (or replace) an object and update the bucket's counters in one step."""
    size = len(new.data)
    if size > max_object_bytes():
        raise ObjectTooLarge("EntityTooLarge", f"objects are limited to {max_object_bytes()} bytes")
    old = get_object(ctx, bucket["name"], key)
    old_size = old["size"] if old else 0
    new_total = bucket["size_bytes"] - old_size + size
    cap = int(data_plane()["max_bucket_bytes"])
    if new_total > cap:
        raise ObjectTooLarge("InvalidRequest", f"this in-memory server keeps at most {cap} bytes per bucket")
    record: Record = {
        "id": _object_id(bucket["name"], key),
        "account_id": bucket["account_id"],
        "bucket": bucket["name"],
        "key": key,
        "size": size,
        # A single-part upload's ETag is the hex MD5 of its bytes (S3 semantics, not a security use).
        "etag": '"' + hashlib.md5(new.data, usedforsecurity=False).hexdigest() + '"',
        "content_type": new.content_type,
        "metadata": dict(new.metadata),
        "last_modified": ctx.clock(),
        "_data": new.data,
    }
    if old is not None:
        ctx.store.delete(KIND_OBJECT, record["id"])
    stored = ctx.store.insert(KIND_OBJECT, record)
    meter_storage(ctx, bucket, object_count=bucket["object_count"] + (0 if old else 1), size_bytes=new_total)
    return stored


def delete_object(ctx: ServerContext, bucket: Record, key: str) -> bool:
    """Remove an object; False when there was none (S3 answers 204 either way)."""
    old = get_object(ctx, bucket["name"], key)
    if old is None:
        return False
    ctx.store.delete(KIND_OBJECT, old["id"])
    meter_storage(ctx, bucket, object_count=bucket["object_count"] - 1, size_bytes=bucket["size_bytes"] - old["size"])
    return True


def keys_of(ctx: ServerContext, bucket: str, prefix: str) -> list[Record]:
    """The bucket's objects under ``prefix``, in UTF-8 binary key order as S3 lists them (bytes not copied)."""
    rows = ctx.store.scan(KIND_OBJECT, None, lambda r: r["bucket"] == bucket and r["key"].startswith(prefix))
    return sorted(rows, key=lambda r: r["key"].encode())


def bucket_record(ctx: ServerContext, name: str) -> Record | None:
    return ctx.store.get(KIND_BUCKET, name)
