"""Auto scaling groups: bounds ``min_size <= desired_capacity <= max_size`` (422 otherwise) and real members.

A group launches instance records (``asg_id`` set) to reach ``desired_capacity`` and terminates its newest
members to come down to it; a member cannot be terminated on its own (instances_delete answers 409). A group
with members cannot be deleted (409) unless ``force=true``, which terminates them. Launches are all-or-nothing:
the instance quota and the VPC's free addresses are checked before the first one (409).
"""

from __future__ import annotations

from typing import Any

from reference_server.errors import conflict, unprocessable
from reference_server.platform.core import Call, Reply, ServerContext, handler
from reference_server.platform.store import Record

from .common import (
    KIND_ASG,
    KIND_INSTANCE,
    KIND_VPC,
    account_of,
    deleted,
    ensure_quota,
    iso,
    owned_or_404,
    owned_or_422,
)
from .instances import launch, terminate
from .machine import settle_all
from .vpcs import ensure_free_addresses

_BOUND_FIELDS = ("min_size", "desired_capacity", "max_size")


def _check_bounds(values: dict[str, Any]) -> None:
    low, desired, high = (values[k] for k in _BOUND_FIELDS)
    if not low <= desired <= high:
        raise unprocessable(f"min_size <= desired_capacity <= max_size must hold, got {low} <= {desired} <= {high}")


def _members(ctx: ServerContext, asg: Record) -> list[Record]:
    """Live members, oldest first (the store's insertion order)."""
    return settle_all(ctx, asg["account_id"], asg_id=asg["id"])


def _view(ctx: ServerContext, asg: Record) -> dict[str, Any]:
    return {**asg, "instance_ids": [r["id"] for r in _members(ctx, asg)]}


def _scale(call: Call, asg: Record) -> None:
    """Launch or terminate members (newest first) until their number equals desired_capacity."""
    members = _members(call.ctx, asg)
    missing = asg["desired_capacity"] - len(members)
    if missing > 0:
        vpc = owned_or_404(call, KIND_VPC, asg["vpc_id"])
        ensure_quota(call.ctx, KIND_INSTANCE, asg["account_id"], adding=missing)
        ensure_free_addresses(call, vpc, missing)
        launched = int(asg.get("_launched", 0))
        for n in range(launched + 1, launched + missing + 1):
            launch(call, vpc, {**asg, "name": f"{asg['name'][:50]}-{n}"}, [], asg_id=asg["id"])
        call.ctx.store.update(KIND_ASG, asg["id"], _launched=launched + missing)
    for member in reversed(members[asg["desired_capacity"] :]):
        terminate(call.ctx, member)


@handler("asgs_list")
async def asgs_list(call: Call) -> Reply:
    rows = [_view(call.ctx, r) for r in call.ctx.store.scan(KIND_ASG, account_of(call))]
    return call.ctx.paginate(call, rows, "asgs")


@handler("asgs_create")
async def asgs_create(call: Call) -> Reply:
    body = call.body
    _check_bounds(body)
    vpc = owned_or_422(call, KIND_VPC, body["vpc_id"], "vpc_id")
    ensure_quota(call.ctx, KIND_ASG, account_of(call))
    # Checked before the group exists, so a group that cannot launch its members is not created either.
    ensure_quota(call.ctx, KIND_INSTANCE, account_of(call), adding=body["desired_capacity"])
    ensure_free_addresses(call, vpc, body["desired_capacity"])
    asg = call.ctx.store.insert(
        KIND_ASG,
        {
            "id": call.ctx.new_id("asg-"),
            "account_id": account_of(call),
            "name": body["name"],
            "vpc_id": vpc["id"],
            "instance_type": body["instance_type"],
            "image_id": body["image_id"],
            **{k: body[k] for k in _BOUND_FIELDS},
            "created_at": iso(call.ctx.clock()),
            "_launched": 0,
        },
    )
    _scale(call, asg)
    return Reply(201, _view(call.ctx, call.ctx.store.get(KIND_ASG, asg["id"]) or asg))


@handler("asgs_get")
async def asgs_get(call: Call) -> Reply:
    return Reply(200, _view(call.ctx, owned_or_404(call, KIND_ASG, call.path_params["asg_id"])))


@handler("asgs_update")
async def asgs_update(call: Call) -> Reply:
    asg = owned_or_404(call, KIND_ASG, call.path_params["asg_id"])
    merged = {**asg, **call.body}
    _check_bounds(merged)
    _scale(call, merged)
    updated = call.ctx.store.update(KIND_ASG, asg["id"], **call.body)
    return Reply(200, _view(call.ctx, updated))


@handler("asgs_delete")
async def asgs_delete(call: Call) -> Reply:
    asg = owned_or_404(call, KIND_ASG, call.path_params["asg_id"])
    members = _members(call.ctx, asg)
    if members and not call.query.get("force", False):
        raise conflict(f"auto scaling group {asg['id']} still has {len(members)} instances; pass force=true")
    for member in members:
        terminate(call.ctx, member)
    call.ctx.store.delete(KIND_ASG, asg["id"])
    return Reply(200, deleted(asg["id"]))
