"""Volumes: create (empty or from a completed snapshot), grow, attach to / detach from instances, delete.

State machine ``cloudnx_spec.state_machines()["volume"]``: available -> in-use (volumes_attach) -> available
(volumes_detach or instance termination). Attaching needs an available volume and a running or stopped
instance (409 otherwise); an unknown instance or a taken device is 422. An attached volume cannot be deleted
(409). Size only grows (422). Storage is metered in GiB-hours per volume type for billing.
"""

from __future__ import annotations

from typing import Any

from reference_server.errors import conflict, unprocessable
from reference_server.platform.core import Call, Reply, ServerContext, handler
from reference_server.platform.store import Record

from .common import KIND_INSTANCE, KIND_VOLUME, account_of, deleted, ensure_quota, iso, owned_or_404
from .machine import settle
from .snapshots import settled_snapshot

__all__ = ["flush_volumes", "meter_gib_hours"]

# Devices /dev/vdb../dev/vdz (components/schemas/VolumeAttach.device); vda is the root disk.
_DEVICES = [f"/dev/vd{c}" for c in "bcdefghijklmnopqrstuvwxyz"]
_ATTACHABLE = ("running", "stopped")


def meter_gib_hours(ctx: ServerContext, kind: str, record: Record, metric: str) -> Record:
    """Record the GiB-hours held since the last metering and move the mark to now."""
    now = ctx.clock()
    start = float(record.get("_billed_at") or now)
    if now > start:
        ctx.usage.record(record["account_id"], "compute", metric, record["size_gib"] * (now - start) / 3600)
    return ctx.store.update(kind, record["id"], _billed_at=now)


def _metered(ctx: ServerContext, volume: Record) -> Record:
    return meter_gib_hours(ctx, KIND_VOLUME, volume, f"volume-gib-hours:{volume['volume_type']}")


def flush_volumes(ctx: ServerContext, account_id: str) -> None:
    """Meter every volume of the account up to now (before an invoice is computed)."""
    for volume in ctx.store.scan(KIND_VOLUME, account_id):
        _metered(ctx, volume)


def _volume(call: Call) -> Record:
    return _metered(call.ctx, owned_or_404(call, KIND_VOLUME, call.path_params["volume_id"]))


@handler("volumes_list")
async def volumes_list(call: Call) -> Reply:
    rows = [_metered(call.ctx, r) for r in call.ctx.store.scan(KIND_VOLUME, account_of(call))]
    return call.ctx.paginate(call, rows, "volumes")


@handler("volumes_create")
async def volumes_create(call: Call) -> Reply:
    body = call.body
    snapshot_id = body.get("snapshot_id")
    if snapshot_id is not None:
        snapshot = settled_snapshot(call, snapshot_id, missing_status=422)
        if snapshot["status"] != "completed":
            raise conflict(f"snapshot {snapshot_id} is still {snapshot['status']}")
        if body["size_gib"] < snapshot["size_gib"]:
            raise unprocessable(
                f"size_gib {body['size_gib']} is smaller than snapshot {snapshot_id} ({snapshot['size_gib']} GiB)"
            )
    ensure_quota(call.ctx, KIND_VOLUME, account_of(call))
    now = call.ctx.clock()
    record = call.ctx.store.insert(
        KIND_VOLUME,
        {
            "id": call.ctx.new_id("vol-"),
            "account_id": account_of(call),
            "name": body["name"],
            "size_gib": body["size_gib"],
            "volume_type": body.get("volume_type", "standard"),
            "status": "available",
            "attached_instance_id": None,
            "device": None,
            "snapshot_id": snapshot_id,
            "created_at": iso(now),
            "_billed_at": now,
        },
    )
    return Reply(201, record)


@handler("volumes_get")
async def volumes_get(call: Call) -> Reply:
    return Reply(200, _volume(call))


@handler("volumes_update")
async def volumes_update(call: Call) -> Reply:
    volume = _volume(call)
    size = call.body.get("size_gib", volume["size_gib"])
    if size < volume["size_gib"]:
        raise unprocessable(f"size_gib can only grow: {size} is smaller than the current {volume['size_gib']}")
    return Reply(200, call.ctx.store.update(KIND_VOLUME, volume["id"], **call.body))


@handler("volumes_delete")
async def volumes_delete(call: Call) -> Reply:
    volume = _volume(call)
    if volume["status"] == "in-use":
        raise conflict(f"volume {volume['id']} is attached to {volume['attached_instance_id']}; detach it first")
    call.ctx.store.delete(KIND_VOLUME, volume["id"])
    return Reply(200, deleted(volume["id"]))


def _free_device(call: Call, instance_id: str, wanted: str | None) -> str:
    taken = {
        r["device"]
        for r in call.ctx.store.scan(KIND_VOLUME, None, lambda r: r.get("attached_instance_id") == instance_id)
    }
    if wanted is not None:
        if wanted in taken:
            raise unprocessable(f"device: {wanted} is taken on instance {instance_id}")
        return wanted
    for device in _DEVICES:
        if device not in taken:
            return device
    raise unprocessable(f"device: instance {instance_id} has no free device left")


@handler("volumes_attach")
async def volumes_attach(call: Call) -> Reply:
    volume = _volume(call)
    instance_id = call.body["instance_id"]
    owned = call.ctx.store.owned(KIND_INSTANCE, account_of(call), instance_id)
    instance = settle(call.ctx, owned) if owned is not None else None
    if instance is None:
        raise unprocessable(f"instance_id: instance {instance_id} does not exist in this account")
    if volume["status"] != "available":
        raise conflict(f"volume {volume['id']} is {volume['status']} (attached to {volume['attached_instance_id']})")
    if instance["status"] not in _ATTACHABLE:
        raise conflict(
            f"instance {instance_id} is {instance['status']}; a volume attaches to a running or stopped one"
        )
    device = _free_device(call, instance_id, call.body.get("device"))
    changes: dict[str, Any] = {"status": "in-use", "attached_instance_id": instance_id, "device": device}
    return Reply(200, call.ctx.store.update(KIND_VOLUME, volume["id"], **changes))


@handler("volumes_detach")
async def volumes_detach(call: Call) -> Reply:
    volume = _volume(call)
    if volume["status"] != "in-use":
        raise conflict(f"volume {volume['id']} is {volume['status']}, not attached")
    return Reply(
        200,
        call.ctx.store.update(KIND_VOLUME, volume["id"], status="available", attached_instance_id=None, device=None),
    )
