"""Volume state machine (available <-> in-use), attach/detach conflicts, snapshots (pending -> completed), billing."""

from __future__ import annotations

import pytest

from .compute_harness import Harness

pytestmark = pytest.mark.server


def test_attach_detach_conflicts() -> None:
    h = Harness(boot_delay=5.0)
    vpc = h.vpc()
    booting = h.instance(vpc)
    vol = h.call("volumes_create", body={"name": "d", "size_gib": 10, "volume_type": "ssd"})["id"]
    assert h.call("volumes_detach", body={}, volume_id=vol).status == 409
    assert h.call("volumes_attach", body={"instance_id": booting}, volume_id=vol).status == 409  # pending
    assert h.call("volumes_attach", body={"instance_id": "i-00000000000000ff"}, volume_id=vol).status == 422
    h.advance(5)
    got = h.call("volumes_attach", body={"instance_id": booting, "device": "/dev/vdc"}, volume_id=vol)
    assert (got["status"], got["attached_instance_id"], got["device"]) == ("in-use", booting, "/dev/vdc")
    assert h.call("volumes_attach", body={"instance_id": booting}, volume_id=vol).status == 409
    assert h.call("volumes_delete", volume_id=vol).status == 409
    second = h.call("volumes_create", body={"name": "e", "size_gib": 1})["id"]
    taken = h.call("volumes_attach", body={"instance_id": booting, "device": "/dev/vdc"}, volume_id=second)
    assert taken.status == 422
    assert h.call("volumes_attach", body={"instance_id": booting}, volume_id=second)["device"] == "/dev/vdb"
    h.call("instances_stop", body={}, instance_id=booting)
    assert h.call("volumes_get", volume_id=vol)["status"] == "in-use"  # stopping keeps volumes
    detached = h.call("volumes_detach", body={}, volume_id=vol)
    assert (detached["status"], detached["attached_instance_id"], detached["device"]) == ("available", None, None)
    assert h.call("volumes_delete", volume_id=vol).status == 200
    assert h.call("volumes_get", volume_id=vol).status == 404


def test_volume_only_grows() -> None:
    h = Harness()
    vol = h.call("volumes_create", body={"name": "d", "size_gib": 10})["id"]
    assert h.call("volumes_update", body={"size_gib": 9}, volume_id=vol).status == 422
    assert h.call("volumes_update", body={"size_gib": 20}, volume_id=vol)["size_gib"] == 20


def test_snapshot_state_machine_and_volumes_from_it() -> None:
    h = Harness(copy_delay=4.0)
    vol = h.call("volumes_create", body={"name": "d", "size_gib": 8})["id"]
    assert h.call("snapshots_create", body={"volume_id": "vol-0000000000000000"}).status == 422
    snap = h.call("snapshots_create", body={"volume_id": vol, "description": "nightly"})
    assert (snap.status, snap["status"], snap["size_gib"]) == (201, "pending", 8)
    body = {"name": "copy", "size_gib": 8, "snapshot_id": snap["id"]}
    assert h.call("volumes_create", body=body).status == 409  # still pending
    h.advance(4)
    assert h.call("snapshots_get", snapshot_id=snap["id"])["status"] == "completed"
    assert h.call("volumes_create", body={**body, "size_gib": 7}).status == 422
    copy = h.call("volumes_create", body=body)
    assert copy.status == 201
    assert copy["snapshot_id"] == snap["id"]
    assert h.call("snapshots_delete", snapshot_id=snap["id"]).status == 200
    assert h.call("volumes_get", volume_id=copy["id"]).status == 200
    assert h.call("snapshots_get", snapshot_id=snap["id"]).status == 404


def test_volume_gib_seconds_are_billed() -> None:
    h = Harness()
    vol = h.call("volumes_create", body={"name": "d", "size_gib": 10, "volume_type": "ssd"})["id"]
    h.advance(100)
    h.call("volumes_update", body={"size_gib": 20}, volume_id=vol)
    h.advance(50)
    h.call("volumes_delete", volume_id=vol)
    assert h.usage()["volume-gib-hours:ssd"] == pytest.approx((10 * 100 + 20 * 50) / 3600, rel=1e-3)
