"""Auto scaling groups: bounds (422), real member instances, scale out/in newest first, delete rules (409/force)."""

from __future__ import annotations

import pytest

from .compute_harness import Harness

pytestmark = pytest.mark.server


def group(h: Harness, vpc: str, low: int, desired: int, high: int) -> dict[str, object]:
    return {"name": "g", "vpc_id": vpc, "instance_type": "cnx.micro", "image_id": "img-alpine-3-20",
            "min_size": low, "desired_capacity": desired, "max_size": high}  # fmt: skip


@pytest.mark.parametrize(("low", "desired", "high"), [(2, 1, 3), (0, 4, 3), (3, 3, 2)])
def test_bounds_must_hold(low: int, desired: int, high: int) -> None:
    h = Harness()
    assert h.call("asgs_create", body=group(h, h.vpc(), low, desired, high)).status == 422


def test_group_launches_scales_and_protects_members() -> None:
    h = Harness(terminate_delay=30.0)
    vpc = h.vpc()
    asg = h.call("asgs_create", body=group(h, vpc, 1, 3, 5))
    assert asg.status == 201
    assert len(asg["instance_ids"]) == 3
    members = asg["instance_ids"]
    for iid in members:
        got = h.call("instances_get", instance_id=iid)
        assert (got["asg_id"], got["instance_type"], got["vpc_id"]) == (asg["id"], "cnx.micro", vpc)
    assert h.call("instances_delete", instance_id=members[0]).status == 409
    assert h.call("asgs_update", body={"desired_capacity": 6}, asg_id=asg["id"]).status == 422
    assert h.call("asgs_update", body={"min_size": 4}, asg_id=asg["id"]).status == 422
    bigger = h.call("asgs_update", body={"desired_capacity": 5}, asg_id=asg["id"])
    assert len(bigger["instance_ids"]) == 5
    assert bigger["instance_ids"][:3] == members
    smaller = h.call("asgs_update", body={"desired_capacity": 2}, asg_id=asg["id"])
    assert smaller["instance_ids"] == members[:2]  # the newest went first
    assert h.call("instances_get", instance_id=members[2])["status"] == "shutting-down"
    assert h.call("asgs_delete", asg_id=asg["id"]).status == 409
    assert h.call("asgs_delete", query={"force": True}, asg_id=asg["id"]).status == 200
    assert h.call("asgs_get", asg_id=asg["id"]).status == 404
    assert {h.call("instances_get", instance_id=i)["status"] for i in members} == {"shutting-down"}
    h.advance(30)
    assert h.call("instances_list").body["instances"] == []


def test_empty_group_deletes_without_force_and_launch_is_all_or_nothing() -> None:
    h = Harness()
    small = h.vpc(cidr="10.2.0.0/28")  # 11 usable addresses
    assert h.call("asgs_create", body=group(h, small, 0, 12, 20)).status == 409
    assert h.call("instances_list").body["instances"] == []
    asg = h.call("asgs_create", body=group(h, small, 0, 0, 20))["id"]
    assert h.call("asgs_update", body={"desired_capacity": 12}, asg_id=asg).status == 409
    assert h.call("asgs_get", asg_id=asg)["instance_ids"] == []
    assert h.call("asgs_delete", asg_id=asg).status == 200
