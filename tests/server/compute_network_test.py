"""VPC, firewall, Elastic IP and load balancer rules: 422 validation, 409 conflicts, dependants, quotas."""

from __future__ import annotations

import pytest

from .compute_harness import Harness

pytestmark = pytest.mark.server

LISTENERS = [{"protocol": "http", "port": 80, "target_port": 8080}]


@pytest.mark.parametrize(("cidr", "status"), [("10.0.0.0/16", 201), ("10.0.0.0/28", 201), ("10.0.0.0/15", 422),
                                              ("10.0.0.0/29", 422), ("10.0.0.5/16", 422)])  # fmt: skip
def test_vpc_cidr_rules(cidr: str, status: int) -> None:
    assert Harness().call("vpcs_create", body={"name": "n", "cidr_block": cidr}).status == status


@pytest.mark.parametrize("dependant", ["instance", "firewall", "load_balancer", "asg"])
def test_vpc_in_use_is_409_until_the_dependant_is_gone(dependant: str) -> None:
    h = Harness()
    vpc = h.vpc()
    if dependant == "instance":
        rid = h.instance(vpc)
        undo = ("instances_delete", {"instance_id": rid}, None)
    elif dependant == "firewall":
        rid = h.call("firewalls_create", body={"name": "f", "vpc_id": vpc})["id"]
        undo = ("firewalls_delete", {"firewall_id": rid}, None)
    elif dependant == "load_balancer":
        rid = h.call("load_balancers_create", body={"name": "l", "vpc_id": vpc, "listeners": LISTENERS})["id"]
        undo = ("load_balancers_delete", {"load_balancer_id": rid}, None)
    else:
        body = {"name": "g", "vpc_id": vpc, "instance_type": "cnx.nano", "image_id": "img-debian-12",
                "min_size": 0, "max_size": 2, "desired_capacity": 1}  # fmt: skip
        rid = h.call("asgs_create", body=body)["id"]
        undo = ("asgs_delete", {"asg_id": rid}, {"force": True})
    got = h.call("vpcs_delete", vpc_id=vpc)
    assert got.status == 409, got.body
    op, params, query = undo
    assert h.call(op, query=query, **params).status == 200
    assert h.call("vpcs_delete", vpc_id=vpc).status == 200
    assert h.call("vpcs_get", vpc_id=vpc).status == 404


@pytest.mark.parametrize(
    ("rule", "status"),
    [
        ({"protocol": "tcp", "port_from": 443, "port_to": 443, "cidr": "0.0.0.0/0"}, 201),
        ({"protocol": "tcp", "port_from": 444, "port_to": 443, "cidr": "0.0.0.0/0"}, 422),
        ({"protocol": "icmp", "port_from": 0, "port_to": 80, "cidr": "0.0.0.0/0"}, 422),
        ({"protocol": "all", "port_from": 0, "port_to": 65535, "cidr": "10.0.0.0/8"}, 201),
        ({"protocol": "udp", "port_from": 53, "port_to": 53, "cidr": "10.0.0.1/8"}, 422),
    ],
)
def test_firewall_rule_validation(rule: dict[str, object], status: int) -> None:
    h = Harness()
    fw = h.call("firewalls_create", body={"name": "f", "vpc_id": h.vpc()})["id"]
    assert h.call("firewall_rules_create", body={"direction": "ingress", **rule}, firewall_id=fw).status == status


def test_firewall_rules_duplicates_cap_and_delete() -> None:
    h = Harness()
    fw = h.call("firewalls_create", body={"name": "f", "vpc_id": h.vpc()})["id"]
    rule = {"direction": "ingress", "protocol": "tcp", "cidr": "0.0.0.0/0"}
    ids = [h.call("firewall_rules_create", body={**rule, "port_from": p, "port_to": p}, firewall_id=fw)["id"]
           for p in range(50)]  # fmt: skip
    assert h.call("firewall_rules_create", body={**rule, "port_from": 1, "port_to": 1}, firewall_id=fw).status == 409
    assert (
        h.call("firewall_rules_create", body={**rule, "port_from": 99, "port_to": 99}, firewall_id=fw).status == 409
    )
    assert len(h.call("firewalls_get", firewall_id=fw)["rules"]) == 50
    assert h.call("firewall_rules_delete", firewall_id=fw, rule_id=ids[0]).status == 200
    assert h.call("firewall_rules_delete", firewall_id=fw, rule_id=ids[0]).status == 404
    other = h.call("firewalls_create", body={"name": "g", "vpc_id": h.vpc(cidr="10.9.0.0/16")})["id"]
    assert h.call("firewall_rules_delete", firewall_id=other, rule_id=ids[1]).status == 404


