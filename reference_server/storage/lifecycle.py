"""Bucket lifecycle configuration: validated as the spec's bucket_lifecycle_put describes, else 422.

Each rule needs transitions or an expiration; rule ids are unique; a rule moves to each storage class at most
once; every transition comes before the expiration; a transition to ``archive`` comes after the one to
``infrequent``. A bucket without a configuration answers 404 on get and delete.
"""

from __future__ import annotations

from typing import Any

from reference_server.errors import not_found, unprocessable
from reference_server.platform.core import Call, Reply, handler

from .common import KIND_BUCKET, owned_bucket

__all__ = ["check_configuration"]

# Storage classes in the order an object may move through them (LifecycleRule.transitions[].storage_class).
_CLASS_ORDER = ("infrequent", "archive")


def _check_rule(rule: dict[str, Any]) -> None:
    rid = rule["id"]
    transitions = rule.get("transitions") or []
    expiration = rule.get("expiration")
    if not transitions and expiration is None:
        raise unprocessable(f"rule {rid}: needs at least one transition or an expiration")
    classes = [t["storage_class"] for t in transitions]
    if len(set(classes)) != len(classes):
        raise unprocessable(f"rule {rid}: transitions to the same storage class repeat")
    days = {t["storage_class"]: t["days"] for t in transitions}
    if all(c in days for c in _CLASS_ORDER) and days["archive"] <= days["infrequent"]:
        raise unprocessable(f"rule {rid}: the transition to archive must come after the one to infrequent")
    if expiration is not None:
        late = [t for t in transitions if t["days"] >= expiration["days"]]
        if late:
            raise unprocessable(
                f"rule {rid}: transition to {late[0]['storage_class']} after {late[0]['days']} days does not come "
                f"before the expiration after {expiration['days']} days"
            )


def check_configuration(configuration: dict[str, Any]) -> None:
    ids = [rule["id"] for rule in configuration["rules"]]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise unprocessable(f"rule ids must be unique: {', '.join(repeated)} repeats")
    for rule in configuration["rules"]:
        _check_rule(rule)


@handler("bucket_lifecycle_get")
async def bucket_lifecycle_get(call: Call) -> Reply:
    bucket = owned_bucket(call)
    if bucket.get("_lifecycle") is None:
        raise not_found("lifecycle configuration of bucket", bucket["name"])
    return Reply(200, bucket["_lifecycle"])


@handler("bucket_lifecycle_put")
async def bucket_lifecycle_put(call: Call) -> Reply:
    bucket = owned_bucket(call)
    check_configuration(call.body)
    call.ctx.store.update(KIND_BUCKET, bucket["id"], _lifecycle=call.body)
    return Reply(200, call.body)


@handler("bucket_lifecycle_delete")
async def bucket_lifecycle_delete(call: Call) -> Reply:
    bucket = owned_bucket(call)
    if bucket.get("_lifecycle") is None:
        raise not_found("lifecycle configuration of bucket", bucket["name"])
    call.ctx.store.update(KIND_BUCKET, bucket["id"], _lifecycle=None)
    return Reply(200, {"id": bucket["name"], "deleted": True})
