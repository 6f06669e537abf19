"""Firewalls and their rules.

A firewall lives in one VPC (422 when the VPC is unknown) and is attached to instances through the instance's
``firewall_ids``; ``attached_instance_ids`` is derived from those, so it can never disagree with them. A rule's
ports must be ordered and icmp/all rules cover 0-65535 (422); a firewall holds at most
``cloudnx_spec.limits()["rules_per_firewall"]`` rules and no two identical ones (409). A firewall still attached to an
instance cannot be deleted (409).
"""

from __future__ import annotations

from typing import Any

from cloudnx_spec import Limits
from reference_server.errors import conflict, not_found, unprocessable
from reference_server.platform.core import Call, Reply, ServerContext, handler
from reference_server.platform.store import Record

from .common import (
    KIND_FIREWALL,
    KIND_INSTANCE,
    KIND_RULE,
    KIND_VPC,
    account_of,
    deleted,
    ensure_quota,
    iso,
    limit,
    owned_or_404,
    owned_or_422,
)
from .machine import settle_all
from .vpcs import parse_cidr

__all__ = ["firewall_view"]

_RULE_FIELDS = ("direction", "protocol", "port_from", "port_to", "cidr")
_ALL_PORTS = (0, 65535)


def _rules(ctx: ServerContext, firewall_id: str) -> list[Record]:
    return ctx.store.scan(KIND_RULE, None, lambda r: r["firewall_id"] == firewall_id)


def _rule_view(rule: Record) -> dict[str, Any]:
    return {"id": rule["id"], **{k: rule[k] for k in _RULE_FIELDS}}


def firewall_view(ctx: ServerContext, firewall: Record) -> dict[str, Any]:
    attached = [
        r["id"] for r in ctx.store.scan(KIND_INSTANCE, None, lambda r: firewall["id"] in r.get("firewall_ids", ()))
    ]
    return {
        **firewall,
        "rules": [_rule_view(r) for r in _rules(ctx, firewall["id"])],
        "attached_instance_ids": attached,
    }


@handler("firewalls_list")
async def firewalls_list(call: Call) -> Reply:
    rows = [
        {**firewall_view(call.ctx, r), "_seq": r["_seq"]}
        for r in call.ctx.store.scan(KIND_FIREWALL, account_of(call))
    ]
    return call.ctx.paginate(call, rows, "firewalls")


@handler("firewalls_create")
async def firewalls_create(call: Call) -> Reply:
    vpc = owned_or_422(call, KIND_VPC, call.body["vpc_id"], "vpc_id")
    ensure_quota(call.ctx, KIND_FIREWALL, account_of(call))
    record = call.ctx.store.insert(
        KIND_FIREWALL,
        {
            "id": call.ctx.new_id("fw-"),
            "account_id": account_of(call),
            "vpc_id": vpc["id"],
            "name": call.body["name"],
            "description": call.body.get("description", ""),
            "created_at": iso(call.ctx.clock()),
        },
    )
    return Reply(201, firewall_view(call.ctx, record))


@handler("firewalls_get")
async def firewalls_get(call: Call) -> Reply:
    return Reply(200, firewall_view(call.ctx, owned_or_404(call, KIND_FIREWALL, call.path_params["firewall_id"])))


@handler("firewalls_update")
async def firewalls_update(call: Call) -> Reply:
    firewall = owned_or_404(call, KIND_FIREWALL, call.path_params["firewall_id"])
    updated = call.ctx.store.update(KIND_FIREWALL, firewall["id"], **call.body)
    return Reply(200, firewall_view(call.ctx, updated))


@handler("firewalls_delete")
async def firewalls_delete(call: Call) -> Reply:
    firewall = owned_or_404(call, KIND_FIREWALL, call.path_params["firewall_id"])
    settle_all(call.ctx, account_of(call))
    users = firewall_view(call.ctx, firewall)["attached_instance_ids"]
    if users:
        raise conflict(f"firewall {firewall['id']} is attached to {', '.join(users)}; detach it first")
    for rule in _rules(call.ctx, firewall["id"]):
        call.ctx.store.delete(KIND_RULE, rule["id"])
    call.ctx.store.delete(KIND_FIREWALL, firewall["id"])
    return Reply(200, deleted(firewall["id"]))


@handler("firewall_rules_list")
async def firewall_rules_list(call: Call) -> Reply:
    firewall = owned_or_404(call, KIND_FIREWALL, call.path_params["firewall_id"])
    rows = [{**_rule_view(r), "_seq": r["_seq"]} for r in _rules(call.ctx, firewall["id"])]
    return call.ctx.paginate(call, rows, "rules")


def check_rule(body: dict[str, Any]) -> dict[str, Any]:
    """The rule's fields, validated beyond JSON Schema (422): port order, icmp/all ranges, network CIDR."""
    port_from, port_to, protocol = body["port_from"], body["port_to"], body["protocol"]
    if port_from > port_to:
        raise unprocessable(f"port_from {port_from} is greater than port_to {port_to}")
    if protocol in ("icmp", "all") and (port_from, port_to) != _ALL_PORTS:
        raise unprocessable(f"protocol {protocol} has no ports: use port_from 0 and port_to 65535")
    return {**{k: body[k] for k in _RULE_FIELDS}, "cidr": str(parse_cidr(body["cidr"], "cidr"))}


@handler("firewall_rules_create")
async def firewall_rules_create(call: Call) -> Reply:
    firewall = owned_or_404(call, KIND_FIREWALL, call.path_params["firewall_id"])
    fields = check_rule(call.body)
    existing = _rules(call.ctx, firewall["id"])
    cap = limit("rules_per_firewall")
    if len(existing) >= cap:
        raise conflict(f"firewall {firewall['id']} already has {cap} rules ({Limits.KEY}.rules_per_firewall)")
    for rule in existing:
        if all(rule[k] == fields[k] for k in _RULE_FIELDS):
            raise conflict(f"firewall {firewall['id']} already has this rule ({rule['id']})")
    rule = call.ctx.store.insert(
        KIND_RULE,
        {"id": call.ctx.new_id("fwr-"), "account_id": account_of(call), "firewall_id": firewall["id"], **fields},
    )
    return Reply(201, _rule_view(rule))


@handler("firewall_rules_delete")
async def firewall_rules_delete(call: Call) -> Reply:
    firewall = owned_or_404(call, KIND_FIREWALL, call.path_params["firewall_id"])
    rule_id = call.path_params["rule_id"]
    rule = call.ctx.store.owned(KIND_RULE, account_of(call), rule_id)
    if rule is None or rule["firewall_id"] != firewall["id"]:
        raise not_found("firewall rule", rule_id)
    call.ctx.store.delete(KIND_RULE, rule_id)
    return Reply(200, deleted(rule_id))