def test_eip_state_machine_and_conflicts() -> None:
    h = Harness()
    vpc = h.vpc()
    a, b = h.instance(vpc), h.instance(vpc)
    eip = h.call("eips_allocate", body={"name": "ip"})["id"]
    assert h.call("eips_disassociate", body={}, eip_id=eip).status == 409
    assert h.call("eips_associate", body={"instance_id": a}, eip_id=eip).status == 200
    assert h.call("eips_associate", body={"instance_id": a}, eip_id=eip).status == 200  # no change
    assert h.call("eips_release", eip_id=eip).status == 409
    assert h.call("eips_associate", body={"instance_id": b}, eip_id=eip).status == 409
    moved = h.call("eips_associate", body={"instance_id": b, "allow_reassociation": True}, eip_id=eip)
    assert moved["instance_id"] == b
    second = h.call("eips_allocate", body={})["id"]
    assert h.call("eips_associate", body={"instance_id": b}, eip_id=second).status == 409  # b has one already
    assert h.call("eips_associate", body={"instance_id": "i-0000000000000000"}, eip_id=second).status == 422
    assert h.call("eips_disassociate", body={}, eip_id=eip)["instance_id"] is None
    assert h.call("eips_release", eip_id=eip).status == 200
    assert h.call("eips_get", eip_id=eip).status == 404


def test_eip_quota_and_unique_addresses() -> None:
    h = Harness()
    ips = {h.call("eips_allocate", body={})["public_ip"] for _ in range(5)}
    assert len(ips) == 5
    assert h.call("eips_allocate", body={}).status == 409
    other = h.call("eips_allocate", "acc-00000000000000bb", body={})
    assert other.status == 201
    assert other["public_ip"] not in ips


def test_lb_listeners_targets_and_scope() -> None:
    h = Harness(terminate_delay=30.0)
    vpc, other_vpc = h.vpc(), h.vpc(cidr="10.1.0.0/16")
    twice = [*LISTENERS, {"protocol": "tcp", "port": 80, "target_port": 9000}]
    assert h.call("load_balancers_create", body={"name": "l", "vpc_id": vpc, "listeners": twice}).status == 422
    lb = h.call("load_balancers_create", body={"name": "l", "vpc_id": vpc, "listeners": LISTENERS})["id"]
    assert h.call("load_balancers_update", body={"listeners": twice}, load_balancer_id=lb).status == 422
    mine, elsewhere = h.instance(vpc), h.instance(other_vpc)
    foreign = h.instance(h.vpc("acc-00000000000000bb"), "acc-00000000000000bb")
    assert h.call("lb_targets_register", load_balancer_id=lb, instance_id=foreign).status == 404
    assert h.call("lb_targets_register", load_balancer_id=lb, instance_id=elsewhere).status == 422
    assert h.call("lb_targets_register", load_balancer_id=lb, instance_id=mine).status == 200
    assert h.call("lb_targets_register", load_balancer_id=lb, instance_id=mine).status == 200
    assert len(h.call("lb_targets_list", load_balancer_id=lb).body["targets"]) == 1
    h.call("instances_stop", body={}, instance_id=mine)
    assert h.call("lb_targets_list", load_balancer_id=lb).body["targets"][0]["health"] == "unhealthy"
    assert h.call("lb_targets_deregister", load_balancer_id=lb, instance_id=mine).status == 200
    assert h.call("lb_targets_deregister", load_balancer_id=lb, instance_id=mine).status == 404
    h.call("lb_targets_register", load_balancer_id=lb, instance_id=mine)
    assert h.call("load_balancers_delete", load_balancer_id=lb).status == 200
    assert h.ctx.store.scan("lb_target") == []
