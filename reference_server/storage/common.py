"""Helpers the storage control plane and the S3 data plane share: kinds, bucket lookup, metering, spec values.

Buckets are stored under their name (``id == name``, docs/server-internals.md "Store"), so global uniqueness is
one ``get``. A bucket record carries its object counters (``object_count``, ``size_bytes``); the data plane keeps
them exact on every write and meters stored bytes for billing (``storage-gib-hours``).
"""

from __future__ import annotations

import time
from typing import Any

import cloudnx_spec
from reference_server.errors import not_found
from reference_server.platform.core import Call, ServerContext
from reference_server.platform.store import Record

__all__ = [
    "KIND_BUCKET",
    "KIND_KEY",
    "KIND_OBJECT",
    "STORAGE_METRIC",
    "data_plane",
    "flush_storage_usage",
    "iso",
    "meter_storage",
    "owned_bucket",
    "storage_limit",
]

KIND_BUCKET = "bucket"
KIND_KEY = "bucket_key"
KIND_OBJECT = "s3_object"
STORAGE_METRIC = "storage-gib-hours"
_GIB_HOUR = 1024**3 * 3600  # byte-seconds in one GiB-hour


def iso(timestamp: float) -> str:
    """RFC 3339 UTC, whole seconds (components/schemas/Timestamp)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(timestamp))


def data_plane() -> dict[str, Any]:
    """The spec's S3 data plane as written (prefix, signing scope, caps); ``cloudnx_spec.s3_data_plane()`` is the
    typed, validated reading of the same extension."""
    return dict(cloudnx_spec.s3_data_plane().raw)


def storage_limit(name: str) -> int:
    return cloudnx_spec.limits()[name]


def owned_bucket(call: Call) -> Record:
    name = call.path_params["bucket_name"]
    record = call.ctx.store.owned(KIND_BUCKET, call.principal.account_id, name)
    if record is None:
        raise not_found("bucket", name)
    return record


def flush_storage_usage(ctx: ServerContext, account_id: str) -> None:
    """Bill every bucket of the account up to now (see reference_server.compute.metering for why)."""
    for bucket in ctx.store.scan(KIND_BUCKET, account_id):
        meter_storage(ctx, bucket)


def meter_storage(ctx: ServerContext, bucket: Record, **changes: Any) -> Record:
    """Bill the bytes held since the last mark, then apply ``changes`` (new counters) with a fresh mark."""
    now = ctx.clock()
    start = float(bucket.get("_billed_at") or now)
    if now > start and bucket["size_bytes"] > 0:
        ctx.usage.record(
            bucket["account_id"], "storage", STORAGE_METRIC, bucket["size_bytes"] * (now - start) / _GIB_HOUR
        )
    return ctx.store.update(KIND_BUCKET, bucket["id"], _billed_at=now, **changes)
