"""Objects of the data plane: one record per object in the platform store (kind ``s3_object``), bytes on disk.

A record (``id`` = ``<bucket>/<key>``; bucket names hold no ``/``) keeps the object's size, ETag, content
headers and user metadata, and in its private ``_file`` the name of its immutable file in the
:class:`~reference_server.storage.blobs.BlobStore`. The bucket record's ``object_count`` and ``size_bytes``
change in the same synchronous step as the object, so the control plane (bucket view, 409 on deleting a
non-empty bucket) never disagrees with it. The replaced version's file is removed only after the new record is in
place, so a failed write never loses the old version.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from reference_server.platform.core import ServerContext
from reference_server.platform.store import Record

from .blobs import BlobStore
from .common import KIND_BUCKET, KIND_OBJECT, meter_storage
from .s3_wire import S3Error

__all__ = ["CONTENT_HEADERS", "Stored", "delete_object", "get_object", "keys_of", "place_object"]

# Representation headers S3 stores with an object and sends back on GET/HEAD (PutObject request parameters).
CONTENT_HEADERS = ("content-type", "content-encoding", "content-disposition", "content-language", "cache-control",
                   "expires")  # fmt: skip


@dataclass(frozen=True)
class Stored:
    """What a new version of an object is: a committed file and what S3 says about it."""

    file: str
    size: int
    etag: str
    headers: Mapping[str, str] = field(default_factory=dict)
    metadata: Mapping[str, str] = field(default_factory=dict)
    parts: int = 0  # number of multipart parts (0 for a single PUT)


def _object_id(bucket: str, key: str) -> str:
    return f"{bucket}/{key}"


def get_object(ctx: ServerContext, bucket: str, key: str) -> Record | None:
    return ctx.store.get(KIND_OBJECT, _object_id(bucket, key))


def place_object(ctx: ServerContext, blobs: BlobStore, bucket_name: str, key: str, new: Stored) -> Record:
    """Make ``new`` the current version of ``key`` and update the bucket's counters in one synchronous step.

    The bucket is read here, after every await of the caller: it may have been deleted while the body arrived.
    """
    bucket = ctx.store.get(KIND_BUCKET, bucket_name)
    if bucket is None:
        blobs.drop(new.file)
        raise S3Error("NoSuchBucket", f"bucket {bucket_name} does not exist")
    old = get_object(ctx, bucket_name, key)
    record: Record = {
        "id": _object_id(bucket_name, key),
        "account_id": bucket["account_id"],
        "bucket": bucket_name,
        "key": key,
        "size": new.size,
        "etag": new.etag,
        "headers": dict(new.headers),
        "metadata": dict(new.metadata),
        "parts": new.parts,
        "last_modified": ctx.clock(),
        "_file": new.file,
    }
    if old is not None:
        ctx.store.delete(KIND_OBJECT, record["id"])
    stored = ctx.store.insert(KIND_OBJECT, record)
    meter_storage(
        ctx,
        bucket,
        object_count=bucket["object_count"] + (0 if old else 1),
        size_bytes=bucket["size_bytes"] - (old["size"] if old else 0) + new.size,
    )
    if old is not None:
        blobs.drop(old["_file"])
    return stored


def delete_object(ctx: ServerContext, blobs: BlobStore, bucket_name: str, key: str) -> bool:
    """Remove an object; False when there was none (S3 answers 204 either way)."""
    old = get_object(ctx, bucket_name, key)
    bucket = ctx.store.get(KIND_BUCKET, bucket_name)
    if old is None or bucket is None:
        return False
    ctx.store.delete(KIND_OBJECT, old["id"])
    meter_storage(ctx, bucket, object_count=bucket["object_count"] - 1, size_bytes=bucket["size_bytes"] - old["size"])
    blobs.drop(old["_file"])
    return True


def keys_of(ctx: ServerContext, bucket: str, prefix: str) -> list[Record]:
    """The bucket's objects under ``prefix``, in UTF-8 binary key order as S3 lists them."""
    rows = ctx.store.scan(KIND_OBJECT, None, lambda r: r["bucket"] == bucket and r["key"].startswith(prefix))
    return sorted(rows, key=lambda r: r["key"].encode())
