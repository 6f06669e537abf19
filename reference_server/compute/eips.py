"""Elastic IPs: addresses from one server-wide pool, ``cloudnx_spec.limits()["eips_per_account"]`` per account.

State machine ``cloudnx_spec.state_machines()["elastic_ip"]``: unassociated -> associated (eips_associate) ->
unassociated (eips_disassociate or instance termination). Associating an address held by another instance
needs ``allow_reassociation`` (409 otherwise); an instance holds one address at most and a shutting-down one
takes none (409); an associated address cannot be released (409).
"""

from __future__ import annotations

import ipaddress

from reference_server.errors import conflict, unprocessable
from reference_server.platform.core import Call, Reply, handler
from reference_server.platform.store import Record

from .common import KIND_EIP, KIND_INSTANCE, account_of, deleted, ensure_quota, iso, owned_or_404
from .machine import settle

# Carrier-grade NAT space (RFC 6598) stands in for public addresses: it is never routable from the internet,
# so nothing a test prints can be mistaken for someone's real address. Pool size bounds server-wide EIPs.
POOL = ipaddress.IPv4Network("100.64.0.0/16")
_FIRST_HOST = 10


def _free_address(call: Call) -> str:
    taken = {r["public_ip"] for r in call.ctx.store.scan(KIND_EIP)}
    for offset in range(_FIRST_HOST, POOL.num_addresses - 1):
        address = str(POOL.network_address + offset)
        if address not in taken:
            return address
    raise conflict("the Elastic IP pool is exhausted")


def _eip(call: Call) -> Record:
    return owned_or_404(call, KIND_EIP, call.path_params["eip_id"])


@handler("eips_list")
async def eips_list(call: Call) -> Reply:
    return call.ctx.paginate(call, call.ctx.store.scan(KIND_EIP, account_of(call)), "eips")


@handler("eips_allocate")
async def eips_allocate(call: Call) -> Reply:
    ensure_quota(call.ctx, KIND_EIP, account_of(call), quota="eips_per_account")
    eip_id = call.ctx.new_id("eipalloc-")
    record = call.ctx.store.insert(
        KIND_EIP,
        {
            "id": eip_id,
            "account_id": account_of(call),
            "name": (call.body or {}).get("name", eip_id),
            "public_ip": _free_address(call),
            "instance_id": None,
            "created_at": iso(call.ctx.clock()),
        },
    )
    return Reply(201, record)


@handler("eips_get")
async def eips_get(call: Call) -> Reply:
    return Reply(200, _eip(call))


@handler("eips_release")
async def eips_release(call: Call) -> Reply:
    eip = _eip(call)
    if eip["instance_id"] is not None:
        raise conflict(f"Elastic IP {eip['id']} is associated with {eip['instance_id']}; disassociate it first")
    call.ctx.store.delete(KIND_EIP, eip["id"])
    return Reply(200, deleted(eip["id"]))


@handler("eips_associate")
async def eips_associate(call: Call) -> Reply:
    eip = _eip(call)
    instance_id = call.body["instance_id"]
    owned = call.ctx.store.owned(KIND_INSTANCE, account_of(call), instance_id)
    instance = settle(call.ctx, owned) if owned is not None else None
    if instance is None:
        raise unprocessable(f"instance_id: instance {instance_id} does not exist in this account")
    if eip["instance_id"] == instance_id:
        return Reply(200, eip)  # already there: associating again changes nothing
    if instance["status"] == "shutting-down":
        raise conflict(f"instance {instance_id} is shutting-down")
    if eip["instance_id"] is not None and not call.body.get("allow_reassociation", False):
        raise conflict(
            f"Elastic IP {eip['id']} is associated with {eip['instance_id']}; set allow_reassociation to move it"
        )
    other = call.ctx.store.scan(KIND_EIP, account_of(call), lambda r: r.get("instance_id") == instance_id)
    if other:
        raise conflict(f"instance {instance_id} already has Elastic IP {other[0]['id']}")
    return Reply(200, call.ctx.store.update(KIND_EIP, eip["id"], instance_id=instance_id))


@handler("eips_disassociate")
async def eips_disassociate(call: Call) -> Reply:
    eip = _eip(call)
    if eip["instance_id"] is None:
        raise conflict(f"Elastic IP {eip['id']} is not associated")
    return Reply(200, call.ctx.store.update(KIND_EIP, eip["id"], instance_id=None))
