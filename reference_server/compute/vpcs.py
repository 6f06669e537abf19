"""VPCs: a CIDR block whose prefix is /16../28 (422 otherwise) and the private addresses handed to instances.

A VPC in use by instances, firewalls, load balancers or auto scaling groups cannot be deleted (409), as the
operation's description in the spec states.
"""

from __future__ import annotations

import ipaddress

from reference_server.errors import conflict, unprocessable
from reference_server.platform.core import Call, Reply, handler
from reference_server.platform.store import Record

from .common import (
    KIND_ASG,
    KIND_FIREWALL,
    KIND_INSTANCE,
    KIND_LB,
    KIND_VPC,
    account_of,
    deleted,
    ensure_quota,
    iso,
    owned_or_404,
)
from .machine import settle_all

__all__ = ["allocate_private_ip", "ensure_free_addresses", "parse_cidr"]

MIN_PREFIX, MAX_PREFIX = 16, 28
# The network's first four addresses (network, router, DNS, reserved) and its broadcast are not handed out,
# as on AWS; a /28 therefore holds 11 instances.
_RESERVED_HEAD = 4


def parse_cidr(cidr: str, field: str = "cidr_block") -> ipaddress.IPv4Network:
    """The network of a CIDR string; host bits set (10.0.0.5/16) are not a network: 422."""
    try:
        return ipaddress.IPv4Network(cidr, strict=True)
    except ValueError as exc:
        raise unprocessable(f"{field}: {cidr} is not a network address (host bits are set)") from exc


def _taken(call: Call, vpc: Record) -> set[str]:
    return {r["private_ip"] for r in call.ctx.store.scan(KIND_INSTANCE, None, lambda r: r["vpc_id"] == vpc["id"])}


def ensure_free_addresses(call: Call, vpc: Record, wanted: int) -> None:
    """409 unless ``wanted`` more instances fit in the VPC (checked before a batch, so it launches all or none)."""
    usable = ipaddress.IPv4Network(vpc["cidr_block"]).num_addresses - 1 - _RESERVED_HEAD
    free = usable - len(_taken(call, vpc))
    if wanted > free:
        raise conflict(f"VPC {vpc['id']} has {free} free private addresses; {wanted} needed")


def allocate_private_ip(call: Call, vpc: Record) -> str:
    """The lowest free host address of the VPC (409 when the VPC is full)."""
    network = ipaddress.IPv4Network(vpc["cidr_block"])
    taken = _taken(call, vpc)
    for offset in range(_RESERVED_HEAD, network.num_addresses - 1):
        host = str(network.network_address + offset)
        if host not in taken:
            return host
    usable = network.num_addresses - 1 - _RESERVED_HEAD
    raise conflict(f"VPC {vpc['id']} has no free private address left ({usable} usable in {network})")


def dependants(call: Call, vpc_id: str) -> list[str]:
    """Human names of what still uses the VPC, for the 409 message."""
    found = []
    for kind, word in (
        (KIND_INSTANCE, "instances"),
        (KIND_FIREWALL, "firewalls"),
        (KIND_LB, "load balancers"),
        (KIND_ASG, "auto scaling groups"),
    ):
        n = len(call.ctx.store.scan(kind, account_of(call), lambda r: r.get("vpc_id") == vpc_id))
        if n:
            found.append(f"{n} {word}")
    return found


@handler("vpcs_list")
async def vpcs_list(call: Call) -> Reply:
    return call.ctx.paginate(call, call.ctx.store.scan(KIND_VPC, account_of(call)), "vpcs")


@handler("vpcs_create")
async def vpcs_create(call: Call) -> Reply:
    network = parse_cidr(call.body["cidr_block"])
    if not MIN_PREFIX <= network.prefixlen <= MAX_PREFIX:
        raise unprocessable(f"cidr_block: prefix /{network.prefixlen} is outside /{MIN_PREFIX}../{MAX_PREFIX}")
    ensure_quota(call.ctx, KIND_VPC, account_of(call))
    record = call.ctx.store.insert(
        KIND_VPC,
        {
            "id": call.ctx.new_id("vpc-"),
            "account_id": account_of(call),
            "name": call.body["name"],
            "cidr_block": str(network),
            "status": "available",
            "created_at": iso(call.ctx.clock()),
        },
    )
    return Reply(201, record)


@handler("vpcs_get")
async def vpcs_get(call: Call) -> Reply:
    return Reply(200, owned_or_404(call, KIND_VPC, call.path_params["vpc_id"]))


@handler("vpcs_update")
async def vpcs_update(call: Call) -> Reply:
    vpc = owned_or_404(call, KIND_VPC, call.path_params["vpc_id"])
    return Reply(200, call.ctx.store.update(KIND_VPC, vpc["id"], name=call.body["name"]))


@handler("vpcs_delete")
async def vpcs_delete(call: Call) -> Reply:
    vpc = owned_or_404(call, KIND_VPC, call.path_params["vpc_id"])
    # Settle first: an instance that has finished terminating no longer holds the VPC.
    settle_all(call.ctx, account_of(call), vpc_id=vpc["id"])
    in_use = dependants(call, vpc["id"])
    if in_use:
        raise conflict(f"VPC {vpc['id']} is in use by {', '.join(in_use)}")
    call.ctx.store.delete(KIND_VPC, vpc["id"])
    return Reply(200, deleted(vpc["id"]))
