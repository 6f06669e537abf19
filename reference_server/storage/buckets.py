"""Buckets: globally unique names (409 when taken by any account), S3 naming rules, delete only when empty.

Deleting a bucket removes its lifecycle configuration and its keys, so the keys stop working on the data plane
at once. A bucket holding objects cannot be deleted (409), as the operation's description in the spec states.
"""

from __future__ import annotations

from typing import Any

from reference_server.errors import conflict, unprocessable
from reference_server.platform.core import Call, Reply, handler
from reference_server.platform.store import Record

from .common import KIND_BUCKET, KIND_KEY, iso, meter_storage, owned_bucket, storage_limit

__all__ = ["bucket_view"]

# S3 reserves these beyond what the BucketName pattern expresses (AWS "Bucket naming rules").
_RESERVED_PREFIXES = ("xn--", "sthree-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3")


def bucket_view(record: Record) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "id"}


def check_name(name: str) -> None:
    if name.startswith(_RESERVED_PREFIXES) or name.endswith(_RESERVED_SUFFIXES):
        raise unprocessable(f"name: {name} uses a prefix or suffix that S3 reserves")


@handler("buckets_list")
async def buckets_list(call: Call) -> Reply:
    rows = [
        {**bucket_view(meter_storage(call.ctx, r)), "_seq": r["_seq"]}
        for r in call.ctx.store.scan(KIND_BUCKET, call.principal.account_id)
    ]
    return call.ctx.paginate(call, rows, "buckets")


@handler("buckets_create")
async def buckets_create(call: Call) -> Reply:
    name = call.body["name"]
    check_name(name)
    # Names are global: a name held by any account is taken, and saying so leaks nothing S3 does not.
    if call.ctx.store.get(KIND_BUCKET, name) is not None:
        raise conflict(f"bucket name {name} is already taken")
    cap = storage_limit("resources_per_type_per_account")
    if call.ctx.store.count(KIND_BUCKET, call.principal.account_id) >= cap:
        raise conflict(f"quota exceeded: at most {cap} buckets per account")
    now = call.ctx.clock()
    record = call.ctx.store.insert(
        KIND_BUCKET,
        {
            "id": name,
            "name": name,
            "account_id": call.principal.account_id,
            "region": call.ctx.settings.region,
            "object_count": 0,
            "size_bytes": 0,
            "created_at": iso(now),
            "_lifecycle": None,
            "_billed_at": now,
        },
    )
    return Reply(201, bucket_view(record))


@handler("buckets_get")
async def buckets_get(call: Call) -> Reply:
    return Reply(200, bucket_view(meter_storage(call.ctx, owned_bucket(call))))


@handler("buckets_delete")
async def buckets_delete(call: Call) -> Reply:
    bucket = meter_storage(call.ctx, owned_bucket(call))
    if bucket["object_count"] > 0:
        raise conflict(f"bucket {bucket['name']} still holds {bucket['object_count']} objects; delete them first")
    for key in call.ctx.store.scan(KIND_KEY, None, lambda r: r["bucket_name"] == bucket["name"]):
        call.ctx.store.delete(KIND_KEY, key["id"])
    call.ctx.store.delete(KIND_BUCKET, bucket["id"])
    return Reply(200, {"id": bucket["name"], "deleted": True})
