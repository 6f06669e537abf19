"""Per-bucket S3 access keys: scoped to one bucket, ``read`` or ``read-write``, the secret shown once.

The secret is kept in the private ``_secret`` field (never rendered; only the create response carries it).
At most ``cloudnx_spec.limits()["keys_per_bucket"]`` keys per bucket (409). Deleting a key stops it on the data plane
at once, because the data plane looks the key up on every request.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

from cloudnx_spec import Limits
from reference_server.errors import conflict, not_found
from reference_server.platform.core import Call, Reply, handler
from reference_server.platform.store import Record

from .common import KIND_KEY, iso, owned_bucket, storage_limit

__all__ = ["key_view"]

# components/schemas/SecretAccessKey: 40 of [A-Za-z0-9/+], like an AWS secret access key.
_SECRET_ALPHABET = string.ascii_letters + string.digits + "/+"
_SECRET_LENGTH = 40


def key_view(record: Record) -> dict[str, Any]:
    return {k: record[k] for k in ("id", "bucket_name", "name", "permission", "created_at")} | {
        "_seq": record["_seq"]
    }


def _bucket_keys(call: Call, bucket_name: str) -> list[Record]:
    return call.ctx.store.scan(KIND_KEY, call.principal.account_id, lambda r: r["bucket_name"] == bucket_name)


def _key(call: Call) -> Record:
    bucket = owned_bucket(call)
    key_id = call.path_params["key_id"]
    record = call.ctx.store.owned(KIND_KEY, call.principal.account_id, key_id)
    if record is None or record["bucket_name"] != bucket["name"]:
        raise not_found("bucket key", key_id)
    return record


@handler("bucket_keys_list")
async def bucket_keys_list(call: Call) -> Reply:
    bucket = owned_bucket(call)
    return call.ctx.paginate(call, [key_view(r) for r in _bucket_keys(call, bucket["name"])], "keys")


@handler("bucket_keys_create")
async def bucket_keys_create(call: Call) -> Reply:
    bucket = owned_bucket(call)
    cap = storage_limit("keys_per_bucket")
    if len(_bucket_keys(call, bucket["name"])) >= cap:
        raise conflict(f"bucket {bucket['name']} already has {cap} keys ({Limits.KEY}.keys_per_bucket)")
    secret = "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(_SECRET_LENGTH))
    record = call.ctx.store.insert(
        KIND_KEY,
        {
            "id": call.ctx.new_id("CNXB"),
            "account_id": call.principal.account_id,
            "bucket_name": bucket["name"],
            "name": call.body["name"],
            "permission": call.body.get("permission", "read-write"),
            "created_at": iso(call.ctx.clock()),
            "_secret": secret,
        },
    )
    return Reply(201, {**key_view(record), "secret_access_key": secret})


@handler("bucket_keys_get")
async def bucket_keys_get(call: Call) -> Reply:
    return Reply(200, key_view(_key(call)))


@handler("bucket_keys_delete")
async def bucket_keys_delete(call: Call) -> Reply:
    record = _key(call)
    call.ctx.store.delete(KIND_KEY, record["id"])
    return Reply(200, {"id": record["id"], "deleted": True})
