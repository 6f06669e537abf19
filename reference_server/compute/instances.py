"""Instances: launch, read, rename/re-firewall, start/stop/reboot along the spec's state machine, terminate.

Actions from a state the spec does not list for them answer 409 naming the current state (``Operation.transition``
of each action). Terminating detaches volumes, firewalls, the Elastic IP and load balancer registrations at
once, goes ``shutting-down`` and the record disappears after the terminate delay (404 from then on).
"""

from __future__ import annotations

from typing import Any

from reference_server.errors import conflict, not_found, unprocessable
from reference_server.platform.core import Call, Reply, ServerContext, handler
from reference_server.platform.store import Record

from .common import (
    KIND_EIP,
    KIND_FIREWALL,
    KIND_INSTANCE,
    KIND_TARGET,
    KIND_VOLUME,
    KIND_VPC,
    account_of,
    ensure_quota,
    iso,
    owned_or_404,
    owned_or_422,
)
from .machine import begin, settle, settle_all, transition
from .vpcs import allocate_private_ip

__all__ = ["instance_view", "launch", "live_instance", "terminate"]


def instance_view(ctx: ServerContext, record: Record) -> dict[str, Any]:
    """The Instance body; ``public_ip`` comes from the associated Elastic IP, so it cannot drift from it."""
    eips = ctx.store.scan(KIND_EIP, record["account_id"], lambda r: r.get("instance_id") == record["id"])
    return {**record, "public_ip": eips[0]["public_ip"] if eips else None}


def live_instance(call: Call, instance_id: str) -> Record:
    """The caller's instance, settled to its current state; 404 when missing, foreign or terminated."""
    record = settle(call.ctx, owned_or_404(call, KIND_INSTANCE, instance_id))
    if record is None:
        raise not_found("instance", instance_id)
    return record


def check_firewalls(call: Call, firewall_ids: list[str], vpc_id: str) -> list[str]:
    for firewall_id in firewall_ids:
        firewall = owned_or_422(call, KIND_FIREWALL, firewall_id, "firewall_ids")
        if firewall["vpc_id"] != vpc_id:
            raise unprocessable(f"firewall_ids: firewall {firewall_id} is in VPC {firewall['vpc_id']}, not {vpc_id}")
    return list(firewall_ids)


def launch(
    call: Call, vpc: Record, fields: dict[str, Any], firewall_ids: list[str], asg_id: str | None = None
) -> Record:
    """Insert one ``pending`` instance (used by instances_create and by auto scaling groups)."""
    ctx = call.ctx
    now = ctx.clock()
    return ctx.store.insert(
        KIND_INSTANCE,
        {
            "id": ctx.new_id("i-"),
            "account_id": vpc["account_id"],
            "name": fields["name"],
            "instance_type": fields["instance_type"],
            "image_id": fields["image_id"],
            "vpc_id": vpc["id"],
            "firewall_ids": firewall_ids,
            "private_ip": allocate_private_ip(call, vpc),
            "public_ip": None,
            "asg_id": asg_id,
            "created_at": iso(now),
            "_billed_at": now,
            **begin(ctx, "pending"),
        },
    )


def terminate(ctx: ServerContext, record: Record) -> Record:
    """Detach everything the instance holds and start shutting it down."""
    instance_id = record["id"]
    for volume in ctx.store.scan(KIND_VOLUME, None, lambda r: r.get("attached_instance_id") == instance_id):
        ctx.store.update(KIND_VOLUME, volume["id"], status="available", attached_instance_id=None, device=None)
    for eip in ctx.store.scan(KIND_EIP, None, lambda r: r.get("instance_id") == instance_id):
        ctx.store.update(KIND_EIP, eip["id"], instance_id=None)
    for target in ctx.store.scan(KIND_TARGET, None, lambda r: r["instance_id"] == instance_id):
        ctx.store.delete(KIND_TARGET, target["id"])
    return ctx.store.update(KIND_INSTANCE, instance_id, firewall_ids=[], asg_id=None, **begin(ctx, "shutting-down"))


@handler("instances_list")
async def instances_list(call: Call) -> Reply:
    wanted = call.query.get("status")
    rows = [r for r in settle_all(call.ctx, account_of(call)) if wanted is None or r["status"] == wanted]
    return call.ctx.paginate(call, [instance_view(call.ctx, r) for r in rows], "instances")


@handler("instances_create")
async def instances_create(call: Call) -> Reply:
    vpc = owned_or_422(call, KIND_VPC, call.body["vpc_id"], "vpc_id")
    firewall_ids = check_firewalls(call, call.body.get("firewall_ids", []), vpc["id"])
    ensure_quota(call.ctx, KIND_INSTANCE, account_of(call))
    record = launch(call, vpc, call.body, firewall_ids)
    return Reply(201, instance_view(call.ctx, record))


@handler("instances_get")
async def instances_get(call: Call) -> Reply:
    return Reply(200, instance_view(call.ctx, live_instance(call, call.path_params["instance_id"])))


@handler("instances_update")
async def instances_update(call: Call) -> Reply:
    record = live_instance(call, call.path_params["instance_id"])
    if record["status"] == "shutting-down":
        raise conflict(f"instance {record['id']} is shutting-down and can no longer be changed")
    changes = dict(call.body)
    if "firewall_ids" in changes:
        changes["firewall_ids"] = check_firewalls(call, changes["firewall_ids"], record["vpc_id"])
    return Reply(200, instance_view(call.ctx, call.ctx.store.update(KIND_INSTANCE, record["id"], **changes)))


@handler("instances_delete")
async def instances_delete(call: Call) -> Reply:
    record = live_instance(call, call.path_params["instance_id"])
    if record.get("asg_id"):
        raise conflict(
            f"instance {record['id']} belongs to auto scaling group {record['asg_id']}; change its capacity instead"
        )
    if record["status"] not in transition("instances_delete")[0]:
        raise conflict(f"instance {record['id']} is already {record['status']}")
    return Reply(200, instance_view(call.ctx, terminate(call.ctx, record)))


async def _act(call: Call) -> Reply:
    record = live_instance(call, call.path_params["instance_id"])
    sources, target = transition(call.operation_id)
    if record["status"] not in sources:
        raise conflict(
            f"instance {record['id']} is {record['status']}; {call.operation_id} needs it {' or '.join(sources)}"
        )
    updated = call.ctx.store.update(KIND_INSTANCE, record["id"], **begin(call.ctx, target))
    return Reply(200, instance_view(call.ctx, updated))


@handler("instances_start")
async def instances_start(call: Call) -> Reply:
    return await _act(call)


@handler("instances_stop")
async def instances_stop(call: Call) -> Reply:
    return await _act(call)


@handler("instances_reboot")
async def instances_reboot(call: Call) -> Reply:
    return await _act(call)
