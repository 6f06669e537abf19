"""The instance state machine (cloudnx_spec.state_machines()["instance"]), its 409s, termination and billing."""

from __future__ import annotations

import pytest

from .compute_harness import Harness

pytestmark = pytest.mark.server

DELAYS = {"boot_delay": 5.0, "stop_delay": 3.0, "terminate_delay": 2.0}


def state(h: Harness, instance_id: str) -> str | int:
    got = h.call("instances_get", instance_id=instance_id)
    return got["status"] if got.status == 200 else got.status


def test_transitional_states_are_observable_with_delays() -> None:
    h = Harness(**DELAYS)
    iid = h.instance(h.vpc())
    assert state(h, iid) == "pending"
    h.advance(5)
    assert state(h, iid) == "running"
    assert h.call("instances_stop", body={}, instance_id=iid)["status"] == "stopping"
    h.advance(2.9)
    assert state(h, iid) == "stopping"
    h.advance(0.2)
    assert state(h, iid) == "stopped"
    assert h.call("instances_start", body={}, instance_id=iid)["status"] == "pending"
    h.advance(5)
    assert h.call("instances_reboot", body={}, instance_id=iid)["status"] == "rebooting"
    h.advance(5)
    assert state(h, iid) == "running"
    assert h.call("instances_delete", instance_id=iid)["status"] == "shutting-down"
    assert state(h, iid) == "shutting-down"
    h.advance(2)
    assert state(h, iid) == 404


@pytest.mark.parametrize(
    ("action", "setup", "current"),
    [
        ("instances_start", [], "running"),
        ("instances_stop", ["instances_stop"], "stopped"),
        ("instances_reboot", ["instances_stop"], "stopped"),
        ("instances_start", ["instances_delete"], "shutting-down"),
    ],
)
def test_wrong_state_is_409_naming_the_current_state(action: str, setup: list[str], current: str) -> None:
    h = Harness(terminate_delay=10.0)
    iid = h.instance(h.vpc())
    for step in setup:
        assert h.call(step, body={} if step != "instances_delete" else None, instance_id=iid).status == 200
    got = h.call(action, body={}, instance_id=iid)
    assert got.status == 409
    assert current in got["error"]


def test_pending_cannot_be_stopped_while_booting() -> None:
    h = Harness(boot_delay=30.0)
    iid = h.instance(h.vpc())
    got = h.call("instances_stop", body={}, instance_id=iid)
    assert got.status == 409
    assert "pending" in got["error"]


def test_delete_twice_is_409_then_404() -> None:
    h = Harness(terminate_delay=10.0)
    iid = h.instance(h.vpc())
    assert h.call("instances_delete", instance_id=iid).status == 200
    assert h.call("instances_delete", instance_id=iid).status == 409
    h.advance(10)
    assert h.call("instances_delete", instance_id=iid).status == 404
    assert h.call("instances_list").body["instances"] == []


def test_other_account_sees_404_and_empty_list() -> None:
    h = Harness()
    iid = h.instance(h.vpc())
    other = "acc-00000000000000bb"
    for op in ("instances_get", "instances_delete"):
        assert h.call(op, other, instance_id=iid).status == 404
    assert h.call("instances_stop", other, body={}, instance_id=iid).status == 404
    assert h.call("instances_list", other).body["instances"] == []


def test_create_needs_own_vpc_and_firewalls_in_it() -> None:
    h = Harness()
    vpc, other_vpc = h.vpc(), h.vpc(cidr="10.1.0.0/16")
    fw = h.call("firewalls_create", body={"name": "fw", "vpc_id": other_vpc})["id"]
    body = {"name": "x", "instance_type": "cnx.nano", "image_id": "img-debian-12"}
    assert h.call("instances_create", body={**body, "vpc_id": "vpc-0000000000000000"}).status == 422
    foreign = h.vpc(account="acc-00000000000000bb")
    assert h.call("instances_create", body={**body, "vpc_id": foreign}).status == 422
    assert h.call("instances_create", body={**body, "vpc_id": vpc, "firewall_ids": [fw]}).status == 422
    assert h.call("instances_create", body={**body, "vpc_id": other_vpc, "firewall_ids": [fw]}).status == 201


def test_private_addresses_come_from_the_vpc_and_a_full_vpc_is_409() -> None:
    h = Harness()
    vpc = h.vpc(cidr="192.168.7.16/28")
    ips = [h.call("instances_get", instance_id=h.instance(vpc))["private_ip"] for _ in range(11)]
    assert ips[0] == "192.168.7.20"
    assert ips[-1] == "192.168.7.30"
    body = {"name": "x", "instance_type": "cnx.nano", "image_id": "img-debian-12", "vpc_id": vpc}
    assert h.call("instances_create", body=body).status == 409


def test_termination_detaches_volume_eip_firewall_and_targets() -> None:
    h = Harness(terminate_delay=60.0)
    vpc = h.vpc()
    fw = h.call("firewalls_create", body={"name": "fw", "vpc_id": vpc})["id"]
    iid = h.instance(vpc, firewall_ids=[fw])
    vol = h.call("volumes_create", body={"name": "d", "size_gib": 1})["id"]
    assert h.call("volumes_attach", body={"instance_id": iid}, volume_id=vol)["status"] == "in-use"
    eip = h.call("eips_allocate", body={})["id"]
    assert h.call("eips_associate", body={"instance_id": iid}, eip_id=eip)["instance_id"] == iid
    assert h.call("instances_get", instance_id=iid)["public_ip"] == h.call("eips_get", eip_id=eip)["public_ip"]
    listeners = [{"protocol": "http", "port": 80, "target_port": 8080}]
    lb = h.call("load_balancers_create", body={"name": "lb", "vpc_id": vpc, "listeners": listeners})["id"]
    assert h.call("lb_targets_register", load_balancer_id=lb, instance_id=iid)["health"] == "healthy"
    assert h.call("firewalls_delete", firewall_id=fw).status == 409

    assert h.call("instances_delete", instance_id=iid)["status"] == "shutting-down"
    assert h.call("volumes_get", volume_id=vol)["status"] == "available"
    assert h.call("eips_get", eip_id=eip)["instance_id"] is None
    assert h.call("lb_targets_list", load_balancer_id=lb).body["targets"] == []
    assert h.call("firewalls_get", firewall_id=fw)["attached_instance_ids"] == []
    assert h.call("firewalls_delete", firewall_id=fw).status == 200
    assert h.call("instances_update", body={"name": "y"}, instance_id=iid).status == 409


def test_instance_seconds_are_billed_only_while_running() -> None:
    h = Harness(boot_delay=10.0, stop_delay=10.0)
    iid = h.instance(h.vpc())
    h.advance(10 + 100)  # 10 s pending (not billed), then 100 s running
    assert h.call("instances_stop", body={}, instance_id=iid).status == 200
    h.advance(500)  # stopping + stopped: not billed
    h.call("instances_get", instance_id=iid)
    assert h.usage()["instance-seconds:cnx.small"] == pytest.approx(100, abs=0.5)
