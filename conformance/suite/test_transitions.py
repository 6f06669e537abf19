"""State-machine actions answer documented statuses: walk each machine through every action the spec lists.

Spec ``cloudnx_spec.state_machines()`` and each action's ``Operation.transition`` (from/to states); seed "Status
codes" (200 read or update successful). Generated traffic rarely reaches these actions with a live resource in
the right state (random ids answer 404), so the walk is driven here.
"""

# ruff: noqa: S101 - a broken rule is a plain assert with a message (docs/suite-internals.md)

from __future__ import annotations

import time

import cloudnx_spec
from conformance.checks import check
from conformance.contract import Contract
from conformance.fixtures import ApiFactory, MakeResource
from conformance.identities import Account
from conformance.suite.support import describe, made

# Bounded wait for a transitional state (pending, stopping, rebooting) to settle on a target with real delays.
SETTLE_SECONDS = 30.0


def _actions(contract: Contract, machine: str) -> dict[str, cloudnx_spec.Transition]:
    """Action operationId -> its transition in the spec, for the operations that move ``machine``."""
    found = {}
    for info in contract.operations():
        transition = cloudnx_spec.operation(info.operation_id).transition
        if transition and transition.machine == machine and info.method == "POST":
            found[info.operation_id] = transition
    return found


@check("SCHEMA-STATUS")
def test_instance_actions_answer_documented_statuses(
    api: ApiFactory, alice: Account, contract: Contract, make: MakeResource
) -> None:
    actions = _actions(contract, "instance")
    assert actions, "the spec lists no instance actions (no operation declares an instance transition)"
    client = api(alice.root)
    instance = made(make, "instances_create", alice.root)
    params = {"instance_id": instance["id"]}
    pending = dict(actions)
    deadline = time.monotonic() + SETTLE_SECONDS * (len(actions) + 1)
    while pending and time.monotonic() < deadline:
        current = client.call("instances_get", path_params=params)
        assert current.status_code == contract.op("instances_get").success_status, describe(current)
        state = current.json()["status"]
        ready = [op for op, transition in pending.items() if state in transition.from_states]
        if not ready:
            time.sleep(0.2)
            continue
        operation = ready[0]
        reply = client.call(operation, path_params=params, json={})
        info = contract.op(operation)
        assert reply.status_code == info.success_status, (
            f"{operation} on a {state} instance must answer {info.success_status} "
            f"(documented: {sorted(info.statuses)}): {describe(reply)}"
        )
        del pending[operation]
    assert not pending, f"the instance never reached the states these actions need: {sorted(pending)}"
