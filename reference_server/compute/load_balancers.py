"""Load balancers and their targets.

A load balancer lives in a VPC of the caller's account and its listener ports are unique (422 otherwise).
Targets are the caller's own instances in that VPC: another account's or a missing instance answers 404 (the
path names it), one in another VPC 422, a shutting-down one 409, and at most
``cloudnx_spec.limits()["targets_per_load_balancer"]`` (409). Registering twice changes nothing. A target is healthy
while its instance is running; terminating the instance deregisters it.
"""

from __future__ import annotations

from typing import Any

from reference_server.errors import conflict, not_found, unprocessable
from reference_server.platform.core import Call, Reply, ServerContext, handler
from reference_server.platform.store import Record

from .common import (
    KIND_LB,
    KIND_TARGET,
    KIND_VPC,
    account_of,
    deleted,
    ensure_quota,
    iso,
    limit,
    owned_or_404,
    owned_or_422,
)
from .instances import live_instance
from .machine import due_state

_REGION_DOMAIN = "in-mum.lb.cloudnx.in"


def _check_listeners(listeners: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ports = [listener["port"] for listener in listeners]
    repeated = sorted({p for p in ports if ports.count(p) > 1})
    if repeated:
        raise unprocessable(f"listeners: port {', '.join(map(str, repeated))} appears more than once")
    return listeners


def _lb(call: Call) -> Record:
    return owned_or_404(call, KIND_LB, call.path_params["load_balancer_id"])


def _targets(ctx: ServerContext, lb_id: str) -> list[Record]:
    return ctx.store.scan(KIND_TARGET, None, lambda r: r["load_balancer_id"] == lb_id)


def _target_view(ctx: ServerContext, target: Record) -> dict[str, Any]:
    instance = ctx.store.get("instance", target["instance_id"])
    running = instance is not None and due_state(instance, ctx.clock()) == "running"
    return {
        "instance_id": target["instance_id"],
        "load_balancer_id": target["load_balancer_id"],
        "health": "healthy" if running else "unhealthy",
        "registered_at": target["registered_at"],
        "_seq": target["_seq"],
    }


@handler("load_balancers_list")
async def load_balancers_list(call: Call) -> Reply:
    return call.ctx.paginate(call, call.ctx.store.scan(KIND_LB, account_of(call)), "load_balancers")


@handler("load_balancers_create")
async def load_balancers_create(call: Call) -> Reply:
    vpc = owned_or_422(call, KIND_VPC, call.body["vpc_id"], "vpc_id")
    listeners = _check_listeners(call.body["listeners"])
    ensure_quota(call.ctx, KIND_LB, account_of(call))
    lb_id = call.ctx.new_id("lb-")
    record = call.ctx.store.insert(
        KIND_LB,
        {
            "id": lb_id,
            "account_id": account_of(call),
            "name": call.body["name"],
            "vpc_id": vpc["id"],
            "scheme": call.body.get("scheme", "internet-facing"),
            "listeners": listeners,
            "dns_name": f"{lb_id}.{_REGION_DOMAIN}",
            "status": "active",
            "created_at": iso(call.ctx.clock()),
        },
    )
    return Reply(201, record)


@handler("load_balancers_get")
async def load_balancers_get(call: Call) -> Reply:
    return Reply(200, _lb(call))


@handler("load_balancers_update")
async def load_balancers_update(call: Call) -> Reply:
    lb = _lb(call)
    if "listeners" in call.body:
        _check_listeners(call.body["listeners"])
    return Reply(200, call.ctx.store.update(KIND_LB, lb["id"], **call.body))


@handler("load_balancers_delete")
async def load_balancers_delete(call: Call) -> Reply:
    lb = _lb(call)
    for target in _targets(call.ctx, lb["id"]):
        call.ctx.store.delete(KIND_TARGET, target["id"])
    call.ctx.store.delete(KIND_LB, lb["id"])
    return Reply(200, deleted(lb["id"]))


@handler("lb_targets_list")
async def lb_targets_list(call: Call) -> Reply:
    lb = _lb(call)
    rows = [_target_view(call.ctx, t) for t in _targets(call.ctx, lb["id"])]
    return call.ctx.paginate(call, rows, "targets")


@handler("lb_targets_register")
async def lb_targets_register(call: Call) -> Reply:
    lb = _lb(call)
    instance = live_instance(call, call.path_params["instance_id"])
    target_id = f"{lb['id']}:{instance['id']}"
    existing = call.ctx.store.get(KIND_TARGET, target_id)
    if existing is not None:
        return Reply(200, _target_view(call.ctx, existing))
    if instance["vpc_id"] != lb["vpc_id"]:
        raise unprocessable(f"instance {instance['id']} is in VPC {instance['vpc_id']}, not {lb['vpc_id']}")
    if instance["status"] == "shutting-down":
        raise conflict(f"instance {instance['id']} is shutting-down")
    cap = limit("targets_per_load_balancer")
    if len(_targets(call.ctx, lb["id"])) >= cap:
        raise conflict(f"load balancer {lb['id']} already has {cap} targets")
    target = call.ctx.store.insert(
        KIND_TARGET,
        {
            "id": target_id,
            "account_id": account_of(call),
            "load_balancer_id": lb["id"],
            "instance_id": instance["id"],
            "registered_at": iso(call.ctx.clock()),
        },
    )
    return Reply(200, _target_view(call.ctx, target))


@handler("lb_targets_deregister")
async def lb_targets_deregister(call: Call) -> Reply:
    lb = _lb(call)
    instance_id = call.path_params["instance_id"]
    target = call.ctx.store.get(KIND_TARGET, f"{lb['id']}:{instance_id}")
    if target is None:
        raise not_found("target", instance_id)
    call.ctx.store.delete(KIND_TARGET, target["id"])
    return Reply(200, deleted(instance_id))
