"""Snapshots of volumes: ``pending`` until the copy delay has passed, then ``completed``.

State machine ``cloudnx_spec.state_machines()["snapshot"]``, settled lazily from ``_transition_at`` like instances.
A snapshot records the volume's size at the time it was taken; deleting it leaves volumes made from it alone.
Snapshot storage is metered in GiB-hours from creation to deletion.
"""

from __future__ import annotations

from reference_server.errors import not_found, unprocessable
from reference_server.platform.core import Call, Reply, ServerContext, handler
from reference_server.platform.store import Record

from .common import KIND_SNAPSHOT, KIND_VOLUME, account_of, deleted, ensure_quota, iso, owned_or_404, owned_or_422

__all__ = ["flush_snapshots", "settled_snapshot"]

_METRIC = "snapshot-gib-hours"


def _settle(ctx: ServerContext, snapshot: Record) -> Record:
    now = ctx.clock()
    start = float(snapshot.get("_billed_at") or now)
    if now > start:
        ctx.usage.record(snapshot["account_id"], "compute", _METRIC, snapshot["size_gib"] * (now - start) / 3600)
    changes: dict[str, object] = {"_billed_at": now}
    if snapshot["status"] == "pending" and now >= float(snapshot["_transition_at"]):
        changes["status"] = "completed"
    return ctx.store.update(KIND_SNAPSHOT, snapshot["id"], **changes)


def flush_snapshots(ctx: ServerContext, account_id: str) -> None:
    """Meter (and settle) every snapshot of the account up to now."""
    for snapshot in ctx.store.scan(KIND_SNAPSHOT, account_id):
        _settle(ctx, snapshot)


def settled_snapshot(call: Call, snapshot_id: str, missing_status: int = 404) -> Record:
    """The caller's snapshot in its current state; missing is 404 for a path id, 422 for a body field."""
    record = call.ctx.store.owned(KIND_SNAPSHOT, account_of(call), snapshot_id)
    if record is None:
        if missing_status == 422:
            raise unprocessable(f"snapshot_id: snapshot {snapshot_id} does not exist in this account")
        raise not_found("snapshot", snapshot_id)
    return _settle(call.ctx, record)


@handler("snapshots_list")
async def snapshots_list(call: Call) -> Reply:
    rows = [_settle(call.ctx, r) for r in call.ctx.store.scan(KIND_SNAPSHOT, account_of(call))]
    return call.ctx.paginate(call, rows, "snapshots")


@handler("snapshots_create")
async def snapshots_create(call: Call) -> Reply:
    volume = owned_or_422(call, KIND_VOLUME, call.body["volume_id"], "volume_id")
    ensure_quota(call.ctx, KIND_SNAPSHOT, account_of(call))
    now = call.ctx.clock()
    record = call.ctx.store.insert(
        KIND_SNAPSHOT,
        {
            "id": call.ctx.new_id("snap-"),
            "account_id": account_of(call),
            "volume_id": volume["id"],
            "size_gib": volume["size_gib"],
            "description": call.body.get("description", ""),
            "status": "pending",
            "created_at": iso(now),
            "_transition_at": now + float(call.ctx.settings.copy_delay),
            "_billed_at": now,
        },
    )
    return Reply(201, record)


@handler("snapshots_get")
async def snapshots_get(call: Call) -> Reply:
    return Reply(200, settled_snapshot(call, call.path_params["snapshot_id"]))


@handler("snapshots_delete")
async def snapshots_delete(call: Call) -> Reply:
    snapshot = _settle(call.ctx, owned_or_404(call, KIND_SNAPSHOT, call.path_params["snapshot_id"]))
    call.ctx.store.delete(KIND_SNAPSHOT, snapshot["id"])
    return Reply(200, deleted(snapshot["id"]))
